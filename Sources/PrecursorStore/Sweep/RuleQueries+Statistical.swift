import PrecursorCore

/// The set-based SQL of the statistical rules (DESIGN §5: volume, peers, frequency, route, value), the data-quality
/// rules and the exploration slice. They evaluate the *as-of month* (the month containing `$1`, up to `$1`), so a
/// sweep as of each month's end looks at each month once and a full and an incremental sweep find the same.
/// Their inputs are the temporary tables `statisticalTables` builds for every firm (not only those in scope: peers
/// and the seasonal index need them all); in an incremental sweep only the scoped pairs are reported.
/// Each query returns the columns of `RuleQueries.wrap` plus `statistic` (see `RuleHit.statistic`).
extension RuleQueries {
    /// The first day of the as-of month.
    static let asOfMonth = "date_trunc('month', $1::date)::date"

    /// The first day of the shipment-count window: the as-of month, or the last 30 days if longer.
    static let windowStart = "least($1::date - 29, date_trunc('month', $1::date)::date)"

    /// Like `wrap`, with the statistic as a last column.
    static func wrapStatistical(_ inner: String) -> String {
        """
        SELECT h.rule, h.kind, h.firm_id, f.tax_code, f.name, h.substance_id, s.code, s.name_en, s.name_vi, h.period,
               h.direction, h.observed::float8, h.expected::float8, h.threshold::float8,
               to_char(h.first_date, 'YYYY-MM-DD'), to_char(h.last_date, 'YYYY-MM-DD'), h.reference,
               to_char(h.reference_date, 'YYYY-MM-DD'), h.records::int, h.declarations, h.licences, h.reports, h.hot_route,
               h.statistic::float8
          FROM (\(inner)) h
          JOIN firm f ON f.id = h.firm_id
          LEFT JOIN substance s ON s.id = h.substance_id
         ORDER BY h.firm_id, h.substance_id, h.rule, h.period, h.kind, h.reference
        """
    }

    /// The import declaration lines of a firm and substance in the as-of month (or from `from` to `to`), as
    /// `NO/LINE`, capped at 20.
    static func monthRefs(firm: String, substance: String, from: String = RuleQueries.asOfMonth, to: String = "$1::date") -> String {
        """
        (SELECT (array_agg(d.declaration_no || '/' || d.line_no ORDER BY d.declared_on, d.declaration_no, d.line_no))[1:20]
           FROM declaration_line d
          WHERE d.firm_id = \(firm) AND d.substance_id = \(substance) AND d.direction = 'import'
            AND d.declared_on BETWEEN \(from) AND \(to))
        """
    }

    /// −log10 P(X ≥ `count`) for X negative-binomial with a whole `size` r and success probability `p` (mean
    /// r(1 − p)/p): the chance of fewer than r successes in count + r − 1 trials, a sum of r binomial terms, exact
    /// for any count.
    static func negativeBinomialTail(count: String, size: String, p: String) -> String {
        """
        (SELECT -log(greatest(1e-300, sum(exp(b.ln_choose + b.j * ln(\(p)) + (\(count) + \(size) - 1 - b.j) * ln(1 - \(p))))))
           FROM (SELECT j, (SELECT coalesce(sum(ln((\(count) + \(size) - 1 - i)::float8 / (i + 1))), 0)
                              FROM generate_series(0, j - 1) i) AS ln_choose
                   FROM generate_series(0, \(size) - 1) j) b)
        """
    }

