import PrecursorCore

/// A scored, worded finding: one rule hit with its score, severity and the sentences an analyst reads.
public struct Finding: Sendable, Equatable, Codable {
    public var hit: RuleHit
    public var score: Double
    public var severity: Severity
    /// One sentence saying what was observed, what was expected and the threshold, in English and Vietnamese.
    public var reasonEN: String
    public var reasonVI: String

    public var rule: SweepRule { hit.rule }
    public var dedupeKey: String { hit.dedupeKey }

    /// The evidence stored with the finding and carried in the alert payload.
    public var evidence: Evidence {
        Evidence(
            rule: hit.rule.rawValue, kind: hit.kind, period: hit.period, direction: hit.direction,
            observedKg: hit.observed.rounded(toPlaces: 3), expectedKg: hit.expected.rounded(toPlaces: 3),
            threshold: hit.threshold.rounded(toPlaces: 3), score: score.rounded(toPlaces: 3), severity: severity.rawValue,
            firstDate: hit.firstDate?.description, lastDate: hit.lastDate?.description, reference: hit.reference,
            referenceDate: hit.referenceDate?.description, records: hit.records, sources: hit.sources,
            hotRoute: hit.hotRoute, reasonEN: reasonEN, reasonVI: reasonVI, dedupeKey: dedupeKey,
            statistic: hit.statistic?.rounded(toPlaces: 3))
    }

    /// The JSON shape of a finding's evidence (snake_case keys).
    public struct Evidence: Sendable, Equatable, Codable {
        public var rule: String
        public var kind: String
        public var period: String
        public var direction: String?
        public var observedKg: Double
        public var expectedKg: Double
        public var threshold: Double
        public var score: Double
        public var severity: String
        public var firstDate: String?
        public var lastDate: String?
        public var reference: String?
        public var referenceDate: String?
        public var records: Int
        public var sources: SourceRecords
        public var hotRoute: Bool
        public var reasonEN: String
        public var reasonVI: String
        public var dedupeKey: String
        /// The statistical rules' test statistic (see `RuleHit.statistic`).
        public var statistic: Double? = nil

        enum CodingKeys: String, CodingKey {
            case rule, kind, period, direction, threshold, score, severity, reference, records, sources
            case observedKg = "observed_kg"
            case expectedKg = "expected_kg"
            case firstDate = "first_date"
            case lastDate = "last_date"
            case referenceDate = "reference_date"
            case hotRoute = "hot_route"
            case reasonEN = "reason_en"
            case reasonVI = "reason_vi"
            case dedupeKey = "dedupe_key"
            case statistic
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
