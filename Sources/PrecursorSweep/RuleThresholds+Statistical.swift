/// Defaults of the statistical, data-quality and exploration rules, mirrored from `sql/0015_statistical_rules.sql`,
/// `sql/0017_confirmed_spikes.sql` and `sql/0024_spike_recall.sql`.
extension RuleThresholds {
    static let statisticalDefaults: [String: [String: Double]] = [
        "volume_spike": [
            "z": 3.5, "mean_ratio": 5, "min_active_months": 6, "mad_floor": 0.2, "floor_kg": 50, "points": 30, "cap": 3,
            "confirm_ratio": 3, "confirm_minus_log10_p": 3.5, "count_size": 10, "min_rate": 1, "after_low": 0.3, "after_high": 1.6,
        ],
        "peer_outlier": [
            "z": 2.5, "min_peers": 8, "mad_floor": 0.25, "median_ratio": 3, "new_months": 3, "points": 30, "cap": 3,
            "low_confidence_factor": 0.5,
        ],
        "frequency_spike": [
            "minus_log10_p": 8, "min_shipments": 3, "split_band": 0.9, "split_ratio": 3, "min_history_days": 90, "split_span_days": 10,
            "points": 25, "split_points": 40, "cap": 3,
        ],
        "route_novelty": [
            "min_history_months": 3, "express_weight": 2, "air_weight": 1.5, "kh_la_weight": 2, "rare_origin_share": 0.1,
            "min_weight": 1, "points": 20, "table_i_courier_points": 60,
        ],
        "value_outlier": ["z": 3.5, "min_peers": 8, "mad_floor": 0.1, "ratio": 2, "points": 25, "cap": 3],
        "unit_slip": ["low_ratio": 300, "high_ratio": 3000, "min_lines": 3, "points": 10],
        "negative_stock": ["tolerance_pct": 2, "floor_kg": 1, "points": 10],
        "exploration": ["share": 0.02, "points": 0],
    ]
}
