import PrecursorCore

extension SweepRunner {
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
