import PrecursorCore

/// Turns a rule hit into a finding: score and severity from the thresholds (DESIGN §5: the licence rules are
/// critical; the others earn points that grow with how far past the threshold the facts are), then the wording.
public enum Scoring {
    public static func finding(for hit: RuleHit, thresholds: RuleThresholds) -> Finding {
        let (score, severity) = scoreAndSeverity(hit, thresholds)
        let (en, vi) = Wording.reasons(for: hit)
        return Finding(hit: hit, score: score.rounded(toPlaces: 3), severity: severity, reasonEN: en, reasonVI: vi)
    }

    static func scoreAndSeverity(_ hit: RuleHit, _ t: RuleThresholds) -> (Double, Severity) {
        switch hit.rule {
        case .unlicensedImport, .licenceInvalid:
            return (t[hit.rule, "points"], .critical)
        case .licenceOverdrawn:
            guard hit.kind == "over" else { return (t[hit.rule, "warning_points"], .medium) }
            let ratio = hit.expected > 0 ? hit.observed / hit.expected : 2
            let overPercent = min(100, max(0, (ratio - 1) * 100))
            return (t[hit.rule, "points"] + overPercent, .critical)
        case .reportMismatch, .balanceGap:
            let multiple = excessMultiple(hit)
            let score = t[hit.rule, "points"] * min(t[hit.rule, "cap"], multiple)
            return (score, multiple >= 3 ? .high : .medium)
        case .missingReport:
            let moved = hit.records > 0
            return (t[hit.rule, "points"] * (moved ? t[hit.rule, "movement_factor"] : 1), moved ? .medium : .low)
        case .volumeSpike, .peerOutlier, .frequencySpike, .routeNovelty, .valueOutlier, .unitSlip, .negativeStock,
            .exploration:
            return statisticalScore(hit, t)
        }
    }

    /// |observed − expected| as a multiple of the threshold (≥ 1 for anything the rule reported).
    static func excessMultiple(_ hit: RuleHit) -> Double {
        let difference = abs(hit.observed - hit.expected)
        return hit.threshold > 0 ? difference / hit.threshold : 1
    }
}
