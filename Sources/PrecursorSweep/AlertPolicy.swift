import PrecursorCore

/// Which findings become alerts (DESIGN §5): one open alert per firm, substance and rule family; an open alert is
/// raised again only when a rule fires that it did not carry or its score rises by the re-alert ratio (default
/// 1.5×); evidence already judged in a closed alert is not raised again.
public enum AlertPolicy {
    /// The alert a group of findings maps to.
    public struct GroupKey: Hashable, Sendable {
        public var firmID: Int64
        public var substanceID: Int32?
        public var family: String

        public init(firmID: Int64, substanceID: Int32?, family: String) {
            self.firmID = firmID
            self.substanceID = substanceID
            self.family = family
        }
    }

    /// What the database holds for an open alert of a group.
    public struct OpenAlert: Sendable, Equatable {
        public var id: Int64
        public var score: Double
        public var rules: Set<String>
        public var evidenceKeys: [String]

        public init(id: Int64, score: Double, rules: Set<String>, evidenceKeys: [String]) {
            self.id = id
            self.score = score
            self.rules = rules
            self.evidenceKeys = evidenceKeys
        }
    }

    public enum Outcome: String, Sendable, Codable {
        /// No open alert: a new one.
        case new
        /// The open alert is raised again: a rule it did not carry fired.
        case newRule = "new_rule"
        /// The open alert is raised again: the score rose by the re-alert ratio or more.
        case scoreRose = "score_rose"
        /// The open alert already says this.
        case quiet
        /// Every finding was evidence of a closed alert.
        case suppressed
    }

    /// The decision for one group.
    public struct Decision: Sendable {
        public var key: GroupKey
        public var outcome: Outcome
        /// The group's findings not judged before, strongest first (empty when suppressed).
        public var findings: [Finding]
        /// Every finding of the group, including suppressed ones (all are stored).
        public var allFindings: [Finding]
        /// The open alert being raised again, if any.
        public var openAlert: OpenAlert?

        public var raises: Bool { outcome == .new || outcome == .newRule || outcome == .scoreRose }
        public var headline: Finding? { findings.first }
        public var score: Double { headline?.score ?? 0 }

        /// Evidence keys the alert carries after this raise: its earlier ones and the new findings'.
        public var evidenceKeys: [String] {
            var seen = Set<String>()
            var keys: [String] = []
            for key in (openAlert?.evidenceKeys ?? []) + findings.map(\.dedupeKey) where seen.insert(key).inserted {
                keys.append(key)
            }
            return keys
        }

        /// Rules the alert carries after this raise.
        public var rules: [String] {
            Array(Set(findings.map(\.rule.rawValue)).union(openAlert?.rules ?? [])).sorted()
        }
    }

    /// Groups `findings` by alert and decides each group. Deterministic: groups come back ordered by firm,
    /// substance and family; findings by score (then severity, rule and key).
    public static func decide(
        _ findings: [Finding], open: [GroupKey: OpenAlert], closedEvidence: [GroupKey: Set<String>], realertRatio: Double
    ) -> [Decision] {
        let groups = Dictionary(grouping: findings) { GroupKey(firmID: $0.hit.firmID, substanceID: $0.hit.substanceID, family: $0.rule.family) }
        return groups.keys.sorted(by: order).map { key in
            let all = groups[key]!.sorted(by: stronger)
            let closed = closedEvidence[key] ?? []
            let fresh = all.filter { !closed.contains($0.dedupeKey) }
            let current = open[key]
            var decision = Decision(key: key, outcome: .quiet, findings: fresh, allFindings: all, openAlert: current)
            if fresh.isEmpty {
                decision.outcome = .suppressed
            } else if let current {
                if !Set(fresh.map(\.rule.rawValue)).isSubset(of: current.rules) {
                    decision.outcome = .newRule
                } else if decision.score >= current.score * realertRatio && decision.score > current.score {
                    decision.outcome = .scoreRose
                }
            } else {
                decision.outcome = .new
            }
            return decision
        }
    }

    static func order(_ a: GroupKey, _ b: GroupKey) -> Bool {
        if a.firmID != b.firmID { return a.firmID < b.firmID }
        if a.substanceID != b.substanceID { return (a.substanceID ?? -1) < (b.substanceID ?? -1) }
        return a.family < b.family
    }

    static func stronger(_ a: Finding, _ b: Finding) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.severity != b.severity { return a.severity > b.severity }
        if a.rule != b.rule { return a.rule < b.rule }
        return a.dedupeKey > b.dedupeKey
    }
}
