/// The anomaly rules a sweep evaluates (DESIGN §5), with the family that groups their alerts: one open alert
/// exists per firm, substance and family, so correlated rules of one family do not pile up.
public enum SweepRule: String, Sendable, CaseIterable, Codable, Comparable {
    case unlicensedImport = "unlicensed_import"
    case licenceInvalid = "licence_invalid"
    case licenceOverdrawn = "licence_overdrawn"
    case reportMismatch = "report_mismatch"
    case balanceGap = "balance_gap"
    case missingReport = "missing_report"
    case volumeSpike = "volume_spike"
    case peerOutlier = "peer_outlier"
    case frequencySpike = "frequency_spike"
    case routeNovelty = "route_novelty"
    case valueOutlier = "value_outlier"
    case unitSlip = "unit_slip"
    case negativeStock = "negative_stock"
    case exploration

    /// The alert family: `licence`, `reconciliation`, `volume`, `route`, `value`, `data_quality` (its own queue,
    /// not the risk queue) or `exploration` (a random slice of firms queued for a look).
    public var family: String {
        switch self {
        case .unlicensedImport, .licenceInvalid, .licenceOverdrawn: "licence"
        case .reportMismatch, .balanceGap, .missingReport: "reconciliation"
        case .volumeSpike, .peerOutlier, .frequencySpike: "volume"
        case .routeNovelty: "route"
        case .valueOutlier: "value"
        case .unitSlip, .negativeStock: "data_quality"
        case .exploration: "exploration"
        }
    }

    /// Order of precedence when two findings of one alert score the same: licence rules first.
    var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: SweepRule, rhs: SweepRule) -> Bool { lhs.rank < rhs.rank }
}

/// How urgent a finding or alert is; `critical` for the licence rules, the others by score.
public enum Severity: String, Sendable, CaseIterable, Codable, Comparable {
    case info, low, medium, high, critical

    var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// What a rule's set-based query found for one firm, substance and period, before scoring and wording:
/// the raw facts (kilograms of pure substance, dates, the records involved).
public struct RuleHit: Sendable, Equatable, Codable {
    /// The rule that fired.
    public var rule: SweepRule
    /// The rule's variant: `import`/`export` (unlicensed, mismatch), `expired`, `revoked`, `unknown`, … (invalid),
    /// `over`/`near` (overdrawn), `identity`/`continuity` (balance), `missing`.
    public var kind: String
    public var firmID: Int64
    /// Tax code (mã số thuế) and name of the firm.
    public var taxCode: String
    public var firmName: String
    /// Nil for firm-level findings (a missing report).
    public var substanceID: Int32?
    public var substanceCode: String?
    public var substanceNameEN: String?
    public var substanceNameVI: String?
    /// `2026-03` for movement months, `2026-Q1`/`2026` for report periods.
    public var period: String
    /// `import` or `export` where the movements have a direction.
    public var direction: String?
    /// What was observed and what was expected, in kg of pure substance (counts for shipment limits).
    public var observed: Double
    public var expected: Double
    /// The threshold the difference was held against (kg, or a count), 0 when any occurrence fires.
    public var threshold: Double
    /// First and last day of the movements involved.
    public var firstDate: CivilDate?
    public var lastDate: CivilDate?
    /// The licence number (licence rules) or facility code (balance) the finding is about.
    public var reference: String?
    /// A date that explains the finding: the licence's last valid day, its first valid day, a report's due date.
    public var referenceDate: CivilDate?
    /// How many records (declaration lines, report rows) are involved.
    public var records: Int
    /// The records themselves, capped: declaration `NO/LINE`s, licence numbers, report ids.
    public var sources: SourceRecords
    /// Whether any movement went through a hot-route customs office.
    public var hotRoute: Bool
    /// The test statistic of a statistical rule: robust z (volume, peers, value), −log10 p (shipment counts), the
    /// route weight (route novelty), the ratio to the usual line (unit slips); nil for the other rules.
    public var statistic: Double?

    public init(
        rule: SweepRule, kind: String, firmID: Int64, taxCode: String, firmName: String, substanceID: Int32?,
        substanceCode: String?, substanceNameEN: String?, substanceNameVI: String?, period: String, direction: String?,
        observed: Double, expected: Double, threshold: Double, firstDate: CivilDate? = nil, lastDate: CivilDate? = nil,
        reference: String? = nil, referenceDate: CivilDate? = nil, records: Int, sources: SourceRecords, hotRoute: Bool,
        statistic: Double? = nil
    ) {
        self.rule = rule
        self.kind = kind
        self.firmID = firmID
        self.taxCode = taxCode
        self.firmName = firmName
        self.substanceID = substanceID
        self.substanceCode = substanceCode
        self.substanceNameEN = substanceNameEN
        self.substanceNameVI = substanceNameVI
        self.period = period
        self.direction = direction
        self.observed = observed
        self.expected = expected
        self.threshold = threshold
        self.firstDate = firstDate
        self.lastDate = lastDate
        self.reference = reference
        self.referenceDate = referenceDate
        self.records = records
        self.sources = sources
        self.hotRoute = hotRoute
        self.statistic = statistic
    }

    /// Identifies the evidence across sweeps: the same facts give the same key, so a closed alert's evidence is
    /// recognised and not raised again. Firm and substance are part of it.
    public var dedupeKey: String {
        var parts = [rule.rawValue, String(firmID), substanceID.map(String.init) ?? "-", kind]
        switch rule {
        case .licenceOverdrawn: parts.append(reference ?? "-")
        case .licenceInvalid: parts += [reference ?? "-", period]
        case .balanceGap: parts += [reference ?? "-", period]
        case .unlicensedImport, .reportMismatch, .missingReport: parts.append(period)
        case .negativeStock: parts += [reference ?? "-", period]
        case .volumeSpike, .peerOutlier, .frequencySpike, .routeNovelty, .valueOutlier, .unitSlip, .exploration:
            parts += [period, reference ?? "-"]
        }
        return parts.joined(separator: ":")
    }
}

/// The source records behind a finding, capped at a few dozen of each.
public struct SourceRecords: Sendable, Equatable, Codable {
    /// Customs declaration lines as `DECLARATION_NO/LINE`.
    public var declarations: [String]
    public var licences: [String]
    /// Self-report row ids.
    public var reports: [Int64]

    public init(declarations: [String] = [], licences: [String] = [], reports: [Int64] = []) {
        self.declarations = declarations
        self.licences = licences
        self.reports = reports
    }
}
