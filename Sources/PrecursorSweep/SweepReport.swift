import Foundation
import PrecursorCore

/// What a sweep did: printed by `precursorctl admin sweep run`, stored (counts) in `sweep_run`, logged.
public struct SweepReport: Sendable, Codable {
    /// An alert raised (or raised again) by the sweep.
    public struct Raised: Sendable, Codable {
        public var alertID: Int64
        public var taxCode: String
        public var firmName: String
        public var substance: String?
        public var rule: String
        public var severity: String
        public var score: Double
        /// `new`, `new_rule` or `score_rose`.
        public var outcome: String
        public var reasonEN: String
        public var reasonVI: String

        enum CodingKeys: String, CodingKey {
            case alertID = "alert_id"
            case taxCode = "tax_code"
            case firmName = "firm_name"
            case substance, rule, severity, score, outcome
            case reasonEN = "reason_en"
            case reasonVI = "reason_vi"
        }
    }

    public var id: Int64
    public var kind: SweepRunner.Request.Kind
    /// The scope run: an incremental request runs full when there is no earlier sweep, the as-of date went
    /// back, or thresholds changed.
    public var scope: SweepRunner.Request.Scope
    public var requestedScope: SweepRunner.Request.Scope
    public var asOf: String
    public var startedAt: Date
    public var seconds: Double
    /// What an incremental sweep examined: pair-months, whole pairs and firm-months (`sweep_scope` rows).
    public var scopeEntries: Int?
    /// Findings per rule.
    public var findings: [String: Int]
    /// Alerts raised per rule (of the alert's strongest finding).
    public var alerts: [String: Int]
    /// Alert groups per policy outcome: new, new_rule, score_rose, quiet, suppressed.
    public var outcomes: [String: Int]
    /// Seconds per rule query, and per step that prepares them (`line_months`, `statistical_tables`, …; in a parallel
    /// incremental sweep the rules evaluated on the second connection are timed there, `committed_inputs` is its scope
    /// and window lines and `committed_only_wait` how long this sweep then waited for it).
    public var ruleSeconds: [String: Double]
    /// The alerts raised, strongest first.
    public var top: [Raised]

    enum CodingKeys: String, CodingKey {
        case id, kind, scope
        case requestedScope = "requested_scope"
        case asOf = "as_of"
        case startedAt = "started_at"
        case seconds
        case scopeEntries = "scope_entries"
        case findings, alerts, outcomes
        case ruleSeconds = "rule_seconds"
        case top
    }

    public var findingCount: Int { findings.values.reduce(0, +) }
    public var alertCount: Int { alerts.values.reduce(0, +) }

    /// The counts stored in `sweep_run.counts` and the audit log.
    func countsJSON() throws -> String {
        struct Counts: Encodable {
            var findings: [String: Int]
            var alerts: [String: Int]
            var outcomes: [String: Int]
            var scopeEntries: Int?
            var seconds: Double
            var ruleSeconds: [String: Double]
            enum CodingKeys: String, CodingKey {
                case findings, alerts, outcomes
                case scopeEntries = "scope_entries"
                case seconds
                case ruleSeconds = "rule_seconds"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let counts = Counts(
            findings: findings, alerts: alerts, outcomes: outcomes, scopeEntries: scopeEntries, seconds: seconds.rounded(toPlaces: 3),
            ruleSeconds: ruleSeconds.mapValues { $0.rounded(toPlaces: 3) })
        return String(decoding: try encoder.encode(counts), as: UTF8.self)
    }
}