    /// The statements that build the inputs of the statistical rules, in order: import kg and shipments by firm,
    /// substance and month over the 25 months up to the as-of date (`sweep_stat_month`); each pair's first import
    /// month ever (`sweep_stat_first`); and each substance's seasonal index by calendar month
    /// (`sweep_season`), estimated across all firms with a year of history: their month kg (capped at 3× their
    /// own mean so one firm's spike does not move the index) over their mean, normalised to average 1, and shrunk
    /// towards the index pooled over all substances by n / (n + 50) for n firms of the substance, since a single
    /// year of one substance's months is noisy. The as-of month itself is left out, so the month under test does
    /// not explain itself away.
    static func statisticalTables() -> [String] {
        [
            """
            CREATE TEMP TABLE sweep_stat_month ON COMMIT DROP AS
            SELECT d.firm_id, d.substance_id, date_trunc('month', d.declared_on)::date AS month,
                   sum(d.kg_pure)::float8 AS kg, count(DISTINCT d.declaration_no)::int AS shipments,
                   min(d.declared_on) AS first_date, max(d.declared_on) AS last_date, bool_or(o.hot_route) AS hot_route
              FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
             WHERE d.direction = 'import' AND d.declared_on <= $1::date
               AND d.declared_on >= \(asOfMonth) - interval '24 months'
             GROUP BY d.firm_id, d.substance_id, date_trunc('month', d.declared_on)
            """,
            """
            CREATE TEMP TABLE sweep_stat_first ON COMMIT DROP AS
            SELECT firm_id, substance_id, date_trunc('month', min(declared_on))::date AS first_month
              FROM declaration_line WHERE direction = 'import' AND declared_on <= $1::date
             GROUP BY firm_id, substance_id
            """,
            """
            CREATE TEMP TABLE sweep_season ON COMMIT DROP AS
            WITH span AS (
                SELECT m.firm_id, m.substance_id, greatest(min(f.first_month), min(m.month)) AS first_month,
                       sum(m.kg) AS kg
                  FROM sweep_stat_month m JOIN sweep_stat_first f USING (firm_id, substance_id)
                 WHERE m.month < \(asOfMonth)
                 GROUP BY m.firm_id, m.substance_id
            ),
            pair AS (
                SELECT firm_id, substance_id, first_month,
                       kg / ((extract(year FROM \(asOfMonth)) - extract(year FROM first_month)) * 12
                             + extract(month FROM \(asOfMonth)) - extract(month FROM first_month)) AS mean_kg
                  FROM span
                 WHERE first_month <= \(asOfMonth) - interval '12 months'
            ),
            expected AS (
                SELECT p.substance_id, extract(month FROM g)::int AS cal, sum(p.mean_kg) AS kg
                  FROM pair p CROSS JOIN LATERAL generate_series(p.first_month, \(asOfMonth) - interval '1 month', interval '1 month') g
                 GROUP BY 1, 2
            ),
            observed AS (
                SELECT p.substance_id, extract(month FROM m.month)::int AS cal, sum(least(m.kg, 3 * p.mean_kg)) AS kg
                  FROM pair p JOIN sweep_stat_month m USING (firm_id, substance_id)
                 WHERE m.month >= p.first_month AND m.month < \(asOfMonth)
                 GROUP BY 1, 2
            ),
            raw AS (
                SELECT e.substance_id, e.cal, coalesce(o.kg, 0) / nullif(e.kg, 0) AS ratio
                  FROM expected e LEFT JOIN observed o USING (substance_id, cal)
            ),
            normalised AS (
                SELECT substance_id, cal, ratio / nullif(avg(ratio) OVER (PARTITION BY substance_id), 0) AS idx
                  FROM raw WHERE ratio IS NOT NULL
            ),
            pooled AS (
                SELECT cal, avg(idx) AS idx FROM normalised GROUP BY cal
            ),
            weight AS (
                SELECT substance_id, count(*)::float8 / (count(*) + 50) AS w FROM pair GROUP BY substance_id
            )
            SELECT n.substance_id, n.cal,
                   least(2, greatest(0.5, w.w * n.idx + (1 - w.w) * p.idx))::float8 AS idx
              FROM normalised n JOIN pooled p USING (cal) JOIN weight w USING (substance_id)
             WHERE n.idx IS NOT NULL
            """,
            "ANALYZE sweep_stat_month",
            "ANALYZE sweep_stat_first",
        ]
    }

