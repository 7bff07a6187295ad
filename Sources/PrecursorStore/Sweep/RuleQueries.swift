import PrecursorCore

/// The set-based SQL of the sweep rules (DESIGN §5). Each query returns the rule hits in one shape (see
/// `RuleQueries.wrap`): what was observed and expected in kg of pure substance, the threshold, dates, and the
/// source records, capped at 20 per hit. `$1` is always the as-of date; declarations after it and reports filed
/// after it are invisible, so a sweep as of a date is reproducible. In an incremental sweep `scoped` restricts a
/// query to the (firm, substance) pairs in the `sweep_scope` temporary table.
enum RuleQueries {
    /// A condition restricting `firm`/`substance` columns to the sweep's scope, or nothing in a full sweep.
    static func scope(_ scoped: Bool, firm: String, substance: String) -> String {
        scoped ? "AND (\(firm), \(substance)) IN (SELECT firm_id, substance_id FROM sweep_scope WHERE substance_id IS NOT NULL)" : ""
    }

    /// The columns of declaration lines the line rules, the line months and the window's lines read.
    static let lineColumns = """
        d.id, d.firm_id, d.substance_id, d.declaration_no, d.line_no, d.declared_on, d.direction, d.customs_office_id,
        d.transport_mode, d.country, d.quantity, d.unit, d.kg_pure, d.value_usd, d.licence_no, d.licence_id
        """

    /// The lines of an incremental sweep's scope (`sweep_scope_line`): every line of each scoped pair-month (whole
    /// months, also past the as-of day) or whole pair, read once; the line rules, the kept line months and the
    /// window's lines read them instead of each finding them again (at 5,000 firms each such pass over the 41,500
    /// lines of 6,000 pair-months cost 0.1–0.2 s). Read by `monthLines`, `$1` the scoped pairs from which a month is
    /// read whole.
    static let scopeLines = """
        CREATE TEMP TABLE sweep_scope_line ON COMMIT DROP AS
        \(monthLines(of: "sweep_scope"))
        """

    /// The lines (`lineColumns`) of the pair-months in `table` (columns firm_id, substance_id, month; a NULL month is
    /// the whole pair, a NULL substance matches no line), two ways, chosen per month by `$1`, the pairs from which a
    /// month is read whole:
    /// - a month with that many pairs or more is read whole, through the BRIN index on `declared_on` (a table filled
    ///   by imports is laid out by day), and joined with `table`: at 5,000 firms, 6,300 of the 10,000 pairs' October in
    ///   0.06–0.09 s, against 0.5 s through the (firm, substance, day) index;
    /// - the other pair-months and whole pairs through the (firm, substance, day) index, probed in its order
    ///   (neighbouring probes then share index and heap pages: 12 % less time than in the hashed order).
    static func monthLines(of table: String) -> String {
        """
        WITH whole AS MATERIALIZED (
            SELECT month FROM \(table) WHERE substance_id IS NOT NULL AND month IS NOT NULL
             GROUP BY month HAVING count(*) >= $1::float8
        )
        SELECT \(lineColumns)
          FROM whole m
          JOIN declaration_line d ON d.declared_on >= m.month AND d.declared_on < (m.month + interval '1 month')::date
          JOIN \(table) s ON s.firm_id = d.firm_id AND s.substance_id = d.substance_id AND s.month = m.month
        UNION ALL
        SELECT \(lineColumns)
          FROM (SELECT * FROM \(table) WHERE month IS NULL OR month NOT IN (SELECT month FROM whole)
                 ORDER BY firm_id, substance_id, month) s
          JOIN declaration_line d
            ON d.firm_id = s.firm_id AND d.substance_id = s.substance_id
           AND d.declared_on >= coalesce(s.month, '-infinity'::date)
           AND d.declared_on < coalesce((s.month + interval '1 month')::date, 'infinity'::date)
        """
    }

    /// The declaration lines a line rule examines, as a FROM item aliased `d`: all of them, or in an incremental
    /// sweep the lines of the scope (`sweep_scope_line`; callers still bound them by the as-of date).
    static func lines(_ scoped: Bool) -> String {
        scoped ? "sweep_scope_line d" : "declaration_line d"
    }

