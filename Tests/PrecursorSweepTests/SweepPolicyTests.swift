import Foundation
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Testing

/// The alert policy and the incremental scope against the real database.
@Suite struct SweepPolicyTests {
    typealias W = SweepWorld

    static func line(_ no: String, _ day: String, _ firm: String, _ substance: String, kg: String, licence: String = "") -> String {
        let hs = substance == "ACETONE" ? "291411" : "293941"
        return "\(no),1,\(day),import,\(firm),CAI_MEP,sea,CN,\(hs),\(substance),\(kg),KGM,100,\(licence),1000"
    }

    /// Base data: a licensed acetone import of firm A (March, reported) and an unlicensed one of firm B.
    static func base(_ world: SweepWorld) async throws {
        try await world.licences([
            "GP-A,\(W.firmA),MOIT,import,ACETONE,100,1000,2026-01-01,2026-12-31,active",
            "GP-C,\(W.firmC),MOH,import,EPHEDRINE,100,500,2026-01-01,2026-12-31,active",
        ])
        try await world.declarations([
            Self.line("B1", "2026-03-02", W.firmA, "ACETONE", kg: "600", licence: "GP-A"),
            Self.line("B2", "2026-03-09", W.firmB, "EPHEDRINE", kg: "20"),
            Self.line("B3", "2026-03-10", W.firmC, "EPHEDRINE", kg: "100", licence: "GP-C"),
        ])
        try await world.reports(["\(W.firmA),2026-03,,ACETONE,0,600,0,0,600,0,0,0,0,"])
    }

    /// What arrives later: firm A draws past its licence, reports April short; firm C imports more.
    static func delta(_ world: SweepWorld) async throws {
        try await world.declarations([
            Self.line("C1", "2026-04-03", W.firmA, "ACETONE", kg: "500", licence: "GP-A"),
            Self.line("C2", "2026-05-03", W.firmC, "EPHEDRINE", kg: "350", licence: "GP-C"),
        ])
        try await world.reports(["\(W.firmA),2026-04,,ACETONE,0,300,0,0,300,0,0,0,0,"])
    }

    @Test func sweepingTheSameWorldTwiceRaisesNothingNew() async throws {
        let world = try await W.make("twice")
        try await Self.base(world)
        let first = try await world.sweep("2026-04-30")
        #expect(first.alertCount > 0)
        let alerts = try await world.openAlerts()
        let messages = try await world.strings("SELECT count(*)::text FROM queue_message")
        let second = try await world.sweep("2026-04-30")
        #expect(second.alertCount == 0)
        #expect(second.findingCount == first.findingCount)
        #expect(second.outcomes["quiet"] == first.alertCount)
        #expect(try await world.openAlerts() == alerts)
        #expect(try await world.strings("SELECT count(*)::text FROM queue_message") == messages)
    }

    @Test func aClosedAlertsEvidenceIsNotRaisedAgain() async throws {
        let world = try await W.make("closed")
        try await Self.base(world)
        try await world.sweep("2026-04-30")
        try await world.run(
            """
            UPDATE alert SET state = 'closed', disposition = 'explained', closed_at = now()
             WHERE firm_id = (SELECT id FROM firm WHERE tax_code = '\(W.firmB)')
            """)
        let again = try await world.sweep("2026-04-30")
        #expect(again.outcomes["suppressed"] == 1)
        #expect(try await world.openAlerts().filter { $0[0] == W.firmB }.isEmpty)
        // A new unlicensed import is new evidence: a new alert.
        try await world.declarations([Self.line("B9", "2026-04-20", W.firmB, "EPHEDRINE", kg: "5")])
        let later = try await world.sweep("2026-04-30", full: false)
        #expect(later.alerts["unlicensed_import"] == 1)
        #expect(try await world.openAlerts().filter { $0[0] == W.firmB }.map { $0[3] } == ["unlicensed_import"])
    }

    @Test func anAlertIsRaisedAgainWhenItsScoreRisesByHalf() async throws {
        let world = try await W.make("rises")
        try await world.licences(["GP-A,\(W.firmA),MOIT,import,ACETONE,100,100000,2026-01-01,2026-12-31,active"])
        try await world.declarations([Self.line("R1", "2026-03-02", W.firmA, "ACETONE", kg: "1000", licence: "GP-A")])
        try await world.reports(["\(W.firmA),2026-03,,ACETONE,0,940,0,0,940,0,0,0,0,"])
        try await world.sweep("2026-04-30")
        let before = try await world.openAlerts().filter { $0[3] == "report_mismatch" }
        #expect(before.map { $0[6] } == ["1"])
        // The amended report is further off: the score more than doubles.
        try await world.reports(["\(W.firmA),2026-03,,ACETONE,0,500,0,0,500,0,0,0,0,"])
        let again = try await world.sweep("2026-04-30", full: false)
        #expect(again.outcomes["score_rose"] == 1)
        #expect(try await world.openAlerts().filter { $0[3] == "report_mismatch" }.map { $0[6] } == ["2"])
    }

