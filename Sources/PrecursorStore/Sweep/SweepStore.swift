import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// The database side of a sweep, on the sweep's own connection and transaction: its bookkeeping row, the scope of
/// an incremental sweep, the rule queries, findings and the alerts they feed. The orchestration (scoring, wording,
/// alert policy) lives in PrecursorSweep.
public struct SweepStore: Sendable {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// The last successful sweep: where an incremental sweep starts from.
    public struct PreviousSweep: Sendable, Equatable {
        public let id: Int64
        public let asOf: CivilDate
        public let dataWatermark: Date
    }

    /// Rows changed at or after the returned instant may be invisible to a snapshot taken after this call: the
    /// older of the present and the start of every other open transaction on this database (rows carry their
    /// transaction's start time). Call it before the sweep's transaction begins; then a row the sweep cannot see
    /// was written by a transaction that started at or after the watermark.
    public func dataWatermark() async throws -> Date {
        let rows = try await connection.rows(
            """
            SELECT least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity
                                              WHERE datname = current_database() AND pid <> pg_backend_pid()
                                                AND xact_start IS NOT NULL))
            """, logger: logger)
        return try rows[0].decode(Date.self)
    }

    /// The local buffers of temporary tables a sweep's session may use (PostgreSQL's default is 8 MB): the scope's lines
    /// and the window's lines alone take 7 MB each at 5,000 firms, and a temporary table's pages that do not fit are
    /// written out and read back. 0.05-0.1 s of an incremental sweep there.
    static let temporaryBuffers = "64MB"

    /// Sets this session's `temp_buffers` to `temporaryBuffers`. Call it before the session uses a temporary table:
    /// afterwards PostgreSQL refuses another value, which is skipped silently (a pooled session keeps the value it
    /// was given by its first sweep).
    public func enlargeTemporaryBuffers() async {
        do {
            try await connection.run(PostgresQuery(unsafeSQL: "SET temp_buffers = '\(Self.temporaryBuffers)'"), logger: logger)
        } catch {
            logger.debug("cannot set temp_buffers", metadata: ["error": "\(error)"])
        }
    }

    /// Refreshes the planner statistics of the tables the rules read when many rows changed since they were last
    /// gathered: right after an import, autovacuum has not caught up yet, and a plan built for a near-empty table
    /// turned a 0.1 s rule query into 27 s on the demo world. Skipped silently where the role may not ANALYZE.
    public func refreshStatistics() async throws {
        let rows = try await connection.rows(
            """
            SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
             WHERE s.schemaname = current_schema()
               AND s.relname IN ('declaration_line', 'self_report', 'licence', 'licence_line', 'firm', 'alert')
               AND s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
             ORDER BY s.relname
            """, logger: logger)
        for table in try rows.map({ try $0.decode(String.self) }) {
            do {
                try await connection.run(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger)
            } catch {
                logger.debug("cannot refresh statistics", metadata: ["table": "\(table)", "error": "\(error)"])
            }
        }
    }

    /// Summarizes the block ranges of `declaration_line_changed_brin` that no summary covers yet, before an incremental
    /// sweep looks lines up by `updated_at`: an unsummarized range matches every look-up, and four statements of the
    /// sweep read the lines changed since the last one. Lines written row by row (a small import, an operator's SQL)
    /// leave their ranges to autovacuum's summarization, which may drop requests or not have come by yet; a bulk
    /// import summarizes every range itself. Here the lines of such ranges are read once instead of four times (0.8 s
    /// of an incremental sweep on the bench world with about 415 ranges unsummarized). Skipped silently where the role may not.
    public func summarizeChangedLines() async throws {
        do {
            try await connection.run("SELECT brin_summarize_new_values('declaration_line_changed_brin'::regclass)", logger: logger)
        } catch {
            logger.debug("cannot summarize the changed-lines index", metadata: ["error": "\(error)"])
        }
    }

    public func previousSuccessful() async throws -> PreviousSweep? {
        let rows = try await connection.rows(
            """
            SELECT id, to_char(as_of, 'YYYY-MM-DD'), data_watermark FROM sweep_run
             WHERE status = 'succeeded' AND data_watermark IS NOT NULL ORDER BY id DESC LIMIT 1
            """, logger: logger)
        guard let row = rows.first else { return nil }
        let (id, asOf, watermark) = try row.decode((Int64, String, Date).self)
        return PreviousSweep(id: id, asOf: try CivilDate(iso: asOf), dataWatermark: watermark)
    }

    /// Every threshold row.
    public func thresholds() async throws -> [(rule: String, key: String, value: Double)] {
        try await connection.rows("SELECT rule, key, value::float8 FROM rule_config", logger: logger).map {
            let (rule, key, value) = try $0.decode((String, String, Double).self)
            return (rule, key, value)
        }
    }

    /// Whether a threshold changed at or after `instant` (an incremental sweep then runs as a full one).
    public func thresholdsChanged(since instant: Date) async throws -> Bool {
        let rows = try await connection.rows(
            "SELECT EXISTS (SELECT 1 FROM rule_config WHERE updated_at >= \(instant))", logger: logger)
        return try rows[0].decode(Bool.self)
    }