    /// The lines citing a licence grouped by licence, firm, substance and direction with their first and last day:
    /// in a full sweep from the month aggregates (`lineMonths(_:)`), in an incremental one from the lines of the
    /// scope (`sweep_scope_line`).
    static func licenceGroups(_ scoped: Bool) -> String {
        let from = scoped ? "\(lines(true)) WHERE d.declared_on <= $1::date AND" : "\(lineMonths("d")) WHERE"
        let days =
            scoped
            ? "min(d.declared_on) AS first_day, max(d.declared_on) AS last_day"
            : "min(d.first_date) AS first_day, max(d.last_date) AS last_day"
        return """
            SELECT d.licence_id, d.firm_id, d.substance_id, d.direction, \(days)
              FROM \(from) d.licence_id IS NOT NULL
             GROUP BY d.licence_id, d.firm_id, d.substance_id, d.direction
            """
    }

    /// Restricts reports `r` to the periods of an incremental sweep's scope (any substance of the firm: a report
    /// that leaves a substance out makes the customs of that substance matter).
    static func periodScope(_ scoped: Bool, _ r: String) -> String {
        scoped
            ? """
            AND EXISTS (SELECT 1 FROM sweep_scope s WHERE s.firm_id = \(r).firm_id
                           AND (s.month IS NULL OR s.month BETWEEN \(r).period_start AND \(r).period_end))
            """ : ""
    }

    /// Adds the firm's and substance's names and formats dates, around a query returning the hit columns.
    static func wrap(_ inner: String) -> String {
        """
        SELECT h.rule, h.kind, h.firm_id, f.tax_code, f.name, h.substance_id, s.code, s.name_en, s.name_vi, h.period,
               h.direction, h.observed::float8, h.expected::float8, h.threshold::float8,
               to_char(h.first_date, 'YYYY-MM-DD'), to_char(h.last_date, 'YYYY-MM-DD'), h.reference,
               to_char(h.reference_date, 'YYYY-MM-DD'), h.records::int, h.declarations, h.licences, h.reports, h.hot_route
          FROM (\(inner)) h
          JOIN firm f ON f.id = h.firm_id
          LEFT JOIN substance s ON s.id = h.substance_id
         ORDER BY h.firm_id, h.substance_id, h.rule, h.period, h.kind, h.reference
        """
    }

    /// Controlled movements with no licence cited and none of the firm covering substance, activity and date.
    static func unlicensed(scoped: Bool) -> String {
        wrap(
            """
            SELECT 'unlicensed_import' AS rule, d.direction AS kind, d.firm_id, d.substance_id,
                   to_char(d.declared_on, 'YYYY-MM') AS period, d.direction,
                   sum(d.kg_pure) AS observed, 0 AS expected, 0 AS threshold,
                   min(d.declared_on) AS first_date, max(d.declared_on) AS last_date,
                   NULL::text AS reference, NULL::date AS reference_date, count(*) AS records,
                   (array_agg(d.declaration_no || '/' || d.line_no ORDER BY d.declared_on, d.declaration_no, d.line_no))[1:20] AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, bool_or(o.hot_route) AS hot_route
              FROM \(lines(scoped))
              JOIN customs_office o ON o.id = d.customs_office_id
             WHERE d.declared_on <= $1::date AND d.licence_no IS NULL
               AND NOT EXISTS (
                   SELECT 1 FROM licence l JOIN licence_line ll ON ll.licence_id = l.id
                    WHERE l.firm_id = d.firm_id AND ll.substance_id = d.substance_id AND l.activity = d.direction
                      AND d.declared_on BETWEEN l.valid_from AND coalesce(l.extended_until, l.valid_until)
                      AND l.status NOT IN ('suspended', 'revoked'))
             GROUP BY d.firm_id, d.substance_id, d.direction, to_char(d.declared_on, 'YYYY-MM')
            """)
    }

