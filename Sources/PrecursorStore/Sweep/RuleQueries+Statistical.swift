import PrecursorCore

/// The set-based SQL of the statistical rules (DESIGN §5: volume, peers, frequency, route, value), the data-quality
/// rules and the exploration slice. They evaluate the *as-of month* (the month containing `$1`, up to `$1`), so a
/// sweep as of each month's end looks at each month once and a full and an incremental sweep find the same.
/// Each compares the as-of month (or window) with history strictly before it: that history is computed once per as-of
/// date into the `sweep_baseline_*` tables (`RuleQueries+Baselines`, reused by incremental sweeps while valid), and
/// the as-of window into temporary tables by `statisticalTables(scoped:)`, for every pair in a full sweep and for the
/// scoped pairs in an incremental one. The volume rules are in `RuleQueries+Volume`, frequency and route in
/// `RuleQueries+Route`.
/// Each query returns the columns of `RuleQueries.wrap` plus `statistic` (see `RuleHit.statistic`).
extension RuleQueries {
    /// The first day of the as-of month, a constant of the plan (`lineMonthAsOf`): `date_trunc` on a date is only
    /// stable, so a filter on it was evaluated for each line a scan read — 0.4 s per pass over a million lines.
    static let asOfMonth = lineMonthAsOf

    /// The first day of the shipment-count window: the as-of month, or the last 30 days if longer.
    static let windowStart = "least($1::date - 29, \(asOfMonth))"

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

    /// The firm's declared unit value (USD per kg of pure substance) in the as-of month per substance and origin,
    /// against all importers' monthly unit values for that substance and origin over the 12 months before (one
    /// median and MAD per group, so the query stays linear in the number of firms): robust z on
    /// a log scale, |z| ≥ `$2`, with at least `$3` peer values (else every origin, kind `low_confidence`), MAD floor
    /// `$4`, and a ratio to the peers' median of at most 1/`$5` or at least `$5`. The peers' medians and MADs come
    /// with the baselines (`sweep_baseline_value`).
    static func valueOutlier(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT c.firm_id, c.substance_id, c.country, \(asOfMonth) AS month,
                       sum(c.value_usd)::float8 / sum(c.kg_pure)::float8 AS unit_value, count(*) AS lines,
                       min(c.declared_on) AS first_date, max(c.declared_on) AS last_date, bool_or(c.hot_route) AS hot_route,
                       (array_agg(c.declaration_no || '/' || c.line_no ORDER BY c.declared_on, c.declaration_no, c.line_no))[1:20] AS refs
                  FROM sweep_cur_line c
                 WHERE c.value_usd > 0 AND c.kg_pure > 0 AND c.declared_on >= \(asOfMonth)
                 GROUP BY c.firm_id, c.substance_id, c.country
            ),
            origin AS (
                SELECT substance_id, country, n, med, mad FROM sweep_baseline_value WHERE as_of = $1::date AND country IS NOT NULL
            ),
            everywhere AS (
                SELECT substance_id, n, med, mad FROM sweep_baseline_value WHERE as_of = $1::date AND country IS NULL
            ),
            chosen AS (
                SELECT c.*, (oc.n IS NULL OR oc.n < $3::float8) AS wide,
                       CASE WHEN oc.n >= $3::float8 THEN oc.n ELSE sc.n END AS peers,
                       CASE WHEN oc.n >= $3::float8 THEN oc.med ELSE sc.med END AS med,
                       CASE WHEN oc.n >= $3::float8 THEN oc.mad ELSE sc.mad END AS mad
                  FROM cur c
                  LEFT JOIN origin oc ON oc.substance_id = c.substance_id AND oc.country = c.country
                  JOIN everywhere sc ON sc.substance_id = c.substance_id
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
    /// at least `$4` lines of history — the mark of a unit typed as KGM for GRM or TNE for KGM. The usual line comes
    /// with the baselines (`sweep_baseline_unit`).
    static func unitSlip(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT c.firm_id, c.substance_id, c.declaration_no, c.line_no, c.declared_on, c.kg_pure::float8 AS kg,
                       c.quantity::float8 AS quantity, c.unit, c.hot_route
                  FROM sweep_cur_line c
                 WHERE c.kg_pure > 0 AND c.declared_on >= \(asOfMonth)
            ),
            usual AS (
                SELECT firm_id, substance_id, lines AS n, median_kg FROM sweep_baseline_unit WHERE as_of = $1::date
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
