import Foundation
import Logging
import PrecursorCore
import PrecursorStore

extension SweepRunner {
    /// Makes the statistical rules' inputs ready: the baselines of the as-of date (`reused`: the sweep that computed
    /// the stored ones, still valid; else computed now, with `lines`, their part read from the lines alone on a second
    /// connection, or here when there was none), then the
    /// month tables of the pairs the sweep reports, and their window's tables unless `windowTables` is false (another
    /// connection builds them for the rules it evaluates). Returns the seconds of each step (`statistical_baselines`,
    /// `statistical_tables`).
    func prepareStatistical(
        store: SweepStore, asOf: CivilDate, scoped: Bool, sweepID: Int64, watermark: Date, thresholds: RuleThresholds,
        reused: Int64?, lines: SweepStore.LineBaselines?, windowTables: Bool
    ) async throws -> [String: Double] {
        let clock = ContinuousClock()
        let start = clock.now
        if let reused {
            logger.debug("statistical baselines reused", metadata: ["sweep_id": "\(sweepID)", "computed_by": "\(reused)"])
        } else {
            let computed: SweepStore.LineBaselines
            if let lines {
                computed = lines
            } else {
                computed = try await SweepStore.lineBaselines(
                    on: store.connection, snapshot: nil, asOf: asOf, splitBand: thresholds[.frequencySpike, "split_band"],
                    logger: logger)
            }
            try await store.buildBaselines(asOf: asOf, sweepID: sweepID, watermark: watermark, lines: computed)
        }
        let tablesStart = clock.now
        if windowTables { try await store.buildWindowTables(asOf: asOf, scoped: scoped) }
        try await store.buildStatisticalTables(
            asOf: asOf, scoped: scoped, historyComputed: reused == nil, newMonths: thresholds[.peerOutlier, "new_months"])
        return [
            "statistical_baselines": (tablesStart - start).seconds, "statistical_tables": (clock.now - tablesStart).seconds,
        ]
    }

    /// The baselines read from the lines alone, computed on a connection of their own on `snapshot` (this sweep's
    /// transaction's); nil without a snapshot (the baselines are reused, or the pool has a single connection).
    static func lineBaselines(
        database: Database, snapshot: String?, asOf: CivilDate, splitBand: Double, logger: Logger
    ) async throws -> SweepStore.LineBaselines? {
        guard let snapshot else { return nil }
        return try await database.client.withConnection { connection in
            try await SweepStore.lineBaselines(on: connection, snapshot: snapshot, asOf: asOf, splitBand: splitBand, logger: logger)
        }
    }

    /// The hits of the rules that read nothing a sweep's transaction writes (`SweepStore.committedOnlyRules`, then those
    /// of `shared` it gets first), in an
    /// incremental sweep since `previous`, evaluated on a connection of their own on `snapshot` (the sweep
    /// transaction's); nil without a snapshot (they are evaluated in the sweep's own transaction).
    static func committedOnlyHits(
        database: Database, snapshot: String?, previous: SweepStore.PreviousSweep?, asOf: CivilDate, monthScanPairs: Double,
        thresholds: RuleThresholds, shared: RuleQueue, logger: Logger
    ) async throws -> SweepStore.CommittedOnlyHits? {
        guard let snapshot, let previous else { return nil }
        let rules = SweepStore.committedOnlyRules.map { ($0, parameters($0, thresholds)) }
        return try await database.client.withConnection { connection in
            try await SweepStore.committedOnlyHits(
                on: connection, snapshot: snapshot, previous: previous, asOf: asOf, monthScanPairs: monthScanPairs, rules: rules,
                more: { await shared.next().map { ($0, parameters($0, thresholds)) } }, logger: logger)
        }
    }

    /// The bind parameters of the statistical, data-quality and exploration rule queries after the as-of date, in
    /// the order `RuleQueries+Statistical` documents them.
    static func statisticalParameters(_ rule: SweepRule, _ t: RuleThresholds) -> [Double] {
        switch rule {
        case .volumeSpike:
            [
                t[rule, "z"], t[rule, "mean_ratio"], t[rule, "min_active_months"], t[rule, "mad_floor"], t[rule, "floor_kg"],
                t[rule, "confirm_ratio"], t[rule, "confirm_minus_log10_p"], t[rule, "count_size"], t[rule, "min_rate"],
                t[rule, "after_low"], t[rule, "after_high"],
            ]
        case .peerOutlier:
            [t[rule, "z"], t[rule, "min_peers"], t[rule, "mad_floor"], t[rule, "median_ratio"], t[rule, "new_months"]]
        case .frequencySpike:
            [
                t[rule, "minus_log10_p"], t[rule, "min_shipments"], t[rule, "split_band"], t[rule, "split_ratio"],
                t[rule, "min_history_days"], t[rule, "split_span_days"],
            ]
        case .routeNovelty:
            [
                t[rule, "min_history_months"], t[rule, "express_weight"], t[rule, "air_weight"], t[rule, "kh_la_weight"],
                t[rule, "rare_origin_share"], t[rule, "min_weight"],
            ]
        case .valueOutlier: [t[rule, "z"], t[rule, "min_peers"], t[rule, "mad_floor"], t[rule, "ratio"]]
        case .unitSlip: [t[rule, "low_ratio"], t[rule, "high_ratio"], t[rule, "min_lines"]]
        case .negativeStock: [t[rule, "tolerance_pct"], t[rule, "floor_kg"]]
        case .exploration: [0, 0]
        default: []
        }
    }

    /// Exploration draws its slice only in scheduled full sweeps; the draw is seeded by the sweep id.
    static func explorationParameters(_ t: RuleThresholds, sweepID: Int64, scheduledFull: Bool) -> [Double] {
        [scheduledFull ? t[.exploration, "share"] : 0, Double(sweepID)]
    }
}

/// The rules either connection of a parallel incremental sweep may evaluate (`SweepStore.eitherConnectionRules`), handed
/// out one at a time to whichever asks first: how long each side's own work takes depends on the data and on the
/// machine's load, so a fixed split would leave one connection waiting for the other.
actor RuleQueue {
    private var pending: ArraySlice<SweepRule>

    init(_ rules: [SweepRule]) { pending = rules[...] }

    func next() -> SweepRule? { pending.popFirst() }
}