    /// Inserts the sweep's bookkeeping row; nil when `slot` was already run by another daemon.
    public func begin(kind: String, scope: String, asOf: CivilDate, slot: Date?) async throws -> Int64? {
        let rows = try await connection.rows(
            """
            INSERT INTO sweep_run (kind, scope, as_of, slot) VALUES (\(kind), \(scope), \(asOf), \(slot))
            ON CONFLICT (slot) DO NOTHING RETURNING id
            """, logger: logger)
        return try rows.first?.decode(Int64.self)
    }

    /// Fills the scope of an incremental sweep; returns how many scope entries. `sweep_scope` rows are
    /// (firm, substance, month): a month of a pair whose declarations changed, became visible or were left by an
    /// updated or deleted line (`declaration_line_vacated`); (firm,
    /// substance, NULL): the whole pair (its licences or firm changed, or its lines cite a licence with a shipment
    /// count); (firm, NULL, month): a month of the firm whose reports changed or fell due (and the month after a
    /// changed report, for continuity). `sweep_scope_licence` holds the licences whose drawdown may have changed
    /// (cited by a changed line, or by a line before it changed or was deleted). `sweep_scope_line` holds the lines
    /// of the scope (`RuleQueries.scopeLines`), read once for the rules and the line months; a month with
    /// `monthScanPairs` scoped pairs or more is read whole (`rule_config` sweep.month_scan_pairs). Without `lines`,
    /// `sweep_scope_line` is not built (no rule of this connection reads it; see `refreshLineMonths`).
    public func buildScope(since previous: PreviousSweep, asOf: CivilDate, monthScanPairs: Double, lines: Bool = true) async throws -> Int {
        try await connection.run(
            "CREATE TEMP TABLE sweep_scope (firm_id bigint NOT NULL, substance_id integer, month date) ON COMMIT DROP",
            logger: logger)
        try await connection.run(
            "CREATE TEMP TABLE sweep_scope_licence (licence_id bigint PRIMARY KEY) ON COMMIT DROP", logger: logger)
        let watermark = previous.dataWatermark
        let last = previous.asOf
        let now = asOf
        try await connection.run(
            """
            CREATE TEMP TABLE sweep_changed_line ON COMMIT DROP AS
            SELECT firm_id, substance_id, date_trunc('month', declared_on)::date AS month, licence_id
              FROM declaration_line
             WHERE declared_on <= \(now)::date
               AND (updated_at >= \(watermark) OR (declared_on > \(last)::date AND declared_on <= \(now)::date))
            UNION ALL
            SELECT firm_id, substance_id, month, licence_id
              FROM declaration_line_vacated
             WHERE vacated_at >= \(watermark) AND month <= \(now)::date
            """, logger: logger)
        try await connection.run(
            """
            INSERT INTO sweep_scope_licence
            SELECT id FROM licence WHERE updated_at >= \(watermark)
            UNION SELECT licence_id FROM sweep_changed_line WHERE licence_id IS NOT NULL
            """, logger: logger)
        // The pairs of changed licences and firms are joined to their lines, not filtered with `IN (…) OR IN (…)`: that
        // read all million lines (0.6 s at load 11) to find none in the bench's incremental sweep. The lines of a changed
        // licence, or of one with a shipment count that a changed line cites, are its holder's, found through the (firm,
        // substance, day) index, each holder's lines read once for all such licences: other firms' lines citing a
        // licence are judged only by who holds it, and a change of holder records their pair-months as vacated
        // (migration 0031).
        try await connection.run(
            """
            INSERT INTO sweep_scope (firm_id, substance_id, month)
            SELECT firm_id, substance_id, month FROM sweep_changed_line
            UNION SELECT ll.firm_id, ll.substance_id, NULL::date FROM licence_line ll
                   WHERE ll.licence_id IN (SELECT id FROM licence WHERE updated_at >= \(watermark))
            UNION SELECT d.firm_id, d.substance_id, NULL
                    FROM (SELECT l.firm_id, array_agg(l.id) AS ids FROM licence l
                           WHERE l.updated_at >= \(watermark)
                              OR (l.shipments_allowed IS NOT NULL AND l.id IN (SELECT licence_id FROM sweep_scope_licence))
                           GROUP BY l.firm_id) l
                    JOIN declaration_line d ON d.firm_id = l.firm_id AND d.licence_id = ANY(l.ids)
            UNION SELECT d.firm_id, d.substance_id, NULL
                    FROM firm f JOIN declaration_line d ON d.firm_id = f.id WHERE f.updated_at >= \(watermark)
            UNION SELECT r.firm_id, NULL, m::date
                    FROM self_report r CROSS JOIN generate_series(r.period_start, r.period_end, interval '1 month') m
                   WHERE r.submitted_at >= \(watermark)
                      OR (r.period_end > \(last)::date AND r.period_end <= \(now)::date)
                      OR (r.submitted_at >= \(last)::date + 1 AND r.submitted_at < \(now)::date + 1)
            UNION SELECT r.firm_id, NULL, (r.period_end + 1)
                    FROM self_report r WHERE r.submitted_at >= \(watermark)
            """, logger: logger)
        // A whole pair makes its single months redundant.
        try await connection.run(
            """
            DELETE FROM sweep_scope s USING sweep_scope w
             WHERE w.firm_id = s.firm_id AND w.substance_id = s.substance_id AND w.month IS NULL AND s.month IS NOT NULL
            """, logger: logger)
        try await connection.run("ANALYZE sweep_scope", logger: logger)
        try await connection.run("ANALYZE sweep_scope_licence", logger: logger)
        if lines {
            var bindings = PostgresBindings()
            bindings.append(monthScanPairs)
            try await connection.run(PostgresQuery(unsafeSQL: RuleQueries.scopeLines, binds: bindings), logger: logger)
            try await analyzeSampled(["sweep_scope_line"])
        }
        let rows = try await connection.rows("SELECT count(*)::int FROM sweep_scope", logger: logger)
        return try rows[0].decode(Int.self)
    }

