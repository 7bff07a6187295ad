import PrecursorCore

/// The baselines of the statistical rules (migration 0021): what each rule compares the as-of month with, computed
/// from the declaration lines *before* it, once per as-of date, into the `sweep_baseline_*` tables keyed by `as_of`
/// (`$1`, the as-of date). Every statement reads declaration_line at most once; the later ones read the earlier
/// ones' tables. The as-of month itself (the current part) is read by `statisticalTables(scoped:)` in every sweep.
extension RuleQueries {
    /// The baseline tables, each keyed by `as_of`, the bookkeeping row `sweep_baseline` last.
    static let baselineTables = [
        "sweep_baseline_pair", "sweep_baseline_season", "sweep_baseline_peer", "sweep_baseline_route",
        "sweep_baseline_origin", "sweep_baseline_frequency", "sweep_baseline_straddle", "sweep_baseline_value", "sweep_baseline_unit",
        "sweep_baseline_spike",
        "sweep_baseline",
    ]

    /// How many as-of dates keep their baselines (the most recently computed): today's, and a few re-runs of earlier
    /// dates (a manual sweep as of last month's end).
    static let baselinesKept = 3

    /// The sweep that computed the stored baselines of the as-of date `$1`, if they are still valid, i.e. nothing
    /// they were computed from changed at or after the watermark of that sweep's snapshot:
    /// - a rule threshold (split_band and the control thresholds are in the frequency baseline; any row counts),
    ///   a substance (its code names its thresholds) or a customs office (hot route, code);
    /// - a firm that existed before (its sector is its peer group; a firm only inserted since has no history that
    ///   was counted without it);
    /// - an import line dated before the as-of month (all history is before it: frequency_spike's window may begin
    ///   earlier, so a line of the month before counts too);
    /// - any line changed after it was inserted (`updated_at` past `created_at`: it may have left a history month,
    ///   another firm or substance; a licence loaded after the lines citing it also counts, conservatively);
    /// - a line in the window whose declaration also has a line of the same pair before the window: frequency_spike
    ///   counts that declaration as a prior shipment, with the kg of all its lines.
    /// - a line deleted or changed at all (`declaration_line_vacated`, kept by a trigger until the sweep after it;
    ///   no code path deletes lines, but an operator's SQL may).
    /// The common path — new lines of the as-of month —
    /// keeps them; anything else rebuilds them, which is a full sweep's cost for the statistical rules only.
    /// (`OFFSET 0` keeps the declaration probe per changed line, through the unique key: as a hashed subplan it read
    /// the 500,000 lines before the window, 1-3 s.)
    static let validBaselines = """
        SELECT b.sweep_run_id FROM sweep_baseline b
         WHERE b.as_of = $1::date
           AND NOT EXISTS (SELECT 1 FROM rule_config c WHERE c.updated_at >= b.data_watermark)
           AND NOT EXISTS (SELECT 1 FROM substance s WHERE s.updated_at >= b.data_watermark)
           AND NOT EXISTS (SELECT 1 FROM customs_office o WHERE o.updated_at >= b.data_watermark)
           AND NOT EXISTS (SELECT 1 FROM firm f WHERE f.updated_at >= b.data_watermark AND f.updated_at > f.created_at)
           AND NOT EXISTS (SELECT 1 FROM declaration_line_vacated v WHERE v.vacated_at >= b.data_watermark)
           AND NOT EXISTS (
               SELECT 1 FROM declaration_line d
                WHERE d.updated_at >= b.data_watermark
                  AND (d.updated_at > d.created_at
                       OR (d.direction = 'import' AND d.declared_on < \(asOfMonth))
                       OR (d.direction = 'import' AND d.declared_on <= $1::date
                           AND EXISTS (SELECT 1 FROM declaration_line p
                                        WHERE p.declaration_no = d.declaration_no AND p.firm_id = d.firm_id
                                          AND p.substance_id = d.substance_id AND p.direction = 'import'
                                          AND p.declared_on >= \(windowStart) - interval '12 months'
                                          AND p.declared_on < \(windowStart) OFFSET 0)))
           )
        """

