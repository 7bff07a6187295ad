import Foundation
import Logging
import PrecursorCore
import PrecursorStore

/// Stores a sweep's findings, applies the alert policy and raises the alerts it calls for through the outbox (the
/// alert row and its queue message in the sweep's transaction).
struct AlertRaiser {
    let store: SweepStore
    let logger: Logger

    struct Outcome {
        var raised = 0
        var alertsByRule: [String: Int] = [:]
        var outcomes: [String: Int] = [:]
        var top: [SweepReport.Raised] = []
    }

    func raise(_ findings: [Finding], sweepID: Int64, asOf: CivilDate, realertRatio: Double) async throws -> Outcome {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let rows = try findings.map { f in
            FindingRow(
                firmID: f.hit.firmID, substanceID: f.hit.substanceID, rule: f.rule.rawValue, period: f.hit.period,
                score: f.score, severity: f.severity.rawValue, evidence: String(decoding: try encoder.encode(f.evidence), as: UTF8.self),
                dedupeKey: f.dedupeKey)
        }
        let ids = try await store.insertFindings(rows, sweepID: sweepID)
        var idByKey: [String: Int64] = [:]
        for (finding, id) in zip(findings, ids) { idByKey[finding.dedupeKey] = id }

        let firms = Array(Set(findings.map(\.hit.firmID))).sorted()
        var open: [AlertPolicy.GroupKey: AlertPolicy.OpenAlert] = [:]
        for a in try await store.openAlerts(firmIDs: firms) {
            open[.init(firmID: a.firmID, substanceID: a.substanceID, family: a.family)] =
                .init(id: a.id, score: a.score, rules: Set(a.rules), evidenceKeys: a.evidenceKeys)
        }
        var closed: [AlertPolicy.GroupKey: Set<String>] = [:]
        for a in try await store.closedAlerts(firmIDs: firms) {
            closed[.init(firmID: a.firmID, substanceID: a.substanceID, family: a.family), default: []].formUnion(a.evidenceKeys)
        }

        var outcome = Outcome()
        var raising: [(AlertPolicy.Decision, Finding, AlertPayload)] = []
        for decision in AlertPolicy.decide(findings, open: open, closedEvidence: closed, realertRatio: realertRatio) {
            outcome.outcomes[decision.outcome.rawValue, default: 0] += 1
            guard decision.raises, let headline = decision.headline else { continue }
            raising.append((decision, headline, AlertPayload(decision: decision, headline: headline, sweepID: sweepID, asOf: asOf)))
        }
        let raised = try await Outbox.raiseAlerts(
            try raising.map { decision, headline, payload in
                AlertRaise(
                    firmID: decision.key.firmID, substanceID: decision.key.substanceID, ruleFamily: decision.key.family,
                    rule: headline.rule.rawValue, severity: payload.severity, score: headline.score,
                    payload: String(decoding: try encoder.encode(payload), as: UTF8.self), evidenceKey: headline.dedupeKey)
            },
            on: store.connection, logger: logger)
        var linkedFindings: [Int64] = []
        var linkedAlerts: [Int64] = []
        for ((decision, headline, payload), alert) in zip(raising, raised) {
            outcome.raised += 1
            outcome.alertsByRule[headline.rule.rawValue, default: 0] += 1
            for finding in decision.findings {
                if let id = idByKey[finding.dedupeKey] {
                    linkedFindings.append(id)
                    linkedAlerts.append(alert.alertID)
                }
            }
            outcome.top.append(
                SweepReport.Raised(
                    alertID: alert.alertID, taxCode: headline.hit.taxCode, firmName: headline.hit.firmName,
                    substance: headline.hit.substanceCode, rule: headline.rule.rawValue, severity: payload.severity,
                    score: headline.score, outcome: decision.outcome.rawValue, reasonEN: headline.reasonEN,
                    reasonVI: headline.reasonVI))
        }
        try await store.linkFindings(linkedFindings, to: linkedAlerts)
        outcome.top.sort { ($0.score, $1.alertID) > ($1.score, $0.alertID) }
        return outcome
    }
}

/// The alert's payload: what an analyst (and a downstream case system) reads — the strongest finding's facts and
/// reasons, the other findings of the family, and the evidence keys the alert has carried.
struct AlertPayload: Encodable {
    struct Firm: Encodable {
        var taxCode: String
        var name: String
        enum CodingKeys: String, CodingKey {
            case taxCode = "tax_code"
            case name
        }
    }

    struct Substance: Encodable {
        var code: String
        var nameEN: String?
        var nameVI: String?
        enum CodingKeys: String, CodingKey {
            case code
            case nameEN = "name_en"
            case nameVI = "name_vi"
        }
    }

    var rule: String
    var rules: [String]
    var family: String
    var severity: String
    var score: Double
    var firm: Firm
    var substance: Substance?
    var period: String
    var observedKg: Double
    var expectedKg: Double
    var threshold: Double
    var sources: SourceRecords
    var reasonEN: String
    var reasonVI: String
    var hotRoute: Bool
    var findings: [Finding.Evidence]
    var moreFindings: Int
    var evidenceKeys: [String]
    var sweepID: Int64
    var asOf: String

    enum CodingKeys: String, CodingKey {
        case rule, rules, family, severity, score, firm, substance, period, threshold, sources, findings
        case observedKg = "observed_kg"
        case expectedKg = "expected_kg"
        case reasonEN = "reason_en"
        case reasonVI = "reason_vi"
        case hotRoute = "hot_route"
        case moreFindings = "more_findings"
        case evidenceKeys = "evidence_keys"
        case sweepID = "sweep_id"
        case asOf = "as_of"
    }

    init(decision: AlertPolicy.Decision, headline: Finding, sweepID: Int64, asOf: CivilDate) {
        let h = headline.hit
        rule = h.rule.rawValue
        rules = decision.rules
        family = decision.key.family
        severity = decision.findings.map(\.severity).max()!.rawValue
        score = headline.score
        firm = Firm(taxCode: h.taxCode, name: h.firmName)
        substance = h.substanceCode.map { Substance(code: $0, nameEN: h.substanceNameEN, nameVI: h.substanceNameVI) }
        period = h.period
        observedKg = h.observed.rounded(toPlaces: 3)
        expectedKg = h.expected.rounded(toPlaces: 3)
        threshold = h.threshold.rounded(toPlaces: 3)
        sources = h.sources
        reasonEN = headline.reasonEN
        reasonVI = headline.reasonVI
        hotRoute = decision.findings.contains { $0.hit.hotRoute }
        findings = decision.findings.prefix(10).map(\.evidence)
        moreFindings = max(0, decision.findings.count - 10)
        evidenceKeys = decision.evidenceKeys
        self.sweepID = sweepID
        self.asOf = asOf.description
    }
}