    /// Gathers planner statistics of the sweep's temporary `tables` from a small sample: enough for the rules' joins
    /// and groupings (the default sample took 0.8 s of an incremental sweep at 5,000 firms, this one 0.08 s).
    func analyzeSampled(_ tables: [String]) async throws {
        try await connection.run("SET LOCAL default_statistics_target = 10", logger: logger)
        for table in tables { try await connection.run(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger) }
        try await connection.run("RESET default_statistics_target", logger: logger)
    }

    /// Aggregates declarations by firm, substance and month into `sweep_month`, from the kept month aggregates
    /// (`refreshLineMonths` first).
    public func buildMonthTable(asOf: CivilDate, scoped: Bool) async throws {
        var binds = PostgresBindings()
        binds.append(asOf)
        try await connection.run(PostgresQuery(unsafeSQL: RuleQueries.monthTable(scoped: scoped), binds: binds), logger: logger)
        try await connection.run("ANALYZE sweep_month", logger: logger)
    }

    /// The hits of one rule.
    public func hits(of rule: SweepRule, asOf: CivilDate, scoped: Bool, parameters: [Double]) async throws -> [RuleHit] {
        let sql: String
        switch rule {
        case .unlicensedImport: sql = RuleQueries.unlicensed(scoped: scoped)
        case .licenceInvalid: sql = RuleQueries.invalid(scoped: scoped)
        case .licenceOverdrawn: sql = RuleQueries.overdrawn(scoped: scoped)
        case .reportMismatch: sql = RuleQueries.mismatch(scoped: scoped)
        case .balanceGap: sql = RuleQueries.balance(scoped: scoped)
        case .missingReport: sql = RuleQueries.missing()
        default:
            guard let statistical = RuleQueries.statistical(rule, scoped: scoped) else {
                throw StoreError.configuration("no query for sweep rule \(rule.rawValue)")
            }
            sql = statistical
        }
        var binds = PostgresBindings()
        binds.append(asOf)
        for value in parameters { binds.append(value) }
        let hashJoinsOnly = RuleQueries.withoutNestedLoops.contains(rule)
        if hashJoinsOnly { try await connection.run("SET LOCAL enable_nestloop = off", logger: logger) }
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        if hashJoinsOnly { try await connection.run("SET LOCAL enable_nestloop = on", logger: logger) }
        return try rows.map(Self.hit)
    }

    static func hit(_ row: PostgresRow) throws -> RuleHit {
        let c = row.makeRandomAccess()
        func date(_ i: Int) throws -> CivilDate? { try c[i].decode(String?.self).map { try CivilDate(iso: $0) } }
        let rule = try c[0].decode(String.self)
        guard let parsed = SweepRule(rawValue: rule) else { throw StoreError.configuration("unknown sweep rule \(rule)") }
        return RuleHit(
            rule: parsed, kind: try c[1].decode(String.self), firmID: try c[2].decode(Int64.self),
            taxCode: try c[3].decode(String.self), firmName: try c[4].decode(String.self),
            substanceID: try c[5].decode(Int32?.self), substanceCode: try c[6].decode(String?.self),
            substanceNameEN: try c[7].decode(String?.self), substanceNameVI: try c[8].decode(String?.self),
            period: try c[9].decode(String.self), direction: try c[10].decode(String?.self),
            observed: try c[11].decode(Double.self), expected: try c[12].decode(Double.self),
            threshold: try c[13].decode(Double.self), firstDate: try date(14), lastDate: try date(15),
            reference: try c[16].decode(String?.self), referenceDate: try date(17), records: try c[18].decode(Int.self),
            sources: SourceRecords(
                declarations: try c[19].decode([String]?.self) ?? [], licences: try c[20].decode([String]?.self) ?? [],
                reports: try c[21].decode([Int64]?.self) ?? []),
            hotRoute: try c[22].decode(Bool?.self) ?? false, statistic: c.count > 23 ? try c[23].decode(Double?.self) : nil)
    }
}
