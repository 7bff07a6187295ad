import PrecursorCore

/// The current part of the statistical rules' inputs, built in every sweep for the pairs it reports (every pair in a
/// full sweep, the pairs of `sweep_scope` in an incremental one) on top of the stored baselines of the as-of date
/// (`RuleQueries+Baselines`): the import lines of the window (from the first day of frequency_spike's window to the
/// as-of date; when scoped, mostly from the scope's lines), and the temporary tables
/// the rules read.
extension RuleQueries {
    /// The pairs whose every month peer_outlier reads: a first import at most `$2` (its `new_months`) months before the
    /// as-of month.
    static let newcomers = """
        SELECT p.firm_id, p.substance_id FROM sweep_baseline_pair p
         WHERE p.as_of = $1::date AND p.first_month >= \(asOfMonth) - make_interval(months => $2::int - 1)
        """

    /// The (firm, substance) pairs an incremental sweep reports.
    static let scopedPairs = "SELECT DISTINCT firm_id, substance_id FROM sweep_scope WHERE substance_id IS NOT NULL"

    /// The columns of a declaration line `d` that the window's lines keep.
    static let windowColumns = """
        d.firm_id, d.substance_id, d.declaration_no, d.line_no, d.declared_on, d.direction, d.customs_office_id, d.kg_pure,
        d.quantity, d.unit, d.value_usd, d.transport_mode, d.country
        """

    /// The lines of the scoped pairs that may fall in the window, as a FROM item: the scope's lines
    /// (`sweep_scope_line`), and the lines of each window month (one, or two when the window starts in the month
    /// before) that the scope does not cover for the pair (a pair scoped for one month only), from the declaration
    /// lines.
    static let scopedWindowLines = """
        (SELECT \(windowColumns) FROM sweep_scope_line d
         UNION ALL
         (WITH uncovered AS MATERIALIZED (
              SELECT p.firm_id, p.substance_id, k.month
                FROM (\(scopedPairs)) p
               CROSS JOIN (SELECT \(windowStart) - extract(day FROM \(windowStart))::int + 1 AS month
                           UNION SELECT \(asOfMonth)) k
               WHERE NOT EXISTS (SELECT 1 FROM sweep_scope c WHERE c.firm_id = p.firm_id AND c.substance_id = p.substance_id
                                    AND (c.month IS NULL OR c.month = k.month)))
          SELECT \(windowColumns)
            FROM uncovered u
            JOIN declaration_line d ON d.firm_id = u.firm_id AND d.substance_id = u.substance_id
                                   AND d.declared_on >= u.month AND d.declared_on < (u.month + interval '1 month')::date))
        """

    /// The window's tables, read only by the rules that a parallel incremental sweep evaluates on a connection of its
    /// own (`SweepStore.committedOnlyRules`), so either connection can build them: `sweep_cur_line` (the window's import
    /// lines with their office) and `sweep_importers` (per substance, the firms that imported it in the 25 months:
    /// those stored with the baselines and those of lines written since; the baselines must be of this snapshot or
    /// committed before it).
    static func windowTables(scoped: Bool) -> [String] {
        [
            """
            CREATE TEMP TABLE sweep_cur_line ON COMMIT DROP AS
            SELECT d.firm_id, d.substance_id, d.declaration_no, d.line_no, d.declared_on, d.kg_pure, d.quantity, d.unit,
                   d.value_usd, d.transport_mode, d.country, o.code AS office, o.kind AS office_kind, o.neighbour_country,
                   o.hot_route
              FROM \(scoped ? scopedWindowLines : "declaration_line") d JOIN customs_office o ON o.id = d.customs_office_id
             WHERE d.direction = 'import' AND d.declared_on >= \(windowStart) AND d.declared_on <= $1::date
            """,
            """
            CREATE TEMP TABLE sweep_importers ON COMMIT DROP AS
            SELECT p.substance_id, count(DISTINCT p.firm_id) AS firms
              FROM (SELECT firm_id, substance_id FROM sweep_baseline_pair WHERE as_of = $1::date AND in_window
                    UNION ALL
                    SELECT d.firm_id, d.substance_id FROM declaration_line d
                     WHERE d.updated_at >= (SELECT data_watermark FROM sweep_baseline WHERE as_of = $1::date)
                       AND d.direction = 'import' AND d.declared_on >= \(asOfMonth) - interval '24 months'
                       AND d.declared_on <= $1::date) p
             GROUP BY p.substance_id
            """,
        ]
    }