    /// Movements citing a licence that does not allow them: the first reason that applies, in this order —
    /// unknown number, another firm's, revoked, suspended, lapsed, not yet valid, another substance, another
    /// activity, past its shipment count (counting the holder's distinct declarations citing it, in date order: another
    /// firm's citation is that firm's finding, not one of the holder's shipments; they are read pair by pair, from the
    /// groups of the holder's lines citing it, all suspect). Lines are first grouped
    /// by licence, firm, substance and direction with their date range; only groups that could hold a bad line
    /// are examined line by line. Every line examined cites a licence of `groups`, so an incremental sweep reads only
    /// those licences' lines (`covered`) instead of every licence line.
    static func invalid(scoped: Bool) -> String {
        wrap(
            """
            WITH groups AS (\(licenceGroups(scoped))),
            covered AS (SELECT DISTINCT licence_id, substance_id FROM licence_line
                         \(scoped ? "WHERE licence_id IN (SELECT licence_id FROM groups)" : "")),
            suspect AS (
                SELECT g.licence_id, g.firm_id, g.substance_id, g.direction
                  FROM groups g
                  JOIN licence l ON l.id = g.licence_id
                  LEFT JOIN covered c ON c.licence_id = l.id AND c.substance_id = g.substance_id
                 WHERE l.firm_id <> g.firm_id OR l.status IN ('revoked', 'suspended')
                    OR g.last_day > coalesce(l.extended_until, l.valid_until) OR g.first_day < l.valid_from
                    OR c.licence_id IS NULL OR l.activity <> g.direction OR l.shipments_allowed IS NOT NULL
            ),
            lines AS (
                SELECT \(lineColumns) FROM suspect s
                  JOIN declaration_line d ON d.licence_id = s.licence_id AND d.firm_id = s.firm_id
                                         AND d.substance_id = s.substance_id AND d.direction = s.direction
                 WHERE d.declared_on <= $1::date
                UNION ALL
                SELECT \(lineColumns) FROM \(lines(scoped))
                 WHERE d.licence_id IS NULL AND d.licence_no IS NOT NULL AND d.declared_on <= $1::date
            ),
            counted AS (
                SELECT DISTINCT s.licence_id, s.firm_id, s.substance_id
                  FROM suspect s JOIN licence l ON l.id = s.licence_id AND l.firm_id = s.firm_id
                 WHERE l.shipments_allowed IS NOT NULL
            ),
            shipment AS (
                SELECT d.id, dense_rank() OVER (PARTITION BY d.licence_id ORDER BY d.declared_on, d.declaration_no) AS n
                  FROM counted c JOIN declaration_line d ON d.firm_id = c.firm_id AND d.substance_id = c.substance_id
                                                         AND d.licence_id = c.licence_id
                 WHERE d.declared_on <= $1::date
            ),
            judged AS (
                SELECT d.firm_id, d.substance_id, d.direction, d.declared_on, d.declaration_no, d.line_no, d.kg_pure,
                       d.licence_no, d.customs_office_id, l.shipments_allowed,
                       CASE WHEN l.id IS NULL THEN 'unknown'
                            WHEN l.firm_id <> d.firm_id THEN 'other_firm'
                            WHEN l.status = 'revoked' THEN 'revoked'
                            WHEN l.status = 'suspended' THEN 'suspended'
                            WHEN d.declared_on > coalesce(l.extended_until, l.valid_until) THEN 'expired'
                            WHEN d.declared_on < l.valid_from THEN 'not_yet_valid'
                            WHEN c.licence_id IS NULL THEN 'other_substance'
                            WHEN l.activity <> d.direction THEN 'other_activity'
                            WHEN s.n > l.shipments_allowed THEN 'shipments_exceeded'
                       END AS kind,
                       CASE WHEN d.declared_on > coalesce(l.extended_until, l.valid_until) THEN coalesce(l.extended_until, l.valid_until)
                            WHEN d.declared_on < l.valid_from THEN l.valid_from END AS reference_date
                  FROM lines d
                  LEFT JOIN licence l ON l.id = d.licence_id
                  LEFT JOIN covered c ON c.licence_id = l.id AND c.substance_id = d.substance_id
                  LEFT JOIN shipment s ON s.id = d.id
            )
            SELECT 'licence_invalid' AS rule, j.kind, j.firm_id, j.substance_id, to_char(j.declared_on, 'YYYY-MM') AS period,
                   j.direction, sum(j.kg_pure) AS observed, 0 AS expected, coalesce(max(j.shipments_allowed), 0) AS threshold,
                   min(j.declared_on) AS first_date, max(j.declared_on) AS last_date, j.licence_no AS reference,
                   max(j.reference_date) AS reference_date, count(*) AS records,
                   (array_agg(j.declaration_no || '/' || j.line_no ORDER BY j.declared_on, j.declaration_no, j.line_no))[1:20] AS declarations,
                   ARRAY[j.licence_no] AS licences, '{}'::bigint[] AS reports, bool_or(o.hot_route) AS hot_route
              FROM judged j JOIN customs_office o ON o.id = j.customs_office_id
             WHERE j.kind IS NOT NULL
             GROUP BY j.firm_id, j.substance_id, j.direction, to_char(j.declared_on, 'YYYY-MM'), j.kind, j.licence_no
            """)
    }