    /// A month's import kg, divided by the substance's seasonal index, against the firm's own trailing 12 months
    /// before it (the baseline: the seasonal mean over the months since its first import, at most 12, with at least
    /// `$4` active months) of a regular importer (≥ `$10` shipments a month over those months: a firm that imports a
    /// few times a year has no usual month to compare with), in two ways.
    /// `spike`: the as-of month on its own — robust z on a log scale (median and MAD of the active months, MAD
    /// floored at `$5`) ≥ `$2` and kg ≥ `$3` × the baseline.
    /// `confirmed`: the month before the as-of month, once the as-of month has shown what followed it — kg ≥ `$7` ×
    /// the baseline, carried by more shipments than the firm's usual rate explains (negative-binomial upper tail
    /// with size `$9`, p ≤ 10^−`$8`), and the as-of month back
    /// between `$11` × and `$12` × the baseline: the excess neither stayed in stock (the firm kept ordering as
    /// usual) nor became its new level (a step up in capacity). Its period is that month; `reference` is the usual
    /// shipments a month and `reference_date` the first day of the as-of month.
    /// `confirmed_kg`: the same month and the same return to the baseline, where the month's kg rather than its
    /// shipment count is the evidence — robust z ≥ `$2` as for `spike` (statistic z, threshold `$2`); the month after
    /// tells a spike from a step up, which is what lets it go below the `$3` × of the single-month kind.
    /// Both need kg ≥ the substance's materiality floor (`rule_config` `volume_spike`/`floor_kg:CODE`, else `$6`).
    static func volumeSpike(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT m.firm_id, m.substance_id, m.month, m.kg, m.shipments, m.first_date, m.last_date, m.hot_route,
                       coalesce(si.idx, 1) AS idx
                  FROM sweep_stat_month m
                  LEFT JOIN sweep_season si ON si.substance_id = m.substance_id AND si.cal = extract(month FROM m.month)::int
                 WHERE m.month IN (\(asOfMonth), (\(asOfMonth) - interval '1 month')::date)
                   \(scope(scoped, firm: "m.firm_id", substance: "m.substance_id"))
            ),
            hist AS (
                SELECT c.firm_id, c.substance_id, c.month, h.shipments, h.kg / coalesce(si.idx, 1) AS adj,
                       ln(h.kg / coalesce(si.idx, 1)) AS lx
                  FROM cur c
                  JOIN sweep_stat_month h ON h.firm_id = c.firm_id AND h.substance_id = c.substance_id
                   AND h.month >= c.month - interval '12 months' AND h.month < c.month AND h.kg > 0
                  LEFT JOIN sweep_season si ON si.substance_id = h.substance_id AND si.cal = extract(month FROM h.month)::int
            ),
            centre AS (
                SELECT h.firm_id, h.substance_id, h.month, count(*) AS n,
                       least(12, (extract(year FROM h.month) - extract(year FROM fi.first_month)) * 12
                                 + extract(month FROM h.month) - extract(month FROM fi.first_month)) AS span,
                       sum(h.adj) AS adj, sum(h.shipments) AS shipments,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY h.lx) AS med
                  FROM hist h JOIN sweep_stat_first fi USING (firm_id, substance_id)
                 GROUP BY h.firm_id, h.substance_id, h.month, fi.first_month
            ),
            spread AS (
                SELECT h.firm_id, h.substance_id, h.month, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(h.lx - c.med)) AS mad
                  FROM hist h JOIN centre c USING (firm_id, substance_id, month)
                 GROUP BY h.firm_id, h.substance_id, h.month
            ),
            scored AS (
                SELECT c.*, ce.adj / ce.span AS mean_adj, ce.shipments::float8 / ce.span AS rate,
                       (ln(c.kg / c.idx) - ce.med) / (1.4826 * greatest(sp.mad, $5::float8)) AS z
                  FROM cur c
                  JOIN centre ce USING (firm_id, substance_id, month)
                  JOIN spread sp USING (firm_id, substance_id, month)
                  JOIN substance s ON s.id = c.substance_id
                  LEFT JOIN rule_config rc ON rc.rule = 'volume_spike' AND rc.key = 'floor_kg:' || s.code
                 WHERE ce.n >= $4::float8 AND c.kg >= coalesce(rc.value::float8, $6::float8)
            ),
            confirmable AS (
                SELECT x.*, round($9::float8)::int AS size,
                       round($9::float8) / (round($9::float8) + greatest(x.rate, 1.0 / 12)) AS p
                  FROM scored x
                  JOIN sweep_stat_month a ON a.firm_id = x.firm_id AND a.substance_id = x.substance_id AND a.month = \(asOfMonth)
                  LEFT JOIN sweep_season si ON si.substance_id = a.substance_id AND si.cal = extract(month FROM a.month)::int
                 WHERE x.month < \(asOfMonth) AND x.rate >= $10::float8 AND x.kg >= $7::float8 * x.mean_adj * x.idx
                   AND a.kg / coalesce(si.idx, 1) BETWEEN $11::float8 * x.mean_adj AND $12::float8 * x.mean_adj
            ),
            confirmed AS (
                SELECT x.*, \(negativeBinomialTail(count: "x.shipments", size: "x.size", p: "x.p")) AS minus_log_p
                  FROM confirmable x
            )
            SELECT 'volume_spike' AS rule, 'spike' AS kind, x.firm_id, x.substance_id, to_char($1::date, 'YYYY-MM') AS period,
                   'import' AS direction, x.kg AS observed, x.mean_adj * x.idx AS expected, $2::float8 AS threshold,
                   x.first_date, x.last_date, NULL::text AS reference, NULL::date AS reference_date, x.shipments AS records,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id")) AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, x.hot_route, x.z AS statistic
              FROM scored x
             WHERE x.month = \(asOfMonth) AND x.rate >= $10::float8 AND x.z >= $2::float8 AND x.kg >= $3::float8 * x.mean_adj * x.idx
            UNION ALL
            SELECT 'volume_spike', CASE WHEN x.minus_log_p >= $8::float8 THEN 'confirmed' ELSE 'confirmed_kg' END, x.firm_id,
                   x.substance_id, to_char(x.month, 'YYYY-MM'), 'import', x.kg, x.mean_adj * x.idx,
                   CASE WHEN x.minus_log_p >= $8::float8 THEN $8::float8 ELSE $2::float8 END, x.first_date, x.last_date,
                   to_char(x.rate, 'FM990.0'), \(asOfMonth), x.shipments,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id", from: "x.month", to: "x.last_date")),
                   '{}', '{}', x.hot_route, CASE WHEN x.minus_log_p >= $8::float8 THEN x.minus_log_p ELSE x.z END
              FROM confirmed x
             WHERE x.minus_log_p >= $8::float8 OR x.z >= $2::float8
            """)
    }

    /// New firms: a pair whose first import was at most `$6` months before the as-of month (and at least 6 months
    /// after the data begin, so the start of the record is not mistaken for newcomers) — its monthly kg since then
    /// against established peers' (a year of history) trailing-12-month monthly kg, same sector and substance:
    /// robust z on a log scale ≥ `$2` with at least `$3` peers (otherwise every sector, kind `low_confidence`),
    /// MAD floor `$4`, and ≥ `$5` × the peers' median.
    static func peerOutlier(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH data_start AS (SELECT min(first_month) AS month FROM sweep_stat_first),
            newcomer AS (
                SELECT m.firm_id, m.substance_id, f.sector, sum(m.kg) AS kg, sum(m.shipments) AS shipments,
                       min(m.first_date) AS first_date, max(m.last_date) AS last_date, bool_or(m.hot_route) AS hot_route,
                       sum(m.kg) / (((extract(year FROM $1::date) - extract(year FROM fi.first_month)) * 12
                                     + extract(month FROM $1::date) - extract(month FROM fi.first_month) + 1)) AS monthly
                  FROM sweep_stat_first fi
                  JOIN sweep_stat_month m ON m.firm_id = fi.firm_id AND m.substance_id = fi.substance_id
                  JOIN firm f ON f.id = fi.firm_id
                 WHERE fi.first_month >= \(asOfMonth) - make_interval(months => $6::float8::int - 1)
                   AND fi.first_month >= (SELECT month FROM data_start) + interval '6 months'
                   AND EXISTS (SELECT 1 FROM sweep_stat_month c WHERE c.firm_id = fi.firm_id
                                  AND c.substance_id = fi.substance_id AND c.month = \(asOfMonth))
                   \(scope(scoped, firm: "fi.firm_id", substance: "fi.substance_id"))
                 GROUP BY m.firm_id, m.substance_id, f.sector, fi.first_month
            ),
            established AS (
                SELECT m.firm_id, m.substance_id, f.sector, ln(sum(m.kg) / 12) AS lx
                  FROM sweep_stat_first fi
                  JOIN sweep_stat_month m ON m.firm_id = fi.firm_id AND m.substance_id = fi.substance_id
                   AND m.month >= \(asOfMonth) - interval '12 months' AND m.month < \(asOfMonth)
                  JOIN firm f ON f.id = fi.firm_id
                 WHERE fi.first_month <= \(asOfMonth) - interval '12 months'
                 GROUP BY m.firm_id, m.substance_id, f.sector
            ),
            grouped AS (
                SELECT n.firm_id, n.substance_id, g.wide, count(*) AS peers,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.lx) AS med
                  FROM newcomer n
                  CROSS JOIN (VALUES (false), (true)) g(wide)
                  JOIN established e ON e.substance_id = n.substance_id AND (g.wide OR e.sector = n.sector)
                 GROUP BY n.firm_id, n.substance_id, g.wide
            ),
            chosen AS (
                SELECT DISTINCT ON (firm_id, substance_id) firm_id, substance_id, wide, peers, med
                  FROM grouped WHERE peers >= $3::float8 OR wide
                 ORDER BY firm_id, substance_id, wide
            ),
            spread AS (
                SELECT c.firm_id, c.substance_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(e.lx - c.med)) AS mad
                  FROM chosen c JOIN newcomer n USING (firm_id, substance_id)
                  JOIN established e ON e.substance_id = c.substance_id AND (c.wide OR e.sector = n.sector)
                 GROUP BY c.firm_id, c.substance_id
            ),
            scored AS (
                SELECT n.*, c.wide, c.peers, exp(c.med) AS peer_monthly,
                       (ln(n.monthly) - c.med) / (1.4826 * greatest(s.mad, $4::float8)) AS z
                  FROM newcomer n JOIN chosen c USING (firm_id, substance_id) JOIN spread s USING (firm_id, substance_id)
                 WHERE c.peers >= 3
            )
            SELECT 'peer_outlier' AS rule, CASE WHEN x.wide AND x.peers < $3::float8 THEN 'low_confidence'
                                                WHEN x.wide THEN 'new_firm_all_sectors' ELSE 'new_firm' END AS kind,
                   x.firm_id, x.substance_id, to_char($1::date, 'YYYY-MM') AS period, 'import' AS direction,
                   x.monthly AS observed, x.peer_monthly AS expected, $2::float8 AS threshold, x.first_date, x.last_date,
                   x.peers::text AS reference, NULL::date AS reference_date, x.shipments AS records,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id")) AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, x.hot_route, x.z AS statistic
              FROM scored x
             WHERE x.z >= $2::float8 AND x.monthly >= $5::float8 * x.peer_monthly
            """)
    }

    /// Shipments (import declarations) in the as-of window — the as-of month, or the last 30 days if longer —
    /// against the firm's own rate over the (up to) 12 months before it since its first import, floored at one a
    /// year: Poisson upper tail p ≤ 10^−`$2` (summed directly, ln k! by Stirling's series, so tiny p stay exact), at least `$3` shipments and at least `$6` days of history (`count`);
    /// or at least `$3` shipments each between `$4` × and 1 × the substance's control threshold (`rule_config`
    /// `frequency_spike`/`control_kg:CODE`), declared within `$7` days of each other, and at least `$5` × the
    /// firm's usual number of such shipments (`split`).
    static func frequencySpike(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH shipment AS (
                SELECT d.firm_id, d.substance_id, d.declaration_no, min(d.declared_on) AS declared_on,
                       sum(d.kg_pure)::float8 AS kg, bool_or(o.hot_route) AS hot_route,
                       min(d.declaration_no || '/' || d.line_no) AS ref
                  FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
                 WHERE d.direction = 'import' AND d.declared_on <= $1::date
                   AND d.declared_on >= \(windowStart) - interval '12 months'
                   \(scope(scoped, firm: "d.firm_id", substance: "d.substance_id"))
                 GROUP BY d.firm_id, d.substance_id, d.declaration_no
            ),
            banded AS MATERIALIZED (
                SELECT s.*, rc.value::float8 AS control_kg,
                       coalesce(s.kg >= $4::float8 * rc.value::float8 AND s.kg < rc.value::float8, false) AS in_band,
                       s.declared_on >= \(windowStart) AS in_window
                  FROM shipment s
                  JOIN substance su ON su.id = s.substance_id
                  LEFT JOIN rule_config rc ON rc.rule = 'frequency_spike' AND rc.key = 'control_kg:' || su.code
            ),
            window_ AS (
                SELECT s.firm_id, s.substance_id, count(*) AS n, min(s.declared_on) AS first_date,
                       max(s.declared_on) AS last_date, bool_or(s.hot_route) AS hot_route,
                       (array_agg(s.ref ORDER BY s.declared_on, s.ref))[1:20] AS refs,
                       count(*) FILTER (WHERE s.in_band) AS split_n,
                       max(s.declared_on) FILTER (WHERE s.in_band) - min(s.declared_on) FILTER (WHERE s.in_band) AS split_span,
                       max(s.control_kg) AS control_kg,
                       (array_agg(s.ref ORDER BY s.declared_on, s.ref) FILTER (WHERE s.in_band))[1:20] AS split_refs
                  FROM banded s
                 WHERE s.in_window \(scope(scoped, firm: "s.firm_id", substance: "s.substance_id"))
                 GROUP BY s.firm_id, s.substance_id
            ),
            prior AS (
                SELECT firm_id, substance_id, count(*) AS n, count(*) FILTER (WHERE in_band) AS split_n
                  FROM banded WHERE NOT in_window GROUP BY firm_id, substance_id
            ),
            rate AS (
                SELECT w.*, e.days,
                       greatest(coalesce(p.n, 0)::float8 / greatest(e.days, 1), 1.0 / 365) * ($1::date - \(windowStart) + 1) AS lambda,
                       greatest(coalesce(p.split_n, 0)::float8 / greatest(e.days, 1), 1.0 / 365)
                           * ($1::date - \(windowStart) + 1) AS split_lambda
                  FROM window_ w
                  JOIN (SELECT fi.firm_id, fi.substance_id,
                               \(windowStart) - greatest(fi.first_month, (\(windowStart) - interval '12 months')::date) AS days
                          FROM sweep_stat_first fi) e USING (firm_id, substance_id)
                  LEFT JOIN prior p USING (firm_id, substance_id)
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
                       t.split_n >= $3::float8 AND t.split_n >= $5::float8 * t.split_lambda AND t.split_span <= $7::float8 AS split
                  FROM tested t
            )
            SELECT 'frequency_spike' AS rule, 'split' AS kind, t.firm_id, t.substance_id, to_char($1::date, 'YYYY-MM') AS period,
                   'import' AS direction, t.split_n AS observed, $3::float8 AS expected, t.control_kg AS threshold,
                   t.first_date, t.last_date, NULL::text AS reference, NULL::date AS reference_date, t.split_n AS records,
                   t.split_refs AS declarations, '{}'::text[] AS licences, '{}'::bigint[] AS reports, t.hot_route,
                   t.minus_log_p AS statistic
              FROM counted t WHERE t.split
            UNION ALL
            SELECT 'frequency_spike', 'count', t.firm_id, t.substance_id, to_char($1::date, 'YYYY-MM'), 'import', t.n,
                   t.lambda, $2::float8, t.first_date, t.last_date, NULL, NULL, t.n, t.refs, '{}', '{}', t.hot_route,
                   t.minus_log_p
              FROM counted t WHERE t.count_spike AND NOT t.split
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
                SELECT d.firm_id, d.substance_id, d.declaration_no, d.line_no, d.declared_on, d.transport_mode, d.country,
                       o.code AS office, o.kind AS office_kind, o.neighbour_country, o.hot_route, su.un_table
                  FROM declaration_line d
                  JOIN customs_office o ON o.id = d.customs_office_id
                  JOIN substance su ON su.id = d.substance_id
                 WHERE d.direction = 'import' AND d.declared_on BETWEEN \(asOfMonth) AND $1::date
                   \(scope(scoped, firm: "d.firm_id", substance: "d.substance_id"))
            ),
            past AS (
                SELECT d.firm_id, d.substance_id, d.transport_mode, d.country, d.customs_office_id,
                       date_trunc('month', d.declared_on) AS month
                  FROM declaration_line d
                 WHERE d.direction = 'import' AND d.declared_on >= \(asOfMonth) - interval '24 months'
                   AND d.declared_on < \(asOfMonth)
                   AND (d.firm_id, d.substance_id) IN (SELECT firm_id, substance_id FROM cur)
            ),
            history AS (
                SELECT firm_id, substance_id, count(DISTINCT month) AS months, array_agg(DISTINCT transport_mode) AS modes,
                       array_agg(DISTINCT country) AS countries, array_agg(DISTINCT o.code) AS offices
                  FROM past p JOIN customs_office o ON o.id = p.customs_office_id
                 GROUP BY firm_id, substance_id
            ),
            origin_use AS (
                SELECT substance_id, country, count(DISTINCT firm_id)::float8
                       / (SELECT count(DISTINCT firm_id) FROM sweep_stat_month m WHERE m.substance_id = d.substance_id) AS share
                  FROM declaration_line d
                 WHERE d.direction = 'import' AND d.declared_on >= \(asOfMonth) - interval '24 months'
                   AND d.declared_on < \(asOfMonth) AND d.substance_id IN (SELECT substance_id FROM cur)
                 GROUP BY substance_id, country
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

    /// The firm's declared unit value (USD per kg of pure substance) in the as-of month per substance and origin,
    /// against all importers' monthly unit values for that substance and origin over the 12 months before (one
    /// median and MAD per group, so the query stays linear in the number of firms): robust z on
    /// a log scale, |z| ≥ `$2`, with at least `$3` peer values (else every origin, kind `low_confidence`), MAD floor
    /// `$4`, and a ratio to the peers' median of at most 1/`$5` or at least `$5`.
    static func valueOutlier(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH month_value AS (
                SELECT d.firm_id, d.substance_id, d.country, date_trunc('month', d.declared_on)::date AS month,
                       sum(d.value_usd)::float8 / sum(d.kg_pure)::float8 AS unit_value, count(*) AS lines,
                       min(d.declared_on) AS first_date, max(d.declared_on) AS last_date, bool_or(o.hot_route) AS hot_route,
                       (array_agg(d.declaration_no || '/' || d.line_no ORDER BY d.declared_on, d.declaration_no, d.line_no))[1:20] AS refs
                  FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
                 WHERE d.direction = 'import' AND d.value_usd > 0 AND d.kg_pure > 0
                   AND d.declared_on BETWEEN \(asOfMonth) - interval '12 months' AND $1::date
                 GROUP BY d.firm_id, d.substance_id, d.country, date_trunc('month', d.declared_on)
            ),
            cur AS (
                SELECT * FROM month_value m
                 WHERE m.month = \(asOfMonth) \(scope(scoped, firm: "m.firm_id", substance: "m.substance_id"))
            ),
            peer AS (
                SELECT substance_id, country, ln(unit_value) AS lv FROM month_value WHERE month < \(asOfMonth)
            ),
            origin_centre AS (
                SELECT substance_id, country, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY lv) AS med
                  FROM peer GROUP BY substance_id, country
            ),
            origin_spread AS (
                SELECT p.substance_id, p.country, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(p.lv - c.med)) AS mad
                  FROM peer p JOIN origin_centre c USING (substance_id, country)
                 GROUP BY p.substance_id, p.country
            ),
            substance_centre AS (
                SELECT substance_id, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY lv) AS med
                  FROM peer GROUP BY substance_id
            ),
            substance_spread AS (
                SELECT p.substance_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(p.lv - c.med)) AS mad
                  FROM peer p JOIN substance_centre c USING (substance_id)
                 GROUP BY p.substance_id
            ),
            chosen AS (
                SELECT c.*, (oc.n IS NULL OR oc.n < $3::float8) AS wide,
                       CASE WHEN oc.n >= $3::float8 THEN oc.n ELSE sc.n END AS peers,
                       CASE WHEN oc.n >= $3::float8 THEN oc.med ELSE sc.med END AS med,
                       CASE WHEN oc.n >= $3::float8 THEN os.mad ELSE ss.mad END AS mad
                  FROM cur c
                  LEFT JOIN origin_centre oc USING (substance_id, country)
                  LEFT JOIN origin_spread os USING (substance_id, country)
                  JOIN substance_centre sc USING (substance_id)
                  JOIN substance_spread ss USING (substance_id)
            ),
            scored AS (
                SELECT x.*, exp(x.med) AS peer_value, (ln(x.unit_value) - x.med) / (1.4826 * greatest(x.mad, $4::float8)) AS z
                  FROM chosen x WHERE x.peers >= 3
            ),
            fired AS (
                SELECT * FROM scored x
                 WHERE abs(x.z) >= $2::float8 AND (x.unit_value <= x.peer_value / $5::float8 OR x.unit_value >= x.peer_value * $5::float8)
            )
            SELECT DISTINCT ON (x.firm_id, x.substance_id)
                   'value_outlier' AS rule,
                   CASE WHEN x.wide AND x.peers < $3::float8 THEN 'low_confidence' WHEN x.z < 0 THEN 'low' ELSE 'high' END AS kind,
                   x.firm_id, x.substance_id, to_char($1::date, 'YYYY-MM') AS period, 'import' AS direction,
                   x.unit_value AS observed, x.peer_value AS expected, $2::float8 AS threshold, x.first_date, x.last_date,
                   x.country AS reference, NULL::date AS reference_date, x.lines AS records, x.refs AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, x.hot_route, x.z AS statistic
              FROM fired x
             ORDER BY x.firm_id, x.substance_id, abs(x.z) DESC
            """)
    }

    /// Data quality: an import line of the as-of month whose kg of pure substance is between `$2` and `$3` times
    /// (or between 1/`$3` and 1/`$2` of) the median line of that firm and substance over the 12 months before, with
    /// at least `$4` lines of history — the mark of a unit typed as KGM for GRM or TNE for KGM.
    static func unitSlip(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT d.firm_id, d.substance_id, d.declaration_no, d.line_no, d.declared_on, d.kg_pure::float8 AS kg,
                       d.quantity::float8 AS quantity, d.unit, o.hot_route
                  FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
                 WHERE d.direction = 'import' AND d.kg_pure > 0 AND d.declared_on BETWEEN \(asOfMonth) AND $1::date
                   \(scope(scoped, firm: "d.firm_id", substance: "d.substance_id"))
            ),
            usual AS (
                SELECT d.firm_id, d.substance_id, count(*) AS n,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.kg_pure::float8) AS median_kg
                  FROM declaration_line d
                 WHERE d.direction = 'import' AND d.kg_pure > 0
                   AND d.declared_on >= \(asOfMonth) - interval '12 months' AND d.declared_on < \(asOfMonth)
                   AND (d.firm_id, d.substance_id) IN (SELECT firm_id, substance_id FROM cur)
                 GROUP BY d.firm_id, d.substance_id
            )
            SELECT 'unit_slip' AS rule, CASE WHEN c.kg > u.median_kg THEN 'thousand_times' ELSE 'thousandth' END AS kind,
                   c.firm_id, c.substance_id, to_char($1::date, 'YYYY-MM') AS period, 'import' AS direction,
                   c.kg AS observed, u.median_kg AS expected, $2::float8 AS threshold, c.declared_on AS first_date,
                   c.declared_on AS last_date, c.declaration_no || '/' || c.line_no AS reference, NULL::date AS reference_date,
                   1 AS records, ARRAY[c.declaration_no || '/' || c.line_no] AS declarations, '{}'::text[] AS licences,
                   '{}'::bigint[] AS reports, c.hot_route, c.kg / u.median_kg AS statistic
              FROM cur c JOIN usual u USING (firm_id, substance_id)
             WHERE u.n >= $4::float8
               AND ((c.kg >= $2::float8 * u.median_kg AND c.kg <= $3::float8 * u.median_kg)
                    OR (c.kg * $2::float8 <= u.median_kg AND c.kg * $3::float8 >= u.median_kg))
            """)
    }

    /// Data quality: a report (current version, period ended by the as-of date) whose opening + in − out is below
    /// zero by more than max(`$2` % of the throughput, `$3` kg): more went out than the firm had.
    static func negativeStock(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH rep AS (\(visibleReports(scoped: scoped, columns: "r.*"))),
            computed AS (
                SELECT r.*, r.opening_kg + r.imported_kg + r.purchased_kg + r.produced_kg - r.used_kg - r.sold_kg
                            - r.exported_kg - r.lost_kg AS stock,
                       greatest($2::float8::numeric / 100 * (r.imported_kg + r.purchased_kg + r.produced_kg + r.used_kg
                                + r.sold_kg + r.exported_kg + r.lost_kg), $3::float8::numeric) AS tolerance
                  FROM rep r
            )
            SELECT 'negative_stock' AS rule, 'negative' AS kind, c.firm_id, c.substance_id, c.period, NULL::text AS direction,
                   c.stock AS observed, 0 AS expected, c.tolerance AS threshold, NULL::date AS first_date,
                   NULL::date AS last_date, fa.code AS reference, NULL::date AS reference_date, 1 AS records,
                   '{}'::text[] AS declarations, '{}'::text[] AS licences, ARRAY[c.id] AS reports, false AS hot_route,
                   NULL::float8 AS statistic
              FROM computed c LEFT JOIN facility fa ON fa.id = c.facility_id
             WHERE c.stock < -c.tolerance
            """)
    }

    /// A random slice of active firms (share `$2`; none when 0), drawn by hashing each firm with the sweep id
    /// (`$3`), so the same sweep draws the same slice.
    static func exploration() -> String {
        wrapStatistical(
            """
            SELECT 'exploration' AS rule, 'random' AS kind, f.id AS firm_id, NULL::integer AS substance_id,
                   to_char($1::date, 'YYYY-MM') AS period, NULL::text AS direction, 0 AS observed, 0 AS expected,
                   $2::float8 AS threshold, NULL::date AS first_date, NULL::date AS last_date,
                   ($3::float8)::bigint::text AS reference, NULL::date AS reference_date, 0 AS records,
                   '{}'::text[] AS declarations, '{}'::text[] AS licences, '{}'::bigint[] AS reports, false AS hot_route,
                   NULL::float8 AS statistic
              FROM firm f
             WHERE f.status = 'active' AND $2::float8 > 0
               AND ('x' || substr(md5(($3::float8)::bigint::text || ':' || f.id), 1, 8))::bit(32)::bigint::float8 / 4294967296
                   < $2::float8
            """)
    }

    /// The cut-off allowance of `report_mismatch` (a lateral join named `cut` with its `kg`): goods declared in the
    /// last `$4` days of a period may be booked in the next one, so when the firm reported less than customs the
    /// kg declared in the period's last `$4` days are allowed on top of the tolerance, and when it reported more,
    /// the kg declared in the last `$4` days before the period began. 0 days turns the allowance off.
    static let mismatchCutOff = """
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(d.kg_pure), 0) AS kg
              FROM declaration_line d
             WHERE $4::float8 > 0 AND d.firm_id = m.firm_id AND d.substance_id = m.substance_id
               AND d.direction = m.direction AND d.declared_on <= $1::date
               AND d.declared_on BETWEEN CASE WHEN m.reported < m.declared THEN period_end(m.period) ELSE period_start(m.period) - 1 END
                                         - ($4::float8::int - 1)
                                     AND CASE WHEN m.reported < m.declared THEN period_end(m.period) ELSE period_start(m.period) - 1 END
        ) cut
        """

    /// Rules whose query runs with nested loops off. `volume_spike` joins per-pair aggregates of its own CTEs whose
    /// row counts the planner cannot estimate (5 where there are 19,834 at 5,000 firms): allowed nested loops, it
    /// scanned one CTE once per row of the other, 65-90 s a sweep. Hash joins are right at every size there.
    static let withoutNestedLoops: Set<SweepRule> = [.volumeSpike]

    /// The query of a statistical, data-quality or exploration rule; nil for the others.
    static func statistical(_ rule: SweepRule, scoped: Bool) -> String? {
        switch rule {
        case .volumeSpike: volumeSpike(scoped: scoped)
        case .peerOutlier: peerOutlier(scoped: scoped)
        case .frequencySpike: frequencySpike(scoped: scoped)
        case .routeNovelty: routeNovelty(scoped: scoped)
        case .valueOutlier: valueOutlier(scoped: scoped)
        case .unitSlip: unitSlip(scoped: scoped)
        case .negativeStock: negativeStock(scoped: scoped)
        case .exploration: exploration()
        default: nil
        }
    }
}
