import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// The reconciliation rules at their boundaries. Firm A is a key enterprise: it reports monthly, due the 15th.
@Suite struct ReconciliationRuleTests {
    typealias W = SweepWorld

    /// A licensed world where firm A imported 1,000 kg of acetone in March 2026.
    static func marchWorld(_ label: String) async throws -> SweepWorld {
        let world = try await W.make(label)
        try await world.licences(["GP-A,\(W.firmA),MOIT,import,ACETONE,100,50000,2026-03-01,2026-12-31,active"])
        try await world.declarations([
            "M1,1,2026-03-05,import,\(W.firmA),CAI_MEP,sea,CN,291411,ACETONE,600,KGM,100,GP-A,600",
            "M2,1,2026-03-20,import,\(W.firmA),CAI_MEP,sea,CN,291411,ACETONE,400,KGM,100,GP-A,400",
        ])
        return world
    }

    static func report(
        _ period: String, opening: String = "0", imported: String, used: String, closing: String
    ) -> String {
        "\(W.firmA),\(period),,ACETONE,\(opening),\(imported),0,0,\(used),0,0,0,\(closing),"
    }

    /// Customs 1,000 kg; tolerance max(5 % of the larger, 1 kg): 50 kg below, 52.6 kg at 1,052 kg reported.
    @Test(arguments: [("950", false), ("949", true), ("1052", false), ("1053", true)])
    func mismatchBeyondFivePercent(reported: String, fires: Bool) async throws {
        let world = try await Self.marchWorld("mismatch")
        try await world.reports([Self.report("2026-03", imported: reported, used: reported, closing: "0")])
        try await world.sweep("2026-04-30")
        let found = try await world.lastFindings(.reportMismatch)
        #expect(found.map { "\($0.kind) \($0.period)" } == (fires ? ["import 2026-03"] : []))
        if reported == "949" {
            #expect(
                try #require(found.first).reasonEN
                    == "Customs shows 1,000 kg of Acetone imported in 2026-03; the firm reported 949 kg (difference 51 kg, tolerance 50 kg)")
            #expect(
                try #require(found.first).reasonVI
                    == "Hải quan ghi nhận nhập khẩu 1.000 kg Axeton trong kỳ 2026-03; doanh nghiệp báo cáo 949 kg (chênh lệch 51 kg, ngưỡng 50 kg)")
            let evidence = try #require(found.first).evidence
            #expect(evidence.contains("\"M1/1\"") && evidence.contains("\"M2/1\""))
        }
    }

    @Test func aSubstanceLeftOutOfAFiledReportCountsAsReportedZero() async throws {
        let world = try await Self.marchWorld("leftout")
        try await world.licences(["GP-E,\(W.firmA),MOH,import,EPHEDRINE,100,100,2026-03-01,2026-12-31,active"])
        try await world.declarations(["M3,1,2026-03-21,import,\(W.firmA),CAI_MEP,sea,IN,293941,EPHEDRINE,10,KGM,100,GP-E,9000"])
        try await world.reports([Self.report("2026-03", imported: "1000", used: "1000", closing: "0")])
        try await world.sweep("2026-04-30")
        let found = try await world.lastFindings(.reportMismatch)
        #expect(found.map { "\($0.substance) \($0.kind)" } == ["EPHEDRINE import"])
        #expect(found.first?.reasonEN.contains("the firm reported 0 kg") == true)
    }

    /// opening 100 + imported 1,000 − used 900 = 200; throughput 1,900, tolerance 2 % = 38 kg.
    @Test(arguments: [("162", false), ("161.9", true), ("238", false), ("238.1", true)])
    func balanceGapBeyondTwoPercentOfThroughput(closing: String, fires: Bool) async throws {
        let world = try await Self.marchWorld("balance")
        try await world.reports([Self.report("2026-03", opening: "100", imported: "1000", used: "900", closing: closing)])
        try await world.sweep("2026-04-30")
        let found = try await world.lastFindings(.balanceGap)
        #expect(found.map(\.kind) == (fires ? ["identity"] : []))
        if closing == "161.9" {
            #expect(try #require(found.first).reasonVI.contains("không cân đối: tồn đầu + nhập − xuất = 200 kg nhưng tồn cuối là 162 kg"))
        }
    }

    /// March closes at 200 kg; April's opening must match within max(2 % of the larger, 1 kg).
    @Test(arguments: [("196", false), ("195.9", true), ("201", false), ("150", true)])
    func openingMustFollowThePreviousClosing(opening: String, fires: Bool) async throws {
        let world = try await Self.marchWorld("continuity")
        try await world.reports([
            Self.report("2026-03", opening: "100", imported: "1000", used: "900", closing: "200"),
            Self.report("2026-04", opening: opening, imported: "0", used: "0", closing: opening),
        ])
        try await world.sweep("2026-05-31")
        let found = try await world.lastFindings(.balanceGap)
        #expect(found.map { "\($0.kind) \($0.period)" } == (fires ? ["continuity 2026-04"] : []))
    }

    /// March's report is due 15 April: missing from 16 April, scored double because customs shows movements.
    @Test(arguments: [("2026-04-15", false), ("2026-04-16", true)])
    func missingReportPastItsDueDate(asOf: String, fires: Bool) async throws {
        let world = try await Self.marchWorld("missing")
        try await world.sweep(asOf)
        let found = try await world.lastFindings(.missingReport).filter { $0.period == "2026-03" }
        #expect(found.count == (fires ? 1 : 0))
        if fires {
            #expect(try #require(found.first).score == "20.000")
            #expect(
                try #require(found.first).reasonEN
                    == "The report for 2026-03 was due on 15 Apr 2026 and has not been filed; customs shows 2 declaration lines in that period")
            #expect(
                try #require(found.first).reasonVI
                    == "Báo cáo kỳ 2026-03 đến hạn ngày 15/4/2026 nhưng chưa nộp; hải quan ghi nhận 2 dòng tờ khai trong kỳ")
        }
        // Once filed, the period is no longer missing.
        try await world.reports([Self.report("2026-03", imported: "1000", used: "1000", closing: "0")])
        try await world.sweep(asOf, full: false)
        #expect(try await world.lastFindings(.missingReport).filter { $0.period == "2026-03" }.isEmpty)
    }
}