    /// Licence lines whose drawdown (the firm's own declarations citing the licence, up to the as-of date) is past
    /// the critical ratio (`over`) or at the warning ratio (`near`) of the granted kg. `$2` critical, `$3` warning.
    /// Drawdown is summed from the month aggregates; the source lines are fetched only for the licences that hit, from
    /// the pair's days between the first and the last line citing the licence (up to the as-of date).
    static func overdrawn(scoped: Bool) -> String {
        wrap(
            """
            WITH drawn AS (
                SELECT d.licence_id, d.firm_id, d.substance_id, sum(d.kg) AS drawn_kg, sum(d.lines) AS records,
                       min(d.first_date) AS first_date, max(d.last_date) AS last_date, bool_or(d.hot_route) AS hot_route
                  FROM \(lineMonths("d", scopeLicences: scoped))
                 WHERE d.licence_id IS NOT NULL
                 GROUP BY d.licence_id, d.firm_id, d.substance_id
            ),
            granted AS (
                SELECT l.id AS licence_id, l.licence_no, l.firm_id, ll.substance_id, sum(ll.quantity_kg) AS granted_kg
                  FROM licence l JOIN licence_line ll ON ll.licence_id = l.id
                 WHERE l.valid_from <= $1::date \(scoped ? "AND l.id IN (SELECT licence_id FROM sweep_scope_licence)" : "")
                 GROUP BY l.id, l.licence_no, l.firm_id, ll.substance_id
            ),
            hits AS MATERIALIZED (
                SELECT g.licence_no, g.granted_kg, d.*
                  FROM drawn d JOIN granted g ON g.licence_id = d.licence_id AND g.firm_id = d.firm_id
                                             AND g.substance_id = d.substance_id
                 WHERE d.drawn_kg >= g.granted_kg * least($2::float8, $3::float8)::numeric
            )
            SELECT 'licence_overdrawn' AS rule,
                   CASE WHEN h.drawn_kg > h.granted_kg * $2::float8::numeric THEN 'over' ELSE 'near' END AS kind,
                   h.firm_id, h.substance_id, to_char(h.last_date, 'YYYY-MM') AS period, NULL::text AS direction,
                   h.drawn_kg AS observed, h.granted_kg AS expected,
                   CASE WHEN h.drawn_kg > h.granted_kg * $2::float8::numeric THEN $2::float8 ELSE $3::float8 END AS threshold,
                   h.first_date, h.last_date, h.licence_no AS reference, NULL::date AS reference_date, h.records,
                   coalesce(refs.list, '{}') AS declarations, ARRAY[h.licence_no] AS licences, '{}'::bigint[] AS reports,
                   h.hot_route
              FROM hits h
              LEFT JOIN LATERAL (
                  SELECT array_agg(z.ref) AS list FROM (
                      SELECT d.declaration_no || '/' || d.line_no AS ref FROM declaration_line d
                       WHERE d.licence_id = h.licence_id AND d.firm_id = h.firm_id AND d.substance_id = h.substance_id
                         AND d.declared_on BETWEEN h.first_date AND h.last_date
                       ORDER BY d.declared_on DESC, d.declaration_no DESC, d.line_no DESC LIMIT 20) z
              ) refs ON true
             WHERE h.drawn_kg > h.granted_kg * $2::float8::numeric OR h.drawn_kg >= h.granted_kg * $3::float8::numeric
            """)
    }

