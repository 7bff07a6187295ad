/// The month aggregates of declaration lines that sweeps keep (`sweep_line_month`, `sql/0022_sweep_line_month.sql`):
/// how they are built from lines, brought up to date, and read as of a date.
extension RuleQueries {
    /// The first day of the as-of month, folded to a constant when the query is planned (`date_trunc` on a date
    /// goes through timestamptz, which is only stable, and was evaluated for each of 240,000 rows).
    static let lineMonthAsOf = "($1::date - extract(day FROM $1::date)::int + 1)"

    /// The first day of the month of a line's day: immutable, unlike `date_trunc` on a date (which goes through
    /// timestamptz and the time zone, for each of a million lines).
    static let lineMonth = "(d.declared_on - date_part('day', d.declared_on::timestamp)::int + 1)"

    /// The statement filling `sweep_line_month` from the lines of `from` (a FROM item aliased `d`). The shipments are
    /// the distinct declarations of each row (`sql/0026_line_month_shipments.sql`): the planner sorts the lines of
    /// each pair (read in (firm, substance, day) order) by month, direction, licence and declaration, 0.6 s more than
    /// the hashed aggregate without them at 5,000 firms, and 4.5 s less than grouping the lines again for the baselines.
    static func aggregateLineMonths(from: String) -> String {
        """
        INSERT INTO sweep_line_month (firm_id, substance_id, month, direction, licence_id, kg, lines, shipments, first_date,
                                      last_date, hot_route)
        SELECT d.firm_id, d.substance_id, \(lineMonth), d.direction, d.licence_id, sum(d.kg_pure), count(*),
               count(DISTINCT d.declaration_no), min(d.declared_on), max(d.declared_on), bool_or(o.hot_route)
          FROM \(from) JOIN customs_office o ON o.id = d.customs_office_id
         GROUP BY d.firm_id, d.substance_id, \(lineMonth), d.direction, d.licence_id
        """
    }

    /// The pair-months whose lines changed since `$1` (a new or updated line carries its transaction's start in
    /// `updated_at`) or that an updated or deleted line left (`declaration_line_vacated`): `sweep_stale_month`.
    static let staleLineMonths = """
        CREATE TEMP TABLE sweep_stale_month ON COMMIT DROP AS
        SELECT firm_id, substance_id, date_trunc('month', declared_on)::date AS month FROM declaration_line WHERE updated_at >= $1
        UNION
        SELECT firm_id, substance_id, month FROM declaration_line_vacated WHERE vacated_at >= $1
        """

    /// Drops the aggregates of the stale pair-months.
    static let dropStaleLineMonths = """
        DELETE FROM sweep_line_month m USING sweep_stale_month s
         WHERE m.firm_id = s.firm_id AND m.substance_id = s.substance_id AND m.month = s.month
        """

    /// The lines of the stale pair-months that the scope covers (a scoped pair-month or whole pair), as a FROM item
    /// aliased `d`: read from the scope's lines (`sweep_scope_line`, which hold those months whole).
    static let staleScopeLines = """
        sweep_stale_month s JOIN sweep_scope_line d
            ON d.firm_id = s.firm_id AND d.substance_id = s.substance_id
           AND d.declared_on >= s.month AND d.declared_on < (s.month + interval '1 month')::date
        """

    /// The lines of the other stale pair-months (say, of lines dated after the as-of month), as a FROM item aliased
    /// `d`: read from the declaration lines.
    static let staleLines = """
        (SELECT s.* FROM sweep_stale_month s
          WHERE NOT EXISTS (SELECT 1 FROM sweep_scope c WHERE c.firm_id = s.firm_id AND c.substance_id = s.substance_id
                               AND (c.month IS NULL OR c.month = s.month))) s
        JOIN declaration_line d
            ON d.firm_id = s.firm_id AND d.substance_id = s.substance_id
           AND d.declared_on >= s.month AND d.declared_on < (s.month + interval '1 month')::date
        """

    /// The lines of every stale pair-month, as a FROM item aliased `d`, read from the declaration lines as the scope's
    /// are (`monthLines`, `$1` the stale pairs from which a month is read whole): an incremental sweep that evaluates
    /// the line rules on another connection builds no `sweep_scope_line`, and reads these lines once, here.
    static let staleMonthLines = "(\(monthLines(of: "sweep_stale_month"))) d"

    /// The pairs whose as-of month holds lines dated after the as-of day (`sweep_late_pair`) and that month of theirs
    /// aggregated again from its lines up to the as-of day (`sweep_late_month`): normally none, as sweeps run as of
    /// the day before. Read through `lineMonths`. The late pairs are found from the lines of the rest of the month
    /// (through the BRIN index on the day; none to read for a sweep as of a month's last day), not from the line
    /// months, which are up to date by then but would be read whole (20-30 ms at 5,000 firms).
    static let lateLineMonths = [
        """
        CREATE TEMP TABLE sweep_late_pair ON COMMIT DROP AS
        SELECT DISTINCT firm_id, substance_id FROM declaration_line
         WHERE declared_on > $1::date AND declared_on < (\(lineMonthAsOf) + interval '1 month')::date
        """,
        """
        CREATE TEMP TABLE sweep_late_month ON COMMIT DROP AS
        SELECT d.firm_id, d.substance_id, \(lineMonthAsOf) AS month, d.direction, d.licence_id, sum(d.kg_pure) AS kg,
               count(*) AS lines, count(DISTINCT d.declaration_no) AS shipments, min(d.declared_on) AS first_date, max(d.declared_on) AS last_date, bool_or(o.hot_route) AS hot_route
          FROM sweep_late_pair p
          JOIN declaration_line d ON d.firm_id = p.firm_id AND d.substance_id = p.substance_id
                                 AND d.declared_on BETWEEN \(lineMonthAsOf) AND $1::date
          JOIN customs_office o ON o.id = d.customs_office_id
         GROUP BY d.firm_id, d.substance_id, d.direction, d.licence_id
        """,
    ]

    /// The month aggregates of the lines up to the as-of date, as a FROM item aliased `alias`: the months before the
    /// as-of month, and the as-of month itself (from its lines up to the as-of day where some are dated after it).
    /// `scopeLicences`: only those citing a licence of `sweep_scope_licence` (joined inside, where the planner can
    /// hash the few thousand licences against the aggregates, instead of semi-joining the whole union afterwards).
    static func lineMonths(_ alias: String, scopeLicences: Bool = false) -> String {
        let kept =
            scopeLicences
            ? "sweep_scope_licence sl JOIN sweep_line_month m ON m.licence_id = sl.licence_id" : "sweep_line_month m"
        let late = scopeLicences ? "WHERE l.licence_id IN (SELECT licence_id FROM sweep_scope_licence)" : ""
        return """
            (SELECT m.firm_id, m.substance_id, m.month, m.direction, m.licence_id, m.kg, m.lines, m.shipments, m.first_date,
                    m.last_date, m.hot_route
               FROM \(kept)
              WHERE m.month < \(lineMonthAsOf)
                 OR (m.month = \(lineMonthAsOf) AND NOT EXISTS (SELECT 1 FROM sweep_late_pair p
                                                               WHERE p.firm_id = m.firm_id AND p.substance_id = m.substance_id))
             UNION ALL
             SELECT l.firm_id, l.substance_id, l.month, l.direction, l.licence_id, l.kg, l.lines, l.shipments, l.first_date,
                    l.last_date, l.hot_route
               FROM sweep_late_month l \(late)) \(alias)
            """
    }
}