    /// Both ways of reading the scope's lines: whole months (1) and pair-month probes (1,000).
    @Test(arguments: [1.0, 1_000])
    func incrementalAndFullSweepsLeaveTheSameOpenAlerts(monthScanPairs: Double) async throws {
        let incremental = try await W.make("incr\(Int(monthScanPairs))")
        let full = try await W.make("full\(Int(monthScanPairs))")
        for world in [incremental, full] {
            try await world.monthScanPairs(monthScanPairs)
            try await Self.base(world)
            try await world.sweep("2026-04-30")
            try await Self.delta(world)
        }
        let a = try await incremental.sweep("2026-05-31", full: false)
        let b = try await full.sweep("2026-05-31", full: true)
        #expect(a.scope == .incremental)
        #expect(b.scope == .full)
        // Only what changed was examined: April of firm A's acetone, May of firm C's ephedrine, and firm A's
        // April report (its period and the month after, for continuity); firm B not at all.
        #expect(a.scopeEntries == 4)
        #expect(a.alertCount == b.alertCount)
        let open = try await incremental.openAlerts()
        #expect(open == (try await full.openAlerts()))
        #expect(open.contains { $0[0] == W.firmA && $0[3] == "licence_overdrawn" })
    }

    /// A report alone (no new declaration) is in an incremental sweep's scope through its firm-months.
    @Test func aReportAloneReachesTheIncrementalSweep() async throws {
        let incremental = try await W.make("repincr")
        let full = try await W.make("repfull")
        for world in [incremental, full] {
            try await Self.base(world)
            try await world.sweep("2026-04-30")
            // Used 300 kg it never had: the report does not balance and its stock goes negative.
            try await world.reports(["\(W.firmA),2026-04,,ACETONE,0,0,0,0,300,0,0,0,0,"])
        }
        let a = try await incremental.sweep("2026-04-30", full: false)
        let b = try await full.sweep("2026-04-30", full: true)
        #expect(a.scope == .incremental)
        #expect(a.alertCount == b.alertCount)
        let open = try await incremental.openAlerts()
        #expect(open == (try await full.openAlerts()))
        #expect(open.contains { $0[0] == W.firmA && $0[3] == "balance_gap" })
        #expect(open.contains { $0[0] == W.firmA && $0[3] == "negative_stock" })
    }

    /// An incremental sweep that reuses the stored baselines evaluates the rules reading nothing its transaction writes
    /// (`SweepStore.committedOnlyRules`) on a second connection, on its snapshot, while its own connection brings the
    /// line months up to date and evaluates the others: the same findings, evidence included, and the same open
    /// alerts as a pool of one connection, which evaluates every rule itself; and the line months it brings up to date
    /// from the declaration lines (no scope lines are kept there) equal the lines', both ways of reading them.
    @Test(arguments: [1.0, 1_000])
    func aSecondConnectionEvaluatesTheRulesThatReadOnlyCommittedData(monthScanPairs: Double) async throws {
        var results: [(report: SweepReport, findings: [String], alerts: [[String]])] = []
        for connections in [1, 4] {
            let world = try await W.make("committed\(connections)m\(Int(monthScanPairs))")
            try await world.monthScanPairs(monthScanPairs)
            try await Self.base(world)
            try await world.sweep("2026-05-31")
            // Only lines of the as-of month: the stored baselines stay valid and are reused.
            try await world.declarations([
                Self.line("C2", "2026-05-03", W.firmC, "EPHEDRINE", kg: "350", licence: "GP-C"),
                Self.line("U1", "2026-05-12", W.firmB, "EPHEDRINE", kg: "30"),
                Self.line("V1", "2026-05-20", W.firmA, "ACETONE", kg: "40", licence: "GP-X"),
            ])
            try await world.reports(["\(W.firmA),2026-04,,ACETONE,0,300,0,0,300,0,0,0,0,"])
            let report = try await world.sweep("2026-05-31", full: false, connections: connections)
            #expect(try await LineMonthTests.driftedAggregates(world).isEmpty)
            results.append((report, try await world.lastFindings().map { "\($0) \($0.severity) \($0.evidence)" }, try await world.openAlerts()))
        }
        let (alone, paired) = (results[0], results[1])
        #expect(alone.report.scope == .incremental && paired.report.scope == .incremental)
        #expect(alone.report.ruleSeconds["committed_only_wait"] == nil)
        #expect(paired.report.ruleSeconds["committed_only_wait"] != nil)
        #expect(paired.report.findings["unlicensed_import"] == 1 && paired.report.findings["licence_invalid"] == 1)
        #expect(paired.report.findings["licence_overdrawn"] == 1 && paired.report.findings["report_mismatch"] == 1)
        #expect(paired.findings == alone.findings)
        #expect(paired.alerts == alone.alerts)
        #expect(paired.report.findings == alone.report.findings)
    }

    @Test func aSweepKilledMidwayLeavesNothing() async throws {
        let world = try await W.make("rollback")
        try await Self.base(world)
        // A rule query that fails after the findings of the others were computed: nothing may remain.
        try await world.run("ALTER TABLE finding ADD CONSTRAINT test_no_findings CHECK (rule <> 'unlicensed_import')")
        await #expect(throws: (any Error).self) { try await world.sweep("2026-04-30") }
        #expect(try await world.strings("SELECT count(*)::text FROM alert") == [["0"]])
        #expect(try await world.strings("SELECT count(*)::text FROM queue_message") == [["0"]])
        #expect(try await world.strings("SELECT status, (error IS NOT NULL)::text FROM sweep_run") == [["failed", "true"]])
        try await world.run("ALTER TABLE finding DROP CONSTRAINT test_no_findings")
        #expect(try await world.sweep("2026-04-30").alertCount > 0)
    }
}