    /// The current version of every report for a period ended by the as-of date (of the firms in scope). An
    /// amendment filed later still counts: it is the firm's best statement of that period.
    static func visibleReports(scoped: Bool, columns: String) -> String {
        """
        SELECT DISTINCT ON (r.firm_id, r.facility_id, r.period, r.substance_id) \(columns)
          FROM self_report r
         WHERE r.period_end <= $1::date \(periodScope(scoped, "r"))
         ORDER BY r.firm_id, r.facility_id, r.period, r.substance_id, r.version DESC
        """
    }

    /// Reported imports and exports of a period against what customs declared in it, per firm and substance
    /// (a substance customs shows but the filed report leaves out counts as reported 0). `$2` tolerance %,
    /// `$3` floor kg. Reads `sweep_month` (the month aggregates of declarations), joined on the months of each
    /// reported period (joining on the firm alone and matching period names afterwards built every month of a firm
    /// with every period of it: 1.9 million rows at 5,000 firms, 3.8 s).
    static func mismatch(scoped: Bool) -> String {
        wrap(
            """
            WITH rep AS (\(visibleReports(scoped: scoped, columns: "r.id, r.firm_id, r.period, r.period_start, r.period_end, r.substance_id, r.imported_kg, r.exported_kg"))),
            reported AS (
                SELECT firm_id, period, substance_id, sum(imported_kg) AS imp, sum(exported_kg) AS exp,
                       array_agg(id ORDER BY id) AS ids
                  FROM rep GROUP BY firm_id, period, substance_id
            ),
            periods AS (SELECT DISTINCT firm_id, period, period_start, period_end FROM rep),
            customs AS (
                SELECT p.firm_id, p.period, m.substance_id, sum(m.import_kg) AS imp, sum(m.export_kg) AS exp,
                       min(m.first_date) AS first_date, max(m.last_date) AS last_date, bool_or(m.hot_route) AS hot_route
                  FROM periods p
                 CROSS JOIN LATERAL generate_series(p.period_start, p.period_end, interval '1 month') k(month)
                  JOIN sweep_month m ON m.firm_id = p.firm_id AND m.month = k.month::date
                 GROUP BY p.firm_id, p.period, m.substance_id
            ),
            compared AS MATERIALIZED (
                SELECT coalesce(r.firm_id, c.firm_id) AS firm_id, coalesce(r.period, c.period) AS period,
                       coalesce(r.substance_id, c.substance_id) AS substance_id, x.direction, x.reported, x.declared,
                       greatest($2::float8::numeric / 100 * greatest(x.declared, x.reported), $3::float8::numeric) AS tolerance,
                       c.first_date, c.last_date, coalesce(r.ids, '{}') AS ids, coalesce(c.hot_route, false) AS hot_route
                  FROM reported r
                  FULL JOIN customs c ON c.firm_id = r.firm_id AND c.period = r.period AND c.substance_id = r.substance_id
                 CROSS JOIN LATERAL (VALUES ('import', coalesce(r.imp, 0), coalesce(c.imp, 0)),
                                            ('export', coalesce(r.exp, 0), coalesce(c.exp, 0))) x(direction, reported, declared)
                 WHERE abs(x.declared - x.reported) > greatest($2::float8::numeric / 100 * greatest(x.declared, x.reported), $3::float8::numeric)
            )
            SELECT 'report_mismatch' AS rule, m.direction AS kind, m.firm_id, m.substance_id, m.period, m.direction,
                   m.reported AS observed, m.declared AS expected, m.tolerance + cut.kg AS threshold, m.first_date, m.last_date,
                   NULL::text AS reference, NULL::date AS reference_date,
                   cardinality(m.ids) + coalesce(cardinality(refs.list), 0) AS records,
                   coalesce(refs.list, '{}') AS declarations, '{}'::text[] AS licences, m.ids AS reports, m.hot_route
              FROM compared m
              LEFT JOIN LATERAL (
                  SELECT array_agg(z.ref) AS list FROM (
                      SELECT d.declaration_no || '/' || d.line_no AS ref
                        FROM declaration_line d
                       WHERE d.firm_id = m.firm_id AND d.substance_id = m.substance_id AND d.direction = m.direction
                         AND d.declared_on BETWEEN period_start(m.period) AND least(period_end(m.period), $1::date)
                       ORDER BY d.declared_on, d.declaration_no, d.line_no LIMIT 20) z
              ) refs ON true
              \(mismatchCutOff)
             WHERE abs(m.declared - m.reported) > m.tolerance + cut.kg
            """)
    }

