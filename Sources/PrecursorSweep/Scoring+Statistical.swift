import PrecursorCore

extension Scoring {
    /// Points of the statistical rules: the rule's points × how far past its threshold the statistic is (capped);
    /// a route's weight; the fixed points of the data-quality findings (their own queue) and of exploration.
    static func statisticalScore(_ hit: RuleHit, _ t: RuleThresholds) -> (Double, Severity) {
        let rule = hit.rule
        switch rule {
        case .volumeSpike, .valueOutlier:
            let multiple = min(t[rule, "cap"], max(1, abs(hit.statistic ?? 0) / max(hit.threshold, 0.001)))
            return (t[rule, "points"] * multiple, multiple >= 2 ? .high : .medium)
        case .peerOutlier:
            let multiple = min(t[rule, "cap"], max(1, (hit.statistic ?? 0) / max(hit.threshold, 0.001)))
            let confidence = hit.kind == "low_confidence" ? t[rule, "low_confidence_factor"] : 1
            return (t[rule, "points"] * multiple * confidence, hit.kind == "low_confidence" ? .low : (multiple >= 2 ? .high : .medium))
        case .frequencySpike:
            if hit.kind == "split" {
                let multiple = min(t[rule, "cap"], max(1, hit.observed / max(hit.expected, 1)))
                return (t[rule, "split_points"] * multiple, .high)
            }
            let multiple = min(t[rule, "cap"], max(1, (hit.statistic ?? 0) / max(hit.threshold, 0.001)))
            return (t[rule, "points"] * multiple, multiple >= 2 ? .high : .medium)
        case .routeNovelty:
            if hit.kind == "courier_table_i" { return (t[rule, "table_i_courier_points"], .high) }
            let weight = hit.statistic ?? 1
            return (t[rule, "points"] * weight, weight >= 2 ? .high : .medium)
        case .unitSlip, .negativeStock:
            return (t[rule, "points"], .low)
        default:
            return (t[rule, "points"], .info)
        }
    }
}
