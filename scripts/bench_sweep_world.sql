-- make bench-sweep: a deterministic synthetic world written straight into a migrated, seeded database.
-- 5,000 firms (valid tax codes), 2 substances each, annual import licences per firm and substance with headroom,
-- 1,000,000 declaration lines over 24 months citing them, quarterly reports that reconcile with customs, and a
-- few planted problems so that the sweep has alerts to raise: ~0.2 % of lines cite no licence, 1 % of licences are
-- overdrawn, 1 % of reports under-state imports. psql variables: firms, lines, months, start (first day).
SELECT setseed(0.42);

CREATE TEMP TABLE bench_firm AS
WITH candidates AS (
    SELECT n, '01' || lpad(n::text, 7, '0') AS body FROM generate_series(1, :firms * 2) n
), checked AS (
    SELECT n, body,
           (  substr(body,1,1)::int * 31 + substr(body,2,1)::int * 29 + substr(body,3,1)::int * 23
            + substr(body,4,1)::int * 19 + substr(body,5,1)::int * 17 + substr(body,6,1)::int * 13
            + substr(body,7,1)::int * 7  + substr(body,8,1)::int * 5  + substr(body,9,1)::int * 3) % 11 AS r
      FROM candidates
)
SELECT row_number() OVER (ORDER BY n) AS k, body || CASE WHEN r = 10 THEN 0 ELSE 10 - r END AS tax_code
  FROM checked WHERE r <> 0 ORDER BY n LIMIT :firms;

INSERT INTO firm (tax_code, name, sector, province, registered_on, status, key_enterprise)
SELECT tax_code, 'Công ty Hóa chất số ' || k,
       (ARRAY['pharma_manufacturer', 'pharma_distributor', 'chemical_manufacturer', 'chemical_distributor', 'user_industry'])[1 + k % 5],
       (ARRAY['Hà Nội', 'Hồ Chí Minh', 'Hải Phòng', 'Đà Nẵng', 'Bình Dương'])[1 + k % 5], DATE '2010-01-01', 'active', k % 20 = 0
  FROM bench_firm;
INSERT INTO reporting_obligation (firm_id, frequency, due_days) SELECT id, 'quarterly', 30 FROM firm;

-- Two substances per firm, from five common ones.
CREATE TEMP TABLE bench_pair AS
SELECT row_number() OVER (ORDER BY f.id, s.id) AS p, f.id AS firm_id, s.id AS substance_id, s.hs_code,
       (50 + 950 * random())::numeric(12,3) AS shipment_kg
  FROM firm f
  JOIN bench_firm b ON b.tax_code = f.tax_code
 CROSS JOIN generate_series(0, 1) j
  JOIN substance s ON s.code = (ARRAY['ACETONE', 'TOLUENE', 'SULPHURIC_ACID', 'POTASSIUM_PERMANGANATE', 'EPHEDRINE'])[1 + (b.k + j) % 5];

-- Annual licences per pair and year, granted 1.6× the expected imports; 1 % granted too little (overdrawn).
INSERT INTO licence (licence_no, firm_id, authority, activity, valid_from, valid_until, status)
SELECT 'GP-' || p || '/' || y, firm_id, 'MOIT', 'import', make_date(y, 1, 1), make_date(y, 12, 31), 'active'
  FROM bench_pair CROSS JOIN generate_series(extract(year FROM :'start'::date)::int,
                                             extract(year FROM :'start'::date + make_interval(months => :months))::int) y;
INSERT INTO licence_line (licence_id, firm_id, substance_id, concentration_pct, quantity_kg)
SELECT l.id, b.firm_id, b.substance_id, 100,
       round(b.shipment_kg * (:lines / (SELECT count(*) FROM bench_pair)) * 12.0 / :months * CASE WHEN b.p % 100 = 7 THEN 0.5 ELSE 1.6 END, 3)
  FROM bench_pair b JOIN licence l ON l.licence_no LIKE 'GP-' || b.p || '/%';

-- The declaration lines: each pair's share spread over the months; 0.2 % cite no licence. Written in date order,
-- as customs extracts arrive (each import appends a period's lines), so the table is laid out by day like a real one.
INSERT INTO declaration_line (firm_id, declaration_no, line_no, declared_on, direction, customs_office_id, transport_mode,
                              country, hs_code, substance_id, quantity, unit, concentration_pct, kg_pure, licence_no,
                              licence_id, value_usd)
SELECT b.firm_id, 'TK' || g, 1, d.day, 'import', o.id, 'sea', (ARRAY['CN', 'IN', 'KR', 'JP', 'DE'])[1 + g % 5],
       replace(b.hs_code, '.', ''), b.substance_id, q.kg, 'KGM', 100, q.kg,
       CASE WHEN g % 500 = 3 THEN NULL ELSE 'GP-' || b.p || '/' || extract(year FROM d.day) END,
       CASE WHEN g % 500 = 3 THEN NULL ELSE l.id END, round(q.kg * 3, 2)
  FROM generate_series(1, :lines) g
  JOIN bench_pair b ON b.p = 1 + g % (SELECT count(*) FROM bench_pair)
 CROSS JOIN LATERAL (SELECT (:'start'::date + g * 0 + (random() * ((:'start'::date + make_interval(months => :months))::date - :'start'::date - 1))::int) AS day) d
 CROSS JOIN LATERAL (SELECT round((b.shipment_kg * (0.5 + random()::numeric)), 3) AS kg) q
  JOIN customs_office o ON o.code = (ARRAY['CAI_MEP', 'DAD_PORT', 'QUY_NHON'])[1 + g % 3]
  LEFT JOIN licence l ON l.licence_no = 'GP-' || b.p || '/' || extract(year FROM d.day)
 ORDER BY d.day, g;

-- Quarterly reports that reconcile with customs (1 % under-state imports by a third); stock passes through.
INSERT INTO self_report (firm_id, period, substance_id, opening_kg, imported_kg, purchased_kg, produced_kg, used_kg,
                         sold_kg, exported_kg, lost_kg, closing_kg, source, submitted_by, submitted_at)
SELECT m.firm_id, m.period, m.substance_id, 0, round(m.kg * CASE WHEN b.p % 100 = 11 THEN 0.66 ELSE 1 END, 3), 0, 0,
       round(m.kg * CASE WHEN b.p % 100 = 11 THEN 0.66 ELSE 1 END, 3), 0, 0, 0, 0, 'import', 'bench', period_end(m.period) + 20
  FROM (SELECT firm_id, substance_id, to_char(declared_on, 'YYYY') || '-Q' || to_char(declared_on, 'Q') AS period, sum(kg_pure) AS kg
          FROM declaration_line GROUP BY 1, 2, 3) m
  JOIN bench_pair b ON b.firm_id = m.firm_id AND b.substance_id = m.substance_id
 WHERE period_end(m.period) < :'start'::date + make_interval(months => :months);

-- A bulk import builds the BRIN index of declaration_line afresh, every range summarized; lines written row by row
-- leave theirs to autovacuum, which may not have come by (or is stopped by CREATE DATABASE … TEMPLATE) when the
-- sweeps run. Summarized here, as the import of such a world would leave it.
SELECT brin_summarize_new_values('declaration_line_changed_brin');
ANALYZE;