    /// Deletes the baselines of the as-of date `$1` (before computing them again).
    static func baselineDeletes() -> [String] {
        baselineTables.map { "DELETE FROM \($0) WHERE as_of = $1::date" }
    }

    /// Keeps the baselines of the `baselinesKept` most recently computed as-of dates.
    static func baselinePrunes() -> [String] {
        baselineTables.map {
            """
            DELETE FROM \($0) WHERE as_of NOT IN (SELECT as_of FROM sweep_baseline ORDER BY computed_at DESC LIMIT \(baselinesKept))
            """
        }
    }

    /// The bookkeeping row: `$2` the sweep, `$3` its data watermark; the start of the record (`data_start`) is the
    /// first month of any import before the as-of month (after `baselinePairs`).
    static let baselineRecord = """
        INSERT INTO sweep_baseline (as_of, sweep_run_id, data_watermark, data_start)
        SELECT $1::date, $2::bigint, $3::timestamptz, min(first_month) FROM sweep_baseline_pair WHERE as_of = $1::date
        """

    /// Import kg and shipments by firm, substance and month over the 24 months before the as-of month
    /// (`sweep_hist_month`, a temporary table the later statements read), from the kept line months (brought to this
    /// sweep's snapshot before the baselines are computed). Not stored with the baselines: while they are valid no
    /// line of those months changed, so the kept line months hold the same months (`statisticalTables`).
    static let baselineMonths = """
        CREATE TEMP TABLE sweep_hist_month ON COMMIT DROP AS
        \(historyMonths(scoped: false, only: nil))
        """

    /// The import months before the as-of month, back 24 months, summed over each month's licences from the kept
    /// line months; `scoped`: the pairs of `sweep_scope` only; `only`: a condition on the line months aliased `h`.
    static func historyMonths(scoped: Bool, only: String?) -> String {
        """
        SELECT h.firm_id, h.substance_id, h.month, sum(h.kg)::float8 AS kg, sum(h.shipments)::int AS shipments,
               min(h.first_date) AS first_date, max(h.last_date) AS last_date, bool_or(h.hot_route) AS hot_route
          FROM sweep_line_month h
         WHERE h.direction = 'import' AND h.month < \(asOfMonth) AND h.month >= \(asOfMonth) - interval '24 months'
           \(scoped ? "AND (h.firm_id, h.substance_id) IN (\(scopedPairs))" : "") \(only.map { "AND \($0)" } ?? "")
         GROUP BY h.firm_id, h.substance_id, h.month
        """
    }

    /// Every pair with an import by the as-of date: its first import month before the as-of month (ever), and
    /// whether it imported in the 24 months before the as-of month or since — from the kept line months: a month
    /// counts when it is before the as-of month or its first line is dated by the as-of day.
    static let baselinePairs = """
        INSERT INTO sweep_baseline_pair (as_of, firm_id, substance_id, first_month, in_window)
        SELECT $1::date, m.firm_id, m.substance_id, min(m.month) FILTER (WHERE m.month < \(asOfMonth)),
               bool_or(m.month >= \(asOfMonth) - interval '24 months')
          FROM sweep_line_month m
         WHERE m.direction = 'import' AND (m.month < \(asOfMonth) OR m.first_date <= $1::date)
         GROUP BY m.firm_id, m.substance_id
        """

    /// Each substance's seasonal index by calendar month, estimated across all firms with a year of history: their
    /// month kg (capped at 3× their own mean so one firm's spike does not move the index) over their mean, normalised
    /// to average 1, and shrunk towards the index pooled over all substances by n / (n + 50) for n firms of the
    /// substance, since a single year of one substance's months is noisy. The as-of month itself is left out, so the
    /// month under test does not explain itself away.
    static let baselineSeason = """
        INSERT INTO sweep_baseline_season (as_of, substance_id, cal, idx)
        WITH stat_first AS (SELECT * FROM sweep_baseline_pair WHERE as_of = $1::date AND first_month IS NOT NULL),
        span AS (
            SELECT m.firm_id, m.substance_id, greatest(min(f.first_month), min(m.month)) AS first_month,
                   sum(m.kg) AS kg
              FROM sweep_hist_month m JOIN stat_first f USING (firm_id, substance_id)
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
              FROM pair p JOIN sweep_hist_month m USING (firm_id, substance_id)
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
        SELECT $1::date, n.substance_id, n.cal,
               least(2, greatest(0.5, w.w * n.idx + (1 - w.w) * p.idx))::float8 AS idx
          FROM normalised n JOIN pooled p USING (cal) JOIN weight w USING (substance_id)
         WHERE n.idx IS NOT NULL
        """

