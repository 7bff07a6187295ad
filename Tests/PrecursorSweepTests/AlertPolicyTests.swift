import Foundation
import PrecursorCore
import Testing

@testable import PrecursorSweep

/// The alert policy as pure logic, and the wording's number and date formats.
@Suite struct AlertPolicyTests {
    static func finding(_ rule: SweepRule, score: Double, period: String = "2026-03", firm: Int64 = 1, substance: Int32? = 7) -> Finding {
        let hit = RuleHit(
            rule: rule, kind: "import", firmID: firm, taxCode: "0100233488", firmName: "A", substanceID: substance,
            substanceCode: "ACETONE", substanceNameEN: "Acetone", substanceNameVI: "Axeton", period: period, direction: "import",
            observed: 1, expected: 2, threshold: 0, records: 1, sources: SourceRecords(), hotRoute: false)
        return Finding(hit: hit, score: score, severity: .medium, reasonEN: "", reasonVI: "")
    }

    static let key = AlertPolicy.GroupKey(firmID: 1, substanceID: 7, family: "reconciliation")

    @Test func aGroupWithNoOpenAlertIsNew() {
        let decisions = AlertPolicy.decide(
            [Self.finding(.reportMismatch, score: 20), Self.finding(.balanceGap, score: 30)], open: [:], closedEvidence: [:],
            realertRatio: 1.5)
        #expect(decisions.count == 1)
        #expect(decisions[0].outcome == .new)
        #expect(decisions[0].headline?.rule == .balanceGap)
        #expect(decisions[0].rules == ["balance_gap", "report_mismatch"])
    }

    @Test(arguments: [(29.9, AlertPolicy.Outcome.quiet), (30, .scoreRose), (45, .scoreRose)])
    func anOpenAlertIsRaisedAgainWhenTheScoreRisesByHalf(score: Double, outcome: AlertPolicy.Outcome) {
        let open = AlertPolicy.OpenAlert(id: 9, score: 20, rules: ["report_mismatch"], evidenceKeys: ["old"])
        let decisions = AlertPolicy.decide(
            [Self.finding(.reportMismatch, score: score)], open: [Self.key: open], closedEvidence: [:], realertRatio: 1.5)
        #expect(decisions[0].outcome == outcome)
        #expect(decisions[0].evidenceKeys.first == "old")
    }

    @Test func aNewRuleRaisesAgainEvenWithALowerScore() {
        let open = AlertPolicy.OpenAlert(id: 9, score: 50, rules: ["report_mismatch"], evidenceKeys: [])
        let decisions = AlertPolicy.decide(
            [Self.finding(.missingReport, score: 10, substance: 7)], open: [Self.key: open], closedEvidence: [:],
            realertRatio: 1.5)
        #expect(decisions[0].outcome == .newRule)
    }

    @Test func evidenceOfAClosedAlertIsNotRaisedAgainButNewEvidenceIs() {
        let old = Self.finding(.reportMismatch, score: 40, period: "2026-03")
        let closed = [Self.key: Set([old.dedupeKey])]
        #expect(AlertPolicy.decide([old], open: [:], closedEvidence: closed, realertRatio: 1.5)[0].outcome == .suppressed)
        let fresh = Self.finding(.reportMismatch, score: 20, period: "2026-04")
        let decision = AlertPolicy.decide([old, fresh], open: [:], closedEvidence: closed, realertRatio: 1.5)[0]
        #expect(decision.outcome == .new)
        #expect(decision.findings.map(\.hit.period) == ["2026-04"])
        #expect(decision.allFindings.count == 2)
    }

    @Test(arguments: [
        (2000.0, "2,000 kg", "2.000 kg"), (1234567.891, "1,234,568 kg", "1.234.568 kg"), (51.25, "51.3 kg", "51,3 kg"),
        (0.5, "0.5 kg", "0,5 kg"), (0, "0 kg", "0 kg"), (99.96, "100 kg", "100 kg"),
    ])
    func kilograms(value: Double, en: String, vi: String) {
        #expect(Wording.kg(value, .en) == en)
        #expect(Wording.kg(value, .vi) == vi)
    }

    @Test func dates() throws {
        let day = try CivilDate(iso: "2026-03-12")
        #expect(Wording.date(day, .en) == "12 Mar 2026")
        #expect(Wording.date(day, .vi) == "12/3/2026")
    }

    @Test func scoresGrowWithTheExcessUpToTheCap() {
        let t = RuleThresholds()
        func hit(_ observed: Double) -> RuleHit {
            RuleHit(
                rule: .reportMismatch, kind: "import", firmID: 1, taxCode: "x", firmName: "x", substanceID: 1, substanceCode: "A",
                substanceNameEN: "A", substanceNameVI: nil, period: "2026-03", direction: "import", observed: observed,
                expected: 1000, threshold: 50, records: 1, sources: SourceRecords(), hotRoute: false)
        }
        #expect(Scoring.finding(for: hit(949), thresholds: t).score == 20.4)
        #expect(Scoring.finding(for: hit(949), thresholds: t).severity == .medium)
        #expect(Scoring.finding(for: hit(800), thresholds: t).severity == .high)
        #expect(Scoring.finding(for: hit(0), thresholds: t).score == 100)
    }
}
