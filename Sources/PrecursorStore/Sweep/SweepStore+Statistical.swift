import PostgresNIO
import PrecursorCore

extension SweepStore {
    /// Builds the inputs of the statistical rules (`sweep_stat_month`, `sweep_stat_first`, `sweep_season`) for every
    /// firm, whatever the sweep's scope: peers and the seasonal index need them all.
    public func buildStatisticalTables(asOf: CivilDate) async throws {
        for statement in RuleQueries.statisticalTables() {
            var binds = PostgresBindings()
            if statement.contains("$1") { binds.append(asOf.description) }
            try await connection.run(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
        }
    }
}