    /// volume_spike's baseline (`sweep_baseline_spike`) of the as-of month and of the month before it, for every pair
    /// with history (after the season): the season-adjusted import months of the 12 months before each with kg > 0,
    /// how many, the months since the first import (at most 12), their adjusted kg and shipments, and the median and
    /// MAD of their logarithm.
    static let baselineSpike = """
        INSERT INTO sweep_baseline_spike (as_of, firm_id, substance_id, month, n, span, adj, shipments, med, mad)
        WITH target AS (
            SELECT p.firm_id, p.substance_id, p.first_month, t.month
              FROM sweep_baseline_pair p
             CROSS JOIN (VALUES (\(asOfMonth)), ((\(asOfMonth) - interval '1 month')::date)) t(month)
             WHERE p.as_of = $1::date AND p.first_month IS NOT NULL
        ),
        hist AS (
            SELECT t.firm_id, t.substance_id, t.month, t.first_month, h.shipments, h.kg / coalesce(si.idx, 1) AS adj,
                   ln(h.kg / coalesce(si.idx, 1)) AS lx
              FROM target t
              JOIN sweep_hist_month h ON h.firm_id = t.firm_id AND h.substance_id = t.substance_id
               AND h.month >= t.month - interval '12 months' AND h.month < t.month AND h.kg > 0
              LEFT JOIN sweep_baseline_season si ON si.as_of = $1::date AND si.substance_id = h.substance_id
               AND si.cal = extract(month FROM h.month)::int
        ),
        centre AS (
            SELECT h.firm_id, h.substance_id, h.month, count(*) AS n,
                   least(12, (extract(year FROM h.month) - extract(year FROM h.first_month)) * 12
                             + extract(month FROM h.month) - extract(month FROM h.first_month)) AS span,
                   sum(h.adj) AS adj, sum(h.shipments) AS shipments,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY h.lx) AS med
              FROM hist h
             GROUP BY h.firm_id, h.substance_id, h.month, h.first_month
        )
        SELECT $1::date, c.firm_id, c.substance_id, c.month, c.n, c.span, c.adj, c.shipments, c.med,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(h.lx - c.med))
          FROM centre c JOIN hist h USING (firm_id, substance_id, month)
         GROUP BY c.firm_id, c.substance_id, c.month, c.n, c.span, c.adj, c.shipments, c.med
        """

    /// peer_outlier's established importers (a year of history): their trailing-12-month monthly kg on a log scale,
    /// grouped by substance and sector, and by substance alone (sector NULL): how many, median, MAD.
    static let baselinePeers = """
        INSERT INTO sweep_baseline_peer (as_of, substance_id, sector, peers, med, mad)
        WITH established AS (
            SELECT m.firm_id, m.substance_id, f.sector, ln(sum(m.kg) / 12) AS lx
              FROM sweep_baseline_pair fi
              JOIN sweep_hist_month m ON m.firm_id = fi.firm_id AND m.substance_id = fi.substance_id
               AND m.month >= \(asOfMonth) - interval '12 months' AND m.month < \(asOfMonth)
              JOIN firm f ON f.id = fi.firm_id
             WHERE fi.as_of = $1::date AND fi.first_month <= \(asOfMonth) - interval '12 months'
             GROUP BY m.firm_id, m.substance_id, f.sector
        ),
        \(centreAndSpread(of: "lx", in: "established", by: "sector"))
        """

