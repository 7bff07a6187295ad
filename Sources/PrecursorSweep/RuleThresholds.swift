import PrecursorCore

/// The rule thresholds a sweep runs with (`rule_config`), read once at its start so one sweep uses one set.
public struct RuleThresholds: Sendable, Equatable, Codable {
    /// Values by rule and key, e.g. `["report_mismatch": ["tolerance_pct": 5]]`.
    public private(set) var values: [String: [String: Double]]

    /// The defaults seeded by the migration, used for any key the table lacks.
    public static let defaults: [String: [String: Double]] = [
        "unlicensed_import": ["points": 100],
        "licence_invalid": ["points": 90],
        "licence_overdrawn": ["critical_ratio": 1.0, "warning_ratio": 0.9, "points": 80, "warning_points": 15],
        "report_mismatch": ["tolerance_pct": 5, "floor_kg": 1, "points": 20, "cap": 5, "cutoff_days": 1],
        "balance_gap": ["tolerance_pct": 2, "floor_kg": 1, "points": 15, "cap": 5],
        "missing_report": ["points": 10, "movement_factor": 2, "lookback_months": 12],
        "policy": ["realert_ratio": 1.5],
        "sweep": ["month_scan_pairs": 1_000],
    ].merging(statisticalDefaults) { current, _ in current }

    public init(_ rows: [(rule: String, key: String, value: Double)] = []) {
        values = Self.defaults
        for row in rows { values[row.rule, default: [:]][row.key] = row.value }
    }

    /// The value for `rule` and `key`; a key with no default and no row is a programming error.
    public subscript(rule: String, key: String) -> Double {
        guard let value = values[rule]?[key] else { preconditionFailure("no threshold \(rule).\(key)") }
        return value
    }

    public subscript(rule: SweepRule, key: String) -> Double { self[rule.rawValue, key] }
}
