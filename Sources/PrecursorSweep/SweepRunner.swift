import Foundation
import Logging
import PostgresNIO
import PrecursorCore
import PrecursorStore

/// Runs sweeps: the rules over the data as of a date, their findings stored, alerts raised through the outbox — all
/// in one transaction, so a sweep killed midway leaves nothing and the next one redoes the work. Sweeps are
/// serialised across daemons by a PostgreSQL advisory lock taken before the transaction's snapshot.
public struct SweepRunner: Sendable {
    /// What to sweep.
    public struct Request: Sendable {
        public enum Kind: String, Sendable, Codable { case scheduled, manual }
        public enum Scope: String, Sendable, Codable { case full, incremental }

        public var kind: Kind
        public var scope: Scope
        public var asOf: CivilDate
        /// The scheduler's slot (scheduled sweeps): a slot already run is skipped.
        public var slot: Date?
        public var actor: Principal
        public var requestID: String?

        public init(kind: Kind, scope: Scope, asOf: CivilDate, slot: Date? = nil, actor: Principal, requestID: String? = nil) {
            self.kind = kind
            self.scope = scope
            self.asOf = asOf
            self.slot = slot
            self.actor = actor
            self.requestID = requestID
        }
    }

    /// Key of the advisory lock that serialises sweeps (`hashtext('precursor.sweep')` is not stable across
    /// versions, so a fixed number).
    static let lockKey: Int64 = 0x5357_4545_5052_4547

    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Runs a sweep and returns its report; nil when a scheduled sweep found its slot taken or (with `wait`
    /// false) another sweep running.
    public func run(_ request: Request, wait: Bool = true) async throws -> SweepReport? {
        let started = Date()
        do {
            return try await database.client.withConnection { connection in
                try await locked(connection, wait: wait) {
                    let store = SweepStore(connection: connection, logger: logger)
                    await store.enlargeTemporaryBuffers()
                    try await store.refreshStatistics()
                    if request.scope == .incremental { try await store.summarizeChangedLines() }
                    let watermark = try await store.dataWatermark()
                    // The rule queries' cost estimates are large enough to trigger JIT compilation, which costs more
                    // than it saves here: measured 1.2 s of compilation for a 0.4 s missing_report query at 5,000
                    // firms. A slot another daemon already ran (nil) keeps nothing.
                    return try await connection.transaction(
                        "BEGIN ISOLATION LEVEL REPEATABLE READ", settings: ["SET LOCAL jit = off"], logger: logger,
                        keep: { $0 != nil }
                    ) {
                        try await sweep(request, store: store, watermark: watermark, started: started)
                    }
                }
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            let message = String(describing: error)
            logger.error("sweep failed", metadata: ["as_of": "\(request.asOf)", "scope": "\(request.scope.rawValue)", "error": "\(message)"])
            try? await database.recordFailedSweep(
                kind: request.kind.rawValue, scope: request.scope.rawValue, asOf: request.asOf, startedAt: started, error: message)
            throw error
        }
    }

    private func locked<T>(_ connection: PostgresConnection, wait: Bool, _ body: () async throws -> T?) async throws -> T? {
        if wait {
            try await connection.run("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
        } else {
            let rows = try await connection.rows("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
            guard try rows[0].decode(Bool.self) else {
                logger.debug("another sweep is running; skipping")
                return nil
            }
        }
        do {
            let value = try await body()
            try await connection.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            return value
        } catch {
            _ = try? await connection.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            throw error
        }
    }

    private func sweep(_ request: Request, store: SweepStore, watermark: Date, started: Date) async throws -> SweepReport? {
        let clock = ContinuousClock()
        let start = clock.now
        guard
            let sweepID = try await store.begin(
                kind: request.kind.rawValue, scope: request.scope.rawValue, asOf: request.asOf, slot: request.slot)
        else {
            logger.debug("sweep slot already run", metadata: ["slot": "\(request.slot.map { "\($0)" } ?? "-")"])
            return nil
        }
        let thresholds = RuleThresholds(try await store.thresholds())
        var scope = request.scope
        var since: SweepStore.PreviousSweep?
        if scope == .incremental {
            if let previous = try await store.previousSuccessful(), previous.asOf <= request.asOf,
                !(try await store.thresholdsChanged(since: previous.dataWatermark))
            {
                since = previous
            } else {
                scope = .full
            }
        }
        let scoped = scope == .incremental
        var timings: [String: Double] = [:]
        // The statistical baselines: reused while valid (incremental sweeps), else computed, the part read from the
        // lines alone on a second connection on this transaction's snapshot while this one builds the line months.
        // Reused (committed before this snapshot), that connection evaluates the rules that read nothing this
        // transaction writes instead, beside the line months and the other rules here.
        let reused = scoped ? try await store.reusableBaselines(asOf: request.asOf) : nil
        let snapshot = database.maximumConnections > 1 ? try await store.exportSnapshot() : nil
        let monthScanPairs = thresholds["sweep", "month_scan_pairs"]
        let parallel = since != nil && reused != nil && snapshot != nil
        let shared = RuleQueue(parallel ? SweepStore.eitherConnectionRules : [])
        async let sideLines = Self.lineBaselines(
            database: database, snapshot: reused == nil ? snapshot : nil, asOf: request.asOf,
            splitBand: thresholds[.frequencySpike, "split_band"], logger: logger)
        async let sideHits = Self.committedOnlyHits(
            database: database, snapshot: parallel ? snapshot : nil, previous: since, asOf: request.asOf,
            monthScanPairs: monthScanPairs, thresholds: thresholds, shared: shared, logger: logger)
        // With the line rules elsewhere, only the line months read the scope's lines here: read once, they are not kept.
        var scopeEntries: Int?
        if let since {
            scopeEntries = try await store.buildScope(
                since: since, asOf: request.asOf, monthScanPairs: monthScanPairs, lines: !parallel)
        }
        let lineMonthStart = clock.now
        try await store.refreshLineMonths(
            sweepID: sweepID, previous: since, asOf: request.asOf, monthScanPairs: parallel ? monthScanPairs : nil)
        timings["line_months"] = (clock.now - lineMonthStart).seconds
        let monthStart = clock.now
        try await store.buildMonthTable(asOf: request.asOf, scoped: scoped)
        timings["month_table"] = (clock.now - monthStart).seconds
        let waitStart = clock.now
        let lines = try await sideLines
        timings["line_baselines_wait"] = (clock.now - waitStart).seconds
        let statistical = try await prepareStatistical(
            store: store, asOf: request.asOf, scoped: scoped, sweepID: sweepID, watermark: watermark, thresholds: thresholds,
            reused: reused, lines: lines, windowTables: !parallel)
        timings.merge(statistical) { $1 }
        try await store.forgetVacated(before: watermark)

        // In a parallel sweep the other connection evaluates the committed-only rules, and either takes the shared ones.
        var hits: [SweepRule: [RuleHit]] = [:]
        let elsewhere = parallel ? Set(SweepStore.committedOnlyRules + SweepStore.eitherConnectionRules) : []
        var own = SweepRule.allCases.filter { !elsewhere.contains($0) }[...]
        while true {
            var next = own.popFirst()
            if next == nil { next = await shared.next() }
            guard let rule = next else { break }
            let ruleStart = clock.now
            var parameters = Self.parameters(rule, thresholds)
            if rule == .exploration {
                parameters = Self.explorationParameters(thresholds, sweepID: sweepID, scheduledFull: request.kind == .scheduled && scope == .full)
            }
            hits[rule] = try await store.hits(of: rule, asOf: request.asOf, scoped: scoped, parameters: parameters)
            timings[rule.rawValue] = (clock.now - ruleStart).seconds
        }
        let sideStart = clock.now
        if let side = try await sideHits {
            hits.merge(side.hits) { $1 }
            timings.merge(side.seconds) { $1 }
            timings["committed_only_wait"] = (clock.now - sideStart).seconds
        }
        let findings = SweepRule.allCases.flatMap { rule in
            (hits[rule] ?? []).map { Scoring.finding(for: $0, thresholds: thresholds) }
        }
        let raiseStart = clock.now
        let outcome = try await AlertRaiser(store: store, logger: logger).raise(
            findings, sweepID: sweepID, asOf: request.asOf, realertRatio: thresholds["policy", "realert_ratio"])
        timings["findings_and_alerts"] = (clock.now - raiseStart).seconds

        var report = SweepReport(
            id: sweepID, kind: request.kind, scope: scope, requestedScope: request.scope, asOf: request.asOf.description,
            startedAt: started, seconds: 0, scopeEntries: scopeEntries, findings: [:], alerts: [:], outcomes: outcome.outcomes,
            ruleSeconds: timings, top: outcome.top)
        for finding in findings { report.findings[finding.rule.rawValue, default: 0] += 1 }
        for (rule, count) in outcome.alertsByRule { report.alerts[rule] = count }
        report.seconds = (clock.now - start).seconds
        try await store.finish(
            sweepID: sweepID, scope: scope.rawValue, counts: try report.countsJSON(), findings: findings.count,
            alerts: outcome.raised, watermark: watermark)
        try await store.connection.audit(
            AuditEntry(
                actor: request.actor, action: "sweep.run", entityType: "sweep_run", entityID: String(sweepID),
                requestID: request.requestID, before: nil, after: try report.countsJSON()),
            logger: logger)
        logger.info(
            "sweep finished",
            metadata: [
                "sweep_id": "\(sweepID)", "scope": "\(scope.rawValue)", "as_of": "\(request.asOf)",
                "findings": "\(findings.count)", "alerts": "\(outcome.raised)", "seconds": "\(report.seconds)",
            ])
        return report
    }

    /// The bind parameters each rule query takes after the as-of date.
    static func parameters(_ rule: SweepRule, _ t: RuleThresholds) -> [Double] {
        switch rule {
        case .unlicensedImport, .licenceInvalid: []
        case .licenceOverdrawn: [t[rule, "critical_ratio"], t[rule, "warning_ratio"]]
        case .reportMismatch: [t[rule, "tolerance_pct"], t[rule, "floor_kg"], t[rule, "cutoff_days"]]
        case .balanceGap: [t[rule, "tolerance_pct"], t[rule, "floor_kg"]]
        case .missingReport: [t[rule, "lookback_months"]]
        case .volumeSpike, .peerOutlier, .frequencySpike, .routeNovelty, .valueOutlier, .unitSlip, .negativeStock,
            .exploration:
            statisticalParameters(rule, t)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
