import Foundation
import Logging
import PostgresNIO
import PrecursorCore

extension SweepStore {
    /// The rules whose queries read no table that a sweep's transaction writes — only the registry, the declaration
    /// lines, the reports, the stored baselines, and the temporary tables of the scope (`buildScope`) and of the window
    /// (`buildWindowTables`), which any connection can build. An incremental sweep that reuses committed baselines
    /// evaluates them on a second connection, on its own transaction's exported snapshot, while its own connection
    /// brings the line months up to date and evaluates the rest (`committedOnlyHits`): these on the second connection,
    /// which alone builds the scope's and the window's lines for them, and `eitherConnectionRules` on whichever of the
    /// two is free first.
    public static let committedOnlyRules: [SweepRule] = [
        .unlicensedImport, .licenceInvalid, .frequencySpike, .routeNovelty, .valueOutlier, .unitSlip,
    ]

    /// The rules that read, besides committed tables, only `sweep_scope`, which both connections of a parallel
    /// incremental sweep build; the slowest first.
    public static let eitherConnectionRules: [SweepRule] = [.missingReport, .balanceGap, .negativeStock]

    /// What `committedOnlyHits` found: each rule's hits, and the seconds of each rule and of the scope and window
    /// tables it built first (`committed_inputs`).
    public struct CommittedOnlyHits: Sendable {
        public var hits: [SweepRule: [RuleHit]] = [:]
        public var seconds: [String: Double] = [:]
    }

    /// The hits of `rules` (each with its bind parameters after the as-of date; all of `committedOnlyRules`), then of
    /// the rules `more` hands out until it returns nil (of `eitherConnectionRules`), in an incremental sweep since
    /// `previous` as of `asOf`, evaluated on `connection` in a transaction of its own on `snapshot` (exported by the
    /// sweep's transaction, which must not have written the stored baselines): it builds the same scope as the sweep's
    /// own connection (`monthScanPairs`: `rule_config` sweep.month_scan_pairs) and the window's tables, runs the rules,
    /// and rolls back, so it leaves nothing.
    public static func committedOnlyHits(
        on connection: PostgresConnection, snapshot: String, previous: PreviousSweep, asOf: CivilDate, monthScanPairs: Double,
        rules: [(rule: SweepRule, parameters: [Double])],
        more: @escaping @Sendable () async -> (rule: SweepRule, parameters: [Double])?, logger: Logger
    ) async throws -> CommittedOnlyHits {
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw StoreError.configuration("unexpected snapshot identifier \(snapshot)")
        }
        let store = SweepStore(connection: connection, logger: logger)
        await store.enlargeTemporaryBuffers()
        func evaluate() async throws -> CommittedOnlyHits {
            let clock = ContinuousClock()
            var found = CommittedOnlyHits()
            var start = clock.now
            _ = try await store.buildScope(since: previous, asOf: asOf, monthScanPairs: monthScanPairs)
            try await store.buildWindowTables(asOf: asOf, scoped: true)
            found.seconds["committed_inputs"] = (clock.now - start).seconds
            var own = rules[...]
            while true {
                var next = own.popFirst()
                if next == nil { next = await more() }
                guard let (rule, parameters) = next else { break }
                start = clock.now
                found.hits[rule] = try await store.hits(of: rule, asOf: asOf, scoped: true, parameters: parameters)
                found.seconds[rule.rawValue] = (clock.now - start).seconds
            }
            return found
        }
        // Read-write, as it creates temporary tables, but rolled back: nothing it does outlives it.
        let rollBack: (CommittedOnlyHits) -> Bool = { _ in false }
        return try await connection.transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ", settings: ["SET TRANSACTION SNAPSHOT '\(snapshot)'", "SET LOCAL jit = off"],
            logger: logger, keep: rollBack
        ) { try await evaluate() }
    }
}
