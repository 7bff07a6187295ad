import Foundation
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

    /// Computes the baselines of the statistical rules for `asOf` from the lines before its month (replacing any
    /// stored for that date), records them as computed by `sweepID` from a snapshot taken after `watermark`, and
    /// keeps only the most recent few as-of dates. `splitBand` is frequency_spike's `split_band`.
    public func buildBaselines(asOf: CivilDate, sweepID: Int64, watermark: Date, splitBand: Double) async throws {
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
            RuleQueries.baselineSeason, RuleQueries.baselineSpike, RuleQueries.baselinePeers, RuleQueries.baselineRoutes, RuleQueries.baselineOrigins,
        ] {
            try await run(statement)
        }
        try await run(RuleQueries.baselineFrequency) { $0.append(splitBand) }
        try await run(RuleQueries.baselineValues)
        try await run(RuleQueries.baselineUnits)
        for statement in RuleQueries.baselinePrunes() {
            try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// Builds the current part of the statistical rules' inputs for `asOf` (`RuleQueries.statisticalTables`): every
    /// pair's, or in a `scoped` sweep the pairs of `sweep_scope`, on top of the stored baselines of that date;
    /// `historyComputed`: `buildBaselines` ran in this transaction (its months are read again, not aggregated);
    /// `newMonths`: peer_outlier's `new_months`, the newcomers whose every month the rule reads.
    public func buildStatisticalTables(asOf: CivilDate, scoped: Bool, historyComputed: Bool, newMonths: Double) async throws {
        for statement in RuleQueries.statisticalTables(scoped: scoped, historyComputed: historyComputed) {
            var binds = PostgresBindings()
            if statement.contains("$1") { binds.append(asOf) }
            if statement.contains("$2") { binds.append(newMonths) }
            try await connection.run(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
        }
    }
}