    /// route_novelty's history: per pair, the months with imports and the modes, origins and offices used in the 24
    /// months before the as-of month. The lines are grouped once by pair and route (a few thousand routes, hashed),
    /// and the three sets come from those: grouping sets over the lines took 2.0 s at 5,000 firms, this 0.8 s.
    static let baselineRoutes = """
        INSERT INTO sweep_baseline_route (as_of, firm_id, substance_id, months, modes, countries, offices)
        WITH used AS (
            SELECT d.firm_id, d.substance_id, d.transport_mode, d.country, d.customs_office_id
              FROM declaration_line d
             WHERE d.direction = 'import' AND d.declared_on >= \(asOfMonth) - interval '24 months'
               AND d.declared_on < \(asOfMonth)
             GROUP BY d.firm_id, d.substance_id, d.transport_mode, d.country, d.customs_office_id
        ),
        months AS (
            SELECT firm_id, substance_id, count(*)::int AS months FROM sweep_hist_month GROUP BY firm_id, substance_id
        )
        SELECT $1::date, u.firm_id, u.substance_id, m.months,
               coalesce(array_agg(DISTINCT u.transport_mode) FILTER (WHERE u.transport_mode IS NOT NULL), '{}'),
               coalesce(array_agg(DISTINCT u.country) FILTER (WHERE u.country IS NOT NULL), '{}'),
               coalesce(array_agg(DISTINCT o.code) FILTER (WHERE o.code IS NOT NULL), '{}')
          FROM used u
          JOIN months m USING (firm_id, substance_id)
          LEFT JOIN customs_office o ON o.id = u.customs_office_id
         GROUP BY u.firm_id, u.substance_id, m.months
        """

    /// route_novelty's origins: how many firms imported each substance from each country in the 24 months before the
    /// as-of month (after `baselineRoutes`).
    static let baselineOrigins = """
        INSERT INTO sweep_baseline_origin (as_of, substance_id, country, firms)
        SELECT $1::date, r.substance_id, c.country, count(*)::int
          FROM sweep_baseline_route r CROSS JOIN LATERAL unnest(r.countries) c(country)
         WHERE r.as_of = $1::date
         GROUP BY r.substance_id, c.country
        """

    /// frequency_spike's prior shipments: per pair, the declarations of the 12 months before the window (a
    /// declaration belongs where its first line is; its kg counts all its lines up to the as-of date) and how many
    /// of them were each between `$2` × and 1 × the substance's control threshold; and the declarations with lines
    /// both before the window and in it (`sweep_baseline_straddle`: prior shipments, not the window's). One grouping
    /// of the lines by declaration from the start of those 12 months to the as-of date (bytewise, `COLLATE "C"`):
    /// grouping the two spans apart and joining them took 3.3 s at 5,000 firms, this 2.0 s. A JSON object of two
    /// arrays, `frequency` and `straddle` (see `lineBaselines`).
    static let lineFrequency = """
        WITH control AS MATERIALIZED (
            SELECT su.id AS substance_id, rc.value::float8 AS control_kg
              FROM substance su JOIN rule_config rc ON rc.rule = 'frequency_spike' AND rc.key = 'control_kg:' || su.code
        ),
        declaration AS (
            SELECT d.firm_id, d.substance_id, d.declaration_no COLLATE "C" AS declaration_no, sum(d.kg_pure)::float8 AS kg,
                   bool_or(d.declared_on < \(windowStart)) AS prior, bool_or(d.declared_on >= \(windowStart)) AS later
              FROM declaration_line d
             WHERE d.direction = 'import' AND d.declared_on >= \(windowStart) - interval '12 months' AND d.declared_on <= $1::date
             GROUP BY d.firm_id, d.substance_id, d.declaration_no COLLATE "C"
        )
        SELECT json_build_object(
                   'frequency', (SELECT coalesce(json_agg(f), '[]') FROM (
                       SELECT s.firm_id, s.substance_id, count(*)::int AS shipments,
                              (count(*) FILTER (WHERE s.kg >= $2::float8 * c.control_kg AND s.kg < c.control_kg))::int AS split_shipments
                         FROM declaration s LEFT JOIN control c USING (substance_id)
                        WHERE s.prior
                        GROUP BY s.firm_id, s.substance_id) f),
                   'straddle', (SELECT coalesce(json_agg(t), '[]') FROM (
                       SELECT firm_id, substance_id, declaration_no FROM declaration WHERE prior AND later) t))::text
        """