    /// Reports that do not balance (`identity`: opening + in − out against closing, tolerance % of throughput)
    /// or do not follow on from the previous period (`continuity`: opening against the previous closing of the
    /// same facility and granularity, tolerance % of the larger). `$2` tolerance %, `$3` floor kg.
    static func balance(scoped: Bool) -> String {
        wrap(
            """
            WITH rep AS MATERIALIZED (\(visibleReports(scoped: scoped, columns: "r.*"))),
            identity AS (
                SELECT r.*, r.opening_kg + r.imported_kg + r.purchased_kg + r.produced_kg - r.used_kg - r.sold_kg
                            - r.exported_kg - r.lost_kg AS computed,
                       greatest($2::float8::numeric / 100 * (r.imported_kg + r.purchased_kg + r.produced_kg + r.used_kg
                                + r.sold_kg + r.exported_kg + r.lost_kg), $3::float8::numeric) AS tolerance
                  FROM rep r
            ),
            hits AS (
                SELECT 'identity' AS kind, i.firm_id, i.facility_id, i.substance_id, i.period, i.closing_kg AS observed,
                       i.computed AS expected, i.tolerance, ARRAY[i.id] AS ids
                  FROM identity i WHERE abs(i.computed - i.closing_kg) > i.tolerance
                UNION ALL
                SELECT 'continuity', c.firm_id, c.facility_id, c.substance_id, c.period, c.opening_kg, p.closing_kg,
                       greatest($2::float8::numeric / 100 * greatest(c.opening_kg, p.closing_kg), $3::float8::numeric),
                       ARRAY[p.id, c.id]
                  FROM rep c
                  JOIN rep p ON p.firm_id = c.firm_id AND coalesce(p.facility_id, 0) = coalesce(c.facility_id, 0)
                            AND p.substance_id = c.substance_id AND p.period_end = c.period_start - 1
                            AND length(p.period) = length(c.period)
                 WHERE abs(c.opening_kg - p.closing_kg)
                       > greatest($2::float8::numeric / 100 * greatest(c.opening_kg, p.closing_kg), $3::float8::numeric)
            )
            SELECT 'balance_gap' AS rule, h.kind, h.firm_id, h.substance_id, h.period, NULL::text AS direction,
                   h.observed, h.expected, h.tolerance AS threshold, NULL::date AS first_date, NULL::date AS last_date,
                   fa.code AS reference, NULL::date AS reference_date, cardinality(h.ids) AS records,
                   '{}'::text[] AS declarations, '{}'::text[] AS licences, h.ids AS reports, false AS hot_route
              FROM hits h LEFT JOIN facility fa ON fa.id = h.facility_id
            """)
    }

