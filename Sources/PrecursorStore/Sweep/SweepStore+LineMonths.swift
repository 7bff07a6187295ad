import Foundation
import PostgresNIO
import PrecursorCore

extension SweepStore {
    /// Brings the month aggregates of declaration lines (`sweep_line_month`) to this sweep's snapshot and prepares
    /// reading them as of `asOf` (`RuleQueries.lineMonths`). With `previous` (an incremental sweep, after `buildScope`)
    /// and aggregates written by that sweep, only the pair-months changed since its watermark are aggregated again,
    /// from the scope's lines where it covers them; otherwise (a full
    /// sweep, or aggregates missing, forgotten or written by another sweep) every line is. `monthScanPairs` (`rule_config`
    /// sweep.month_scan_pairs): the scope's lines were not built (`buildScope(…, lines: false)`), the changed pair-months
    /// are read from the declaration lines (`RuleQueries.staleMonthLines`). Returns the pair-months aggregated again,
    /// nil when every line was.
    @discardableResult
    public func refreshLineMonths(
        sweepID: Int64, previous: PreviousSweep?, asOf: CivilDate, monthScanPairs: Double? = nil
    ) async throws -> Int? {
        let state = try await connection.rows("SELECT sweep_run_id FROM sweep_line_month_state FOR UPDATE", logger: logger)
        let holds = try state.first?.decode(Int64?.self)
        var stale: Int?
        if let previous, holds == previous.id {
            var binds = PostgresBindings()
            binds.append(previous.dataWatermark)
            try await connection.run(PostgresQuery(unsafeSQL: RuleQueries.staleLineMonths, binds: binds), logger: logger)
            try await connection.run("ANALYZE sweep_stale_month", logger: logger)
            try await connection.run(PostgresQuery(unsafeSQL: RuleQueries.dropStaleLineMonths), logger: logger)
            if let monthScanPairs {
                var pairs = PostgresBindings()
                pairs.append(monthScanPairs)
                try await connection.run(
                    PostgresQuery(unsafeSQL: RuleQueries.aggregateLineMonths(from: RuleQueries.staleMonthLines), binds: pairs),
                    logger: logger)
            } else {
                for lines in [RuleQueries.staleScopeLines, RuleQueries.staleLines] {
                    try await connection.run(PostgresQuery(unsafeSQL: RuleQueries.aggregateLineMonths(from: lines)), logger: logger)
                }
            }
            let rows = try await connection.rows("SELECT count(*)::int FROM sweep_stale_month", logger: logger)
            stale = try rows[0].decode(Int.self)
            try await connection.run("DROP TABLE sweep_stale_month", logger: logger)
        } else {
            try await connection.run("TRUNCATE sweep_line_month", logger: logger)
            try await connection.run(
                PostgresQuery(unsafeSQL: RuleQueries.aggregateLineMonths(from: "declaration_line d")), logger: logger)
            try await connection.run("ANALYZE sweep_line_month", logger: logger)
        }
        try await connection.run(
            """
            INSERT INTO sweep_line_month_state (only_row, sweep_run_id) VALUES (true, \(sweepID))
            ON CONFLICT (only_row) DO UPDATE SET sweep_run_id = excluded.sweep_run_id
            """, logger: logger)
        for statement in RuleQueries.lateLineMonths {
            var binds = PostgresBindings()
            binds.append(asOf)
            try await connection.run(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
        }
        try await connection.run("ANALYZE sweep_late_pair", logger: logger)
        return stale
    }

    /// Forgets the pair-months vacated before `watermark` (this sweep's): by now the line months, the scope and the
    /// validity of the stored statistical baselines have all read them. Called once those are prepared, so a
    /// deletion that made stored baselines stale is seen before it is forgotten.
    public func forgetVacated(before watermark: Date) async throws {
        try await connection.run("DELETE FROM declaration_line_vacated WHERE vacated_at < \(watermark)", logger: logger)
    }
}
