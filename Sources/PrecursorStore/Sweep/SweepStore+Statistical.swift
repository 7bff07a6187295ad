import Foundation
import Logging
import PostgresNIO
import PrecursorCore

extension SweepStore {
    /// The sweep that computed the stored baselines of the statistical rules for `asOf`, when they are still valid
    /// (see `RuleQueries.validBaselines`); nil when there are none or something they were computed from changed.
    public func reusableBaselines(asOf: CivilDate) async throws -> Int64? {
        var binds = PostgresBindings()
        binds.append(asOf)
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: RuleQueries.validBaselines, binds: binds), logger: logger)
        return try rows.first?.decode(Int64.self)
    }

    /// The baselines computed from the declaration lines alone (`RuleQueries.lineFrequency`, `lineValues`,
    /// `lineUnits`), each as the JSON its statement returned, to be stored by `buildBaselines`.
    public struct LineBaselines: Sendable {
        let frequency: String
        let values: String
        let units: String
    }

    /// The snapshot of this sweep's transaction, for `lineBaselines(on:snapshot:…)` on another connection.
    public func exportSnapshot() async throws -> String {
        let rows = try await connection.rows("SELECT pg_export_snapshot()", logger: logger)
        return try rows[0].decode(String.self)
    }

    /// Computes the line baselines of `asOf` (`splitBand`: frequency_spike's `split_band`) on `connection`: in its
    /// current transaction when `snapshot` is nil, else in a read-only transaction of its own on that exported
    /// snapshot, so another connection reads exactly what the sweep's transaction reads while the sweep goes on
    /// (the two cores of the bench machine: 3.4 s of a full sweep at 5,000 firms ran beside the line months).
    public static func lineBaselines(
        on connection: PostgresConnection, snapshot: String?, asOf: CivilDate, splitBand: Double, logger: Logger
    ) async throws -> LineBaselines {
        func json(_ sql: String, _ extra: Double? = nil) async throws -> String {
            var binds = PostgresBindings()
            binds.append(asOf)
            if let extra { binds.append(extra) }
            let rows = try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            return try rows[0].decode(String.self)
        }
        func compute() async throws -> LineBaselines {
            LineBaselines(
                frequency: try await json(RuleQueries.lineFrequency, splitBand), values: try await json(RuleQueries.lineValues),
                units: try await json(RuleQueries.lineUnits))
        }
        guard let snapshot else { return try await compute() }
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw StoreError.configuration("unexpected snapshot identifier \(snapshot)")
        }
        return try await connection.transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", settings: ["SET TRANSACTION SNAPSHOT '\(snapshot)'", "SET LOCAL jit = off"],
            logger: logger
        ) { try await compute() }
    }

    /// Computes the baselines of the statistical rules for `asOf` from the lines before its month (replacing any
    /// stored for that date), with `lines` (computed from the same snapshot), records them as computed by `sweepID`
    /// from a snapshot taken after `watermark`, and keeps only the most recent few as-of dates.
    public func buildBaselines(asOf: CivilDate, sweepID: Int64, watermark: Date, lines: LineBaselines) async throws {
        func run(_ sql: String, _ extra: (inout PostgresBindings) -> Void = { _ in }) async throws {
            var binds = PostgresBindings()
            binds.append(asOf)
            extra(&binds)
            try await connection.run(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        }
        for statement in RuleQueries.baselineDeletes() { try await run(statement) }
        try await run(RuleQueries.baselineMonths)
        try await run(RuleQueries.baselinePairs)
        // The later statements join these two: planned with the statistics of empty tables, the peers' join ran
        // for minutes at 5,000 firms.
        for table in ["sweep_hist_month", "sweep_baseline_pair"] {
            try await connection.run(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger)
        }
        try await run(RuleQueries.baselineRecord) {
            $0.append(sweepID)
            $0.append(watermark)
        }
        for statement in [
            RuleQueries.baselineSeason, RuleQueries.baselineSpike, RuleQueries.baselinePeers, RuleQueries.baselineRoutes,
            RuleQueries.baselineOrigins,
        ] {
            try await run(statement)
        }
        for statement in RuleQueries.storeFrequency { try await run(statement) { $0.append(lines.frequency) } }
        try await run(RuleQueries.storeValues) { $0.append(lines.values) }
        try await run(RuleQueries.storeUnits) { $0.append(lines.units) }
        for statement in RuleQueries.baselinePrunes() {
            try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// Builds the month tables of the statistical rules for `asOf` (`RuleQueries.statisticalTables`): every pair's, or
    /// in a `scoped` sweep the pairs of `sweep_scope`, on top of the stored baselines of that date and the line months
    /// (`refreshLineMonths` first); `historyComputed`: `buildBaselines` ran in this transaction (its months are read
    /// again, not aggregated); `newMonths`: peer_outlier's `new_months`, the newcomers whose every month the rule reads.
    public func buildStatisticalTables(asOf: CivilDate, scoped: Bool, historyComputed: Bool, newMonths: Double) async throws {
        for statement in RuleQueries.statisticalTables(scoped: scoped, historyComputed: historyComputed) {
            var binds = PostgresBindings()
            if statement.contains("$1") { binds.append(asOf) }
            if statement.contains("$2") { binds.append(newMonths) }
            try await connection.run(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
        }
        try await analyzeSampled(["sweep_stat_month", "sweep_stat_first"])
    }

    /// Builds the window's tables for `asOf` (`RuleQueries.windowTables`): the import lines of the window and the
    /// substances' importers, every pair's or in a `scoped` sweep those of `sweep_scope` (`buildScope` first).
    public func buildWindowTables(asOf: CivilDate, scoped: Bool) async throws {
        for statement in RuleQueries.windowTables(scoped: scoped) {
            var binds = PostgresBindings()
            binds.append(asOf)
            try await connection.run(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
        }
        try await analyzeSampled(["sweep_cur_line"])
    }
}