    /// Stores `lineFrequency`'s result (`$2`).
    static let storeFrequency = [
        """
        INSERT INTO sweep_baseline_frequency (as_of, firm_id, substance_id, shipments, split_shipments)
        SELECT $1::date, x.firm_id, x.substance_id, x.shipments, x.split_shipments
          FROM json_to_recordset($2::json -> 'frequency') AS x(firm_id bigint, substance_id integer, shipments integer, split_shipments integer)
        """,
        """
        INSERT INTO sweep_baseline_straddle (as_of, firm_id, substance_id, declaration_no)
        SELECT $1::date, x.firm_id, x.substance_id, x.declaration_no
          FROM json_to_recordset($2::json -> 'straddle') AS x(firm_id bigint, substance_id integer, declaration_no text)
        """,
    ]

    /// value_outlier's peers: every importer's monthly unit value (USD per kg of pure substance) per substance and
    /// origin over the 12 months before the as-of month, on a log scale, grouped by substance and origin and by
    /// substance alone (country NULL): how many, median, MAD. A JSON array.
    static let lineValues = """
        SELECT coalesce(json_agg(v), '[]')::text FROM (
            WITH month_value AS (
                SELECT d.substance_id, d.country, sum(d.value_usd)::float8 / sum(d.kg_pure)::float8 AS unit_value
                  FROM declaration_line d
                 WHERE d.direction = 'import' AND d.value_usd > 0 AND d.kg_pure > 0
                   AND d.declared_on >= \(asOfMonth) - interval '12 months' AND d.declared_on < \(asOfMonth)
                 GROUP BY d.firm_id, d.substance_id, d.country, \(lineMonth)
            ),
            peer AS (
                SELECT substance_id, country, ln(unit_value) AS lv FROM month_value
            ),
            \(centreAndSpread(of: "lv", in: "peer", by: "country"))) v
        """

    /// Stores `lineValues`' result (`$2`).
    static let storeValues = """
        INSERT INTO sweep_baseline_value (as_of, substance_id, country, n, med, mad)
        SELECT $1::date, x.substance_id, x.country, x.n, x.med, x.mad
          FROM json_to_recordset($2::json) AS x(substance_id integer, country text, n integer, med float8, mad float8)
        """

    /// The end of a peer baseline: how many values `value` of the rows of `source` (a CTE with `substance_id` and
    /// `group`) there are per substance and group, and per substance over every group (`group` NULL), with their
    /// median and MAD — a CTE `centre` and the final `SELECT $1::date, substance_id, group, n, med, mad`.
    static func centreAndSpread(of value: String, in source: String, by group: String) -> String {
        """
        centre AS (
            SELECT s.substance_id, g.\(group), count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.\(value)) AS med
              FROM \(source) s CROSS JOIN LATERAL (VALUES (s.\(group)), (NULL)) g(\(group))
             GROUP BY s.substance_id, g.\(group)
        )
        SELECT $1::date, c.substance_id, c.\(group), c.n, c.med,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(s.\(value) - c.med)) AS mad
          FROM centre c JOIN \(source) s ON s.substance_id = c.substance_id AND (c.\(group) IS NULL OR s.\(group) = c.\(group))
         GROUP BY c.substance_id, c.\(group), c.n, c.med
        """
    }

    /// unit_slip's usual line: per pair, the import lines of the 12 months before the as-of month and their median kg.
    /// A JSON array.
    static let lineUnits = """
        SELECT coalesce(json_agg(u), '[]')::text FROM (
            SELECT d.firm_id, d.substance_id, count(*)::int AS lines,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d.kg_pure::float8) AS median_kg
              FROM declaration_line d
             WHERE d.direction = 'import' AND d.kg_pure > 0
               AND d.declared_on >= \(asOfMonth) - interval '12 months' AND d.declared_on < \(asOfMonth)
             GROUP BY d.firm_id, d.substance_id) u
        """

    /// Stores `lineUnits`' result (`$2`).
    static let storeUnits = """
        INSERT INTO sweep_baseline_unit (as_of, firm_id, substance_id, lines, median_kg)
        SELECT $1::date, x.firm_id, x.substance_id, x.lines, x.median_kg
          FROM json_to_recordset($2::json) AS x(firm_id bigint, substance_id integer, lines integer, median_kg float8)
        """
}