    /// Reporting periods past due (period end + the firm's due days before the as-of date) with no report filed
    /// by then (a report loaded by an admin import of historical reports counts as filed in time), for active firms from
    /// their first licence on, looking back `$2` months. Evaluated for every firm in every sweep (it is driven by the
    /// calendar, not by new data); the periods of the lookback are listed once per frequency, not once per firm.
    /// Periods are materialized and the filed ones hashed once (`NOT IN` over two NOT NULL columns): probing the
    /// reports of each firm-period with the period's name computed in the join took 0.15–0.25 s at 5,000 firms,
    /// this 0.05 s.
    static func missing() -> String {
        wrap(
            """
            WITH firms AS (
                SELECT f.id, coalesce(o.frequency, CASE WHEN f.key_enterprise THEN 'monthly' ELSE 'annual' END) AS frequency,
                       coalesce(o.due_days, CASE WHEN f.key_enterprise THEN 15 ELSE 46 END) AS due_days,
                       greatest(a.active_from, coalesce(f.registered_on, a.active_from)) AS active_from
                  FROM firm f
                  LEFT JOIN reporting_obligation o ON o.firm_id = f.id
                  JOIN (SELECT firm_id, min(valid_from) AS active_from FROM licence GROUP BY firm_id) a ON a.firm_id = f.id
                 WHERE f.status = 'active'
            ),
            periods AS MATERIALIZED (
                SELECT p.frequency, p.period_start, period_containing(p.period_start, p.frequency) AS period,
                       (p.period_start + CASE p.frequency WHEN 'monthly' THEN interval '1 month'
                                                          WHEN 'quarterly' THEN interval '3 months' ELSE interval '1 year' END)::date - 1 AS period_end
                  FROM (SELECT DISTINCT fr.frequency,
                               date_trunc(CASE fr.frequency WHEN 'monthly' THEN 'month' WHEN 'quarterly' THEN 'quarter' ELSE 'year' END, m)::date AS period_start
                          FROM (VALUES ('monthly'), ('quarterly'), ('annual')) fr(frequency)
                         CROSS JOIN generate_series(date_trunc('month', $1::date - make_interval(months => $2::float8::int)),
                                                    $1::date, interval '1 month') m) p
            ),
            missing AS MATERIALIZED (
                SELECT f.id AS firm_id, p.period, p.period_start, p.period_end, p.period_end + f.due_days AS due_on
                  FROM firms f JOIN periods p ON p.frequency = f.frequency
                 WHERE p.period_end + f.due_days < $1::date AND p.period_end >= f.active_from
                   AND (f.id, p.period) NOT IN (SELECT x.firm_id, x.period FROM self_report x
                                                 WHERE x.submitted_at < $1::date + 1 OR x.source = 'import')
            )
            SELECT 'missing_report' AS rule, 'missing' AS kind, m.firm_id, NULL::integer AS substance_id, m.period,
                   NULL::text AS direction, 0 AS observed, 1 AS expected, 0 AS threshold,
                   moves.first_date, moves.last_date, NULL::text AS reference, m.due_on AS reference_date,
                   coalesce(moves.records, 0) AS records, coalesce(moves.refs, '{}') AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, coalesce(moves.hot_route, false) AS hot_route
              FROM missing m
              LEFT JOIN LATERAL (
                  SELECT count(*) AS records, min(d.declared_on) AS first_date, max(d.declared_on) AS last_date,
                         (array_agg(d.declaration_no || '/' || d.line_no ORDER BY d.declared_on, d.declaration_no, d.line_no))[1:20] AS refs,
                         bool_or(o.hot_route) AS hot_route
                    FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
                   WHERE d.firm_id = m.firm_id AND d.declared_on BETWEEN m.period_start AND m.period_end
                   HAVING count(*) > 0
              ) moves ON true
            """)
    }

    /// In an incremental sweep, reconciliation needs the customs months only of the firms and years whose ended
    /// report periods overlap the scope (periods never cross a year).
    static let monthTableScope = """
        AND (d.firm_id, date_trunc('year', d.month)) IN (
            SELECT r.firm_id, date_trunc('year', r.period_start) FROM self_report r
             WHERE r.period_end <= $1::date
               AND EXISTS (SELECT 1 FROM sweep_scope s WHERE s.firm_id = r.firm_id
                              AND (s.month IS NULL OR s.month BETWEEN r.period_start AND r.period_end)))
        """

    /// Month aggregates of the declarations in scope, up to the as-of date: the input of reconciliation. Read from
    /// the kept month aggregates (`lineMonths`).
    static func monthTable(scoped: Bool) -> String {
        """
        CREATE TEMP TABLE sweep_month ON COMMIT DROP AS
        SELECT d.firm_id, d.substance_id, d.month,
               coalesce(sum(d.kg) FILTER (WHERE d.direction = 'import'), 0) AS import_kg,
               coalesce(sum(d.kg) FILTER (WHERE d.direction = 'export'), 0) AS export_kg,
               sum(d.lines)::bigint AS lines, min(d.first_date) AS first_date, max(d.last_date) AS last_date,
               bool_or(d.hot_route) AS hot_route
          FROM \(lineMonths("d"))
         WHERE true \(scoped ? Self.monthTableScope : "")
         GROUP BY d.firm_id, d.substance_id, d.month
        """
    }
}