    /// The month tables, in order: `sweep_stat_month`
    /// (import kg and shipments by pair and month, from the kept line months: the as-of month and the month before it,
    /// which volume_spike compares with their stored baselines, and every month of the pairs whose first import was
    /// at most `$2` (peer_outlier's `new_months`) months before the as-of month, which peer_outlier sums; read from
    /// `sweep_hist_month` when `historyComputed`, i.e. the baselines were computed in this sweep), `sweep_stat_first`
    /// (each pair's first import month ever: the stored one, else the as-of month for a pair importing in it) and
    /// `sweep_season` (the stored seasonal index). They read the line months this sweep's transaction brings up to
    /// date, so only its own connection can build them.
    static func statisticalTables(scoped: Bool, historyComputed: Bool) -> [String] {
        let stored = scoped ? "AND (b.firm_id, b.substance_id) IN (\(scopedPairs))" : ""
        let pairs = { (alias: String) in scoped ? "AND (\(alias).firm_id, \(alias).substance_id) IN (\(scopedPairs))" : "" }
        // While the stored baselines are valid, no line before the as-of month changed since they were computed: the
        // kept line months hold the months the baselines were computed from.
        let read = { (alias: String) in
            "(\(alias).month = (\(asOfMonth) - interval '1 month')::date OR (\(alias).firm_id, \(alias).substance_id) IN (\(newcomers)))"
        }
        // Computed in this sweep, the history months are read again; else the history and the as-of month come from
        // the line months in one pass (two passes over their 236,000 rows at 5,000 firms took 0.11-0.19 s).
        let months =
            historyComputed
            ? """
            SELECT h.* FROM sweep_hist_month h WHERE \(read("h")) \(pairs("h"))
            UNION ALL
            SELECT m.firm_id, m.substance_id, m.month, sum(m.kg)::float8, sum(m.shipments)::int, min(m.first_date),
                   max(m.last_date), bool_or(m.hot_route)
              FROM \(lineMonths("m"))
             WHERE m.direction = 'import' AND m.month = \(asOfMonth) \(pairs("m"))
             GROUP BY m.firm_id, m.substance_id, m.month
            """
            : """
            SELECT m.firm_id, m.substance_id, m.month, sum(m.kg)::float8 AS kg, sum(m.shipments)::int AS shipments,
                   min(m.first_date) AS first_date, max(m.last_date) AS last_date, bool_or(m.hot_route) AS hot_route
              FROM \(lineMonths("m"))
             WHERE m.direction = 'import' AND m.month <= \(asOfMonth) AND m.month >= (\(asOfMonth) - interval '24 months')::date
               AND (m.month = \(asOfMonth) OR \(read("m"))) \(pairs("m"))
             GROUP BY m.firm_id, m.substance_id, m.month
            """
        return [
            """
            CREATE TEMP TABLE sweep_stat_month ON COMMIT DROP AS
            \(months)
            """,
            """
            CREATE TEMP TABLE sweep_stat_first ON COMMIT DROP AS
            SELECT p.firm_id, p.substance_id, coalesce(min(p.first_month), \(asOfMonth)) AS first_month
              FROM (SELECT b.firm_id, b.substance_id, b.first_month FROM sweep_baseline_pair b
                     WHERE b.as_of = $1::date AND b.first_month IS NOT NULL \(stored)
                    UNION ALL
                    SELECT m.firm_id, m.substance_id, NULL::date FROM sweep_stat_month m WHERE m.month = \(asOfMonth)) p
             GROUP BY p.firm_id, p.substance_id
            """,
            """
            CREATE TEMP TABLE sweep_season ON COMMIT DROP AS
            SELECT substance_id, cal, idx FROM sweep_baseline_season WHERE as_of = $1::date
            """,
        ]
    }
}
