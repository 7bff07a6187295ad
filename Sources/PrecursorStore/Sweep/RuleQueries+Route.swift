import PrecursorCore

/// The frequency and route rules (DESIGN §5): shipments in the as-of window against the firm's own rate, and routes
/// new to the firm. They read the window's lines (`sweep_cur_line`, only the scoped pairs' in an incremental sweep)
/// and the stored baselines of the as-of date: prior shipments, first import months, route history and origin shares
/// — no table that the sweep's transaction writes, so a parallel incremental sweep evaluates them on a connection of
/// its own (`SweepStore.committedOnlyRules`).
extension RuleQueries {
    /// Shipments (import declarations) in the as-of window — the as-of month, or the last 30 days if longer —
    /// against the firm's own rate over the (up to) 12 months before it since its first import, floored at one a
    /// year: Poisson upper tail p ≤ 10^−`$2` (summed directly, ln k! by Stirling's series, so tiny p stay exact), at least `$3` shipments and at least `$6` days of history (`count`);
    /// or at least `$3` shipments each between `$4` × and 1 × the substance's control threshold (`rule_config`
    /// `frequency_spike`/`control_kg:CODE`), declared within `$7` days of each other, and at least `$5` × the
    /// firm's usual number of such shipments (`split`). The split shipments are the largest run of such shipments
    /// within `$7` days in the window (the earliest of equal runs): an ordinary lot that happens to fall in the band
    /// two weeks later neither hides the run nor joins it.
    static func frequencySpike(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH shipment AS (
                SELECT c.firm_id, c.substance_id, c.declaration_no, min(c.declared_on) AS declared_on,
                       sum(c.kg_pure)::float8 AS kg, bool_or(c.hot_route) AS hot_route,
                       min(c.declaration_no || '/' || c.line_no) AS ref
                  FROM sweep_cur_line c
                 WHERE (c.firm_id, c.substance_id, c.declaration_no) NOT IN (
                           SELECT p.firm_id, p.substance_id, p.declaration_no FROM sweep_baseline_straddle p WHERE p.as_of = $1::date)
                 GROUP BY c.firm_id, c.substance_id, c.declaration_no
            ),
            banded AS MATERIALIZED (
                SELECT s.*, rc.value::float8 AS control_kg,
                       coalesce(s.kg >= $4::float8 * rc.value::float8 AND s.kg < rc.value::float8, false) AS in_band,
                       s.declared_on >= \(windowStart) AS in_window
                  FROM shipment s
                  LEFT JOIN (SELECT su.id, rc.value FROM substance su
                               JOIN rule_config rc ON rc.rule = 'frequency_spike' AND rc.key = 'control_kg:' || su.code) rc
                         ON rc.id = s.substance_id
            ),
            run AS (
                SELECT DISTINCT ON (r.firm_id, r.substance_id) r.firm_id, r.substance_id, r.start_on, r.end_on, r.n
                  FROM (SELECT b.firm_id, b.substance_id, b.declared_on AS start_on, count(*) OVER w AS n,
                               max(b.declared_on) OVER w AS end_on
                          FROM banded b WHERE b.in_window AND b.in_band
                        WINDOW w AS (PARTITION BY b.firm_id, b.substance_id ORDER BY b.declared_on
                                     RANGE BETWEEN CURRENT ROW AND make_interval(days => $7::float8::int) FOLLOWING)) r
                 ORDER BY r.firm_id, r.substance_id, r.n DESC, r.start_on
            ),
            window_ AS (
                SELECT s.firm_id, s.substance_id, count(*) AS n, min(s.declared_on) AS first_date,
                       max(s.declared_on) AS last_date, bool_or(s.hot_route) AS hot_route,
                       coalesce(max(r.n), 0) AS split_n, max(r.start_on) AS split_first, max(r.end_on) AS split_last,
                       max(s.control_kg) AS control_kg
                  FROM banded s LEFT JOIN run r USING (firm_id, substance_id)
                 WHERE s.in_window
                 GROUP BY s.firm_id, s.substance_id
            ),
            prior AS (
                SELECT firm_id, substance_id, shipments AS n, split_shipments AS split_n
                  FROM sweep_baseline_frequency WHERE as_of = $1::date
            ),
            rate AS (
                SELECT w.*, e.days,
                       greatest(coalesce(p.n, 0)::float8 / greatest(e.days, 1), 1.0 / 365) * ($1::date - \(windowStart) + 1) AS lambda,
                       greatest(coalesce(p.split_n, 0)::float8 / greatest(e.days, 1), 1.0 / 365)
                           * ($1::date - \(windowStart) + 1) AS split_lambda
                  FROM window_ w
                  LEFT JOIN sweep_baseline_pair fi
                         ON fi.as_of = $1::date AND fi.firm_id = w.firm_id AND fi.substance_id = w.substance_id
                  CROSS JOIN LATERAL (
                      SELECT \(windowStart) - greatest(coalesce(fi.first_month, \(asOfMonth)),
                                                       (\(windowStart) - interval '12 months')::date) AS days) e
                  LEFT JOIN prior p ON p.firm_id = w.firm_id AND p.substance_id = w.substance_id
            ),
            bounded AS (
                -- P(X >= n) >= P(X = n), so -log10 p <= (lambda - n ln lambda + ln n!) / ln 10 (Stirling with its
                -- 1/12n term bounds ln n! from above): pairs whose bound is below the threshold cannot be significant
                -- and skip the 151-term tail sum (it made this rule 20 s at 10,000 pairs).
                SELECT r.*, (r.lambda - r.n * ln(r.lambda) + r.n * ln(r.n) - r.n + 0.5 * ln(2 * pi() * r.n) + 1.0 / (12 * r.n))
                            / ln(10) AS bound
                  FROM rate r WHERE r.n >= $3::float8
            ),
            tested AS (
                SELECT r.*, CASE WHEN r.bound < $2::float8 THEN r.bound ELSE
                            (SELECT -log(greatest(1e-300, sum(exp(greatest(-700, -r.lambda + k * ln(r.lambda)
                                    - CASE WHEN k = 0 THEN 0 ELSE k * ln(k) - k + 0.5 * ln(2 * pi() * k) + 1.0 / (12 * k)
                                                                  - 1.0 / (360 * k ^ 3) END)))))
                               FROM generate_series(r.n::int, r.n::int + 150) k) END AS minus_log_p
                  FROM bounded r
            ),
            counted AS (
                SELECT t.*, t.days >= $6::float8 AND t.minus_log_p >= $2::float8 AS count_spike,
                       t.split_n >= $3::float8 AND t.split_n >= $5::float8 * t.split_lambda AS split
                  FROM tested t
            ),
            -- The declarations cited (the first 20 of the window, of the run) only for the pairs that fire: ordering
            -- every pair's shipments for them took a third of this rule's time.
            fired AS MATERIALIZED (
                SELECT t.* FROM counted t WHERE t.split OR t.count_spike
            ),
            refs AS (
                SELECT s.firm_id, s.substance_id, (array_agg(s.ref ORDER BY s.declared_on, s.ref))[1:20] AS refs,
                       (array_agg(s.ref ORDER BY s.declared_on, s.ref)
                            FILTER (WHERE s.in_band AND s.declared_on BETWEEN f.split_first AND f.split_last))[1:20] AS split_refs
                  FROM fired f JOIN banded s USING (firm_id, substance_id)
                 WHERE s.in_window
                 GROUP BY s.firm_id, s.substance_id
            )
            SELECT 'frequency_spike' AS rule, 'split' AS kind, t.firm_id, t.substance_id, to_char($1::date, 'YYYY-MM') AS period,
                   'import' AS direction, t.split_n AS observed, $3::float8 AS expected, t.control_kg AS threshold,
                   t.split_first AS first_date, t.split_last AS last_date, NULL::text AS reference, NULL::date AS reference_date, t.split_n AS records,
                   x.split_refs AS declarations, '{}'::text[] AS licences, '{}'::bigint[] AS reports, t.hot_route,
                   t.minus_log_p AS statistic
              FROM fired t JOIN refs x USING (firm_id, substance_id) WHERE t.split
            UNION ALL
            SELECT 'frequency_spike', 'count', t.firm_id, t.substance_id, to_char($1::date, 'YYYY-MM'), 'import', t.n,
                   t.lambda, $2::float8, t.first_date, t.last_date, NULL, NULL, t.n, x.refs, '{}', '{}', t.hot_route,
                   t.minus_log_p
              FROM fired t JOIN refs x USING (firm_id, substance_id) WHERE t.count_spike AND NOT t.split
            """)
    }

    /// Imports in the as-of month through a transport mode, customs office or country of origin the firm has not
    /// used for that substance in the 24 months before, for pairs with at least `$2` active months of history
    /// (else any first shipment would be new). Weights: express courier `$3`, air `$4`, a Cambodia or Laos land
    /// gate `$5`, a China land gate (the bulk of licit cross-border trade) 0.5, any other new mode 1; a new origin 1
    /// when fewer than `$6` of the substance's importers use it, else 0.5; a new seaport or inland office of a mode
    /// already used 0.5. Fires at weight ≥ `$7`; a Table I substance by courier or post always fires
    /// (`courier_table_i`).
    static func routeNovelty(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT c.firm_id, c.substance_id, c.declaration_no, c.line_no, c.declared_on, c.transport_mode, c.country,
                       c.office, c.office_kind, c.neighbour_country, c.hot_route, su.un_table
                  FROM sweep_cur_line c
                  JOIN substance su ON su.id = c.substance_id
                 WHERE c.declared_on >= \(asOfMonth)
            ),
            history AS (
                SELECT firm_id, substance_id, months, modes, countries, offices
                  FROM sweep_baseline_route WHERE as_of = $1::date
            ),
            origin_use AS (
                SELECT o.substance_id, o.country, o.firms::float8 / i.firms AS share
                  FROM sweep_baseline_origin o JOIN sweep_importers i USING (substance_id)
                 WHERE o.as_of = $1::date
            ),
            novel AS (
                SELECT c.*, h.months,
                       CASE WHEN c.un_table = 'I' AND c.transport_mode IN ('express', 'post') THEN 'courier_table_i'
                            WHEN NOT (c.transport_mode = ANY (coalesce(h.modes, '{}'))) THEN 'mode'
                            WHEN NOT (c.office = ANY (coalesce(h.offices, '{}'))) THEN 'office'
                            WHEN NOT (c.country = ANY (coalesce(h.countries, '{}'))) THEN 'origin' END AS novelty,
                       greatest(
                           CASE WHEN c.un_table = 'I' AND c.transport_mode IN ('express', 'post') THEN 100 ELSE 0 END,
                           CASE WHEN c.transport_mode = ANY (coalesce(h.modes, '{}')) AND c.office = ANY (coalesce(h.offices, '{}')) THEN 0
                                WHEN c.transport_mode IN ('express', 'post') OR c.office_kind = 'express_hub' THEN $3::float8
                                WHEN c.transport_mode = 'air' THEN $4::float8
                                WHEN c.neighbour_country IN ('KH', 'LA') THEN $5::float8
                                WHEN c.neighbour_country = 'CN' THEN 0.5
                                WHEN NOT (c.transport_mode = ANY (coalesce(h.modes, '{}'))) OR c.office_kind = 'land_border' THEN 1
                                ELSE 0.5 END,
                           CASE WHEN c.country = ANY (coalesce(h.countries, '{}')) THEN 0
                                WHEN coalesce(u.share, 0) < $6::float8 THEN 1 ELSE 0.5 END) AS weight
                  FROM cur c
                  LEFT JOIN history h USING (firm_id, substance_id)
                  LEFT JOIN origin_use u ON u.substance_id = c.substance_id AND u.country = c.country
            ),
            fired AS (
                SELECT n.* FROM novel n
                 WHERE (n.novelty = 'courier_table_i') OR (n.novelty IS NOT NULL AND coalesce(n.months, 0) >= $2::float8 AND n.weight >= $7::float8)
            )
            SELECT 'route_novelty' AS rule,
                   (array_agg(f.novelty ORDER BY f.weight DESC, f.declared_on, f.declaration_no))[1] AS kind,
                   f.firm_id, f.substance_id, to_char($1::date, 'YYYY-MM') AS period, 'import' AS direction,
                   count(*) AS observed, 0 AS expected, $7::float8 AS threshold, min(f.declared_on) AS first_date,
                   max(f.declared_on) AS last_date,
                   (array_agg(f.transport_mode || ' ' || f.office || ' ' || f.country ORDER BY f.weight DESC, f.declared_on, f.declaration_no))[1] AS reference,
                   NULL::date AS reference_date, count(*) AS records,
                   (array_agg(f.declaration_no || '/' || f.line_no ORDER BY f.declared_on, f.declaration_no, f.line_no))[1:20] AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, bool_or(f.hot_route) AS hot_route,
                   max(f.weight) AS statistic
              FROM fired f
             GROUP BY f.firm_id, f.substance_id
            """)
    }
}
