import Foundation
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Testing

/// The month aggregates of declaration lines that sweeps keep (`sweep_line_month`): an incremental sweep
/// re-aggregates only the pair-months that changed, so amended, moved and deleted lines must reach it.
@Suite struct LineMonthTests {
    typealias W = SweepWorld

    /// Firm A's acetone licence drawn to 95 % (warning), firm C's ephedrine licence drawn to 110 % (overdrawn).
    static func base(_ world: SweepWorld) async throws {
        try await world.licences([
            "GP-A,\(W.firmA),MOIT,import,ACETONE,100,1000,2026-01-01,2026-12-31,active",
            "GP-C,\(W.firmC),MOH,import,EPHEDRINE,100,500,2026-01-01,2026-12-31,active",
        ])
        try await world.declarations([
            SweepPolicyTests.line("A1", "2026-03-02", W.firmA, "ACETONE", kg: "600", licence: "GP-A"),
            SweepPolicyTests.line("A2", "2026-03-20", W.firmA, "ACETONE", kg: "300", licence: "GP-A"),
            SweepPolicyTests.line("A3", "2026-03-25", W.firmA, "ACETONE", kg: "50", licence: "GP-A"),
            SweepPolicyTests.line("C1", "2026-03-10", W.firmC, "EPHEDRINE", kg: "100", licence: "GP-C"),
            SweepPolicyTests.line("C2", "2026-03-15", W.firmC, "EPHEDRINE", kg: "450", licence: "GP-C"),
        ])
    }

    /// A2 amended (300 → 500 kg), A3 moved from March to May, C2 deleted, and a new small line of firm C in May.
    static func changes(_ world: SweepWorld) async throws {
        try await world.declarations([
            SweepPolicyTests.line("A2", "2026-03-20", W.firmA, "ACETONE", kg: "500", licence: "GP-A"),
            SweepPolicyTests.line("A3", "2026-05-05", W.firmA, "ACETONE", kg: "50", licence: "GP-A"),
            SweepPolicyTests.line("C3", "2026-05-02", W.firmC, "EPHEDRINE", kg: "10", licence: "GP-C"),
        ])
        try await world.run("DELETE FROM declaration_line WHERE declaration_no = 'C2'")
    }

    /// Lines loaded row by row (3,000: more than one block range of 32 pages) leave their ranges of the changed-lines
    /// BRIN index unsummarized (an unsummarized range matches every look-up by `updated_at`); an incremental sweep
    /// summarizes them before it looks, so no whole range is left to summarize afterwards.
    @Test func anIncrementalSweepSummarizesTheChangedLinesIndex() async throws {
        let world = try await W.make("lmbrin")
        try await Self.base(world)
        try await world.sweep("2026-04-30")
        try await world.declarations(
            (1...3_000).map { SweepPolicyTests.line("N\($0)", "2026-05-\(10 + $0 % 20)", W.firmA, "ACETONE", kg: "1", licence: "GP-A") })
        try await world.sweep("2026-05-31", full: false)
        #expect(try await world.strings("SELECT brin_summarize_new_values('declaration_line_changed_brin')::text") == [["0"]])
    }

    /// Rows of `sweep_line_month` that differ from the same aggregates computed afresh from the lines.
    static func driftedAggregates(_ world: SweepWorld) async throws -> [[String]] {
        let fresh = """
            SELECT d.firm_id, d.substance_id, date_trunc('month', d.declared_on)::date, d.direction, d.licence_id, sum(d.kg_pure),
                   count(*), min(d.declared_on), max(d.declared_on), bool_or(o.hot_route)
              FROM declaration_line d JOIN customs_office o ON o.id = d.customs_office_id
             GROUP BY 1, 2, 3, 4, 5
            """
        let kept = """
            SELECT firm_id, substance_id, month, direction, licence_id, kg, lines, first_date, last_date, hot_route FROM sweep_line_month
            """
        return try await world.strings("(\(kept) EXCEPT \(fresh)) UNION ALL (\(fresh) EXCEPT \(kept))")
    }

    /// Both ways of reading the scope's lines: whole months (1) and pair-month probes (1,000).
    @Test(arguments: [1.0, 1_000])
    func amendedMovedAndDeletedLinesReachAnIncrementalSweep(monthScanPairs: Double) async throws {
        let incremental = try await W.make("lmincr\(Int(monthScanPairs))")
        let full = try await W.make("lmfull\(Int(monthScanPairs))")
        for world in [incremental, full] {
            try await world.monthScanPairs(monthScanPairs)
            try await Self.base(world)
            try await world.sweep("2026-04-30")
            #expect(try await Self.driftedAggregates(world).isEmpty)
            try await Self.changes(world)
        }
        let a = try await incremental.sweep("2026-05-31", full: false)
        let b = try await full.sweep("2026-05-31", full: true)
        #expect(a.scope == .incremental)
        #expect(b.scope == .full)
        #expect(try await Self.driftedAggregates(incremental).isEmpty)

        let overdrawn = try await incremental.lastFindings(.licenceOverdrawn)
        #expect(overdrawn.map(\.evidence) == (try await full.lastFindings(.licenceOverdrawn)).map(\.evidence))
        // GP-A: 600 + 500 + 50 kg, last drawn in May (the moved line); GP-C: 100 + 10 kg once C2 is gone.
        #expect(overdrawn.map { "\($0.kind) \($0.taxCode) \($0.period)" } == ["over \(W.firmA) 2026-05"])
        #expect(overdrawn.first?.evidence.contains("\"observed_kg\": 1150") == true)
        #expect(try await incremental.openAlerts() == (try await full.openAlerts()))
    }

    /// Aggregates hold whole months; a sweep as of a day inside a month leaves out that month's later lines.
    @Test func aSweepAsOfADayInsideAMonthCountsOnlyTheLinesUpToIt() async throws {
        let world = try await W.make("lmlate")
        try await Self.base(world)
        try await world.sweep("2026-04-30")
        #expect(try await world.lastFindings(.licenceOverdrawn).map(\.taxCode) == [W.firmA, W.firmC])
        // As of 12 March only A1 and C1 count: 60 % and 20 % drawn.
        try await world.sweep("2026-03-12")
        #expect(try await world.lastFindings(.licenceOverdrawn).isEmpty)
        // As of 20 March, A1 + A2 (90 %) and C1 + C2 (110 %).
        try await world.sweep("2026-03-20", full: false)
        let kinds = try await world.lastFindings(.licenceOverdrawn).map { "\($0.kind) \($0.taxCode) \($0.period)" }
        #expect(kinds == ["near \(W.firmA) 2026-03", "over \(W.firmC) 2026-03"])
        #expect(try await Self.driftedAggregates(world).isEmpty)
    }

    /// An incremental sweep reads its scope's lines once (`sweep_scope_line`: whole scoped months) and fetches what
    /// they do not hold: a line dated after the as-of month (a stale month outside the scope) is aggregated from the
    /// declaration lines, and the window's days in the month before the as-of month, which the scope does not cover for
    /// the pair, are read from the lines as well.
    @Test(arguments: [1.0, 1_000])
    func anIncrementalSweepFetchesWhatItsScopeLinesDoNotHold(monthScanPairs: Double) async throws {
        let world = try await W.make("lmscope\(Int(monthScanPairs))")
        try await world.monthScanPairs(monthScanPairs)
        try await Self.base(world)
        try await world.declarations([
            SweepPolicyTests.line("A4", "2026-04-25", W.firmA, "ACETONE", kg: "20", licence: "GP-A"),
            SweepPolicyTests.line("C4", "2026-05-01", W.firmC, "EPHEDRINE", kg: "5", licence: "GP-C"),
        ])
        let asOf = try CivilDate(iso: "2026-05-10")
        try await world.sweep(asOf.description)
        // New: A5 in May (scope: firm A's acetone in May), A6 in June (after the as-of date, outside the scope).
        try await world.declarations([
            SweepPolicyTests.line("A5", "2026-05-06", W.firmA, "ACETONE", kg: "30", licence: "GP-A"),
            SweepPolicyTests.line("A6", "2026-06-15", W.firmA, "ACETONE", kg: "40", licence: "GP-A"),
        ])

        // The window (11 April to 10 May) of the scoped pair, as the incremental sweep builds it, against the lines.
        let (window, expected) = try await Database.with(url: world.url, logger: world.logger) { db in
            try await db.client.withConnection { connection in
                let store = SweepStore(connection: connection, logger: world.logger)
                try await connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: world.logger)
                let previous = try #require(try await store.previousSuccessful())
                _ = try await store.buildScope(since: previous, asOf: asOf, monthScanPairs: monthScanPairs)
                try await store.refreshLineMonths(sweepID: previous.id, previous: previous, asOf: asOf)
                try await store.buildWindowTables(asOf: asOf, scoped: true)
                let window = try await connection.rows(
                    "SELECT declaration_no FROM sweep_cur_line ORDER BY declaration_no", logger: world.logger
                ).map { try $0.decode(String.self) }
                let expected = try await connection.rows(
                    """
                    SELECT d.declaration_no FROM declaration_line d
                     WHERE d.direction = 'import' AND d.declared_on BETWEEN DATE '2026-04-11' AND DATE '2026-05-10'
                       AND (d.firm_id, d.substance_id) IN (SELECT firm_id, substance_id FROM sweep_scope)
                     ORDER BY d.declaration_no
                    """, logger: world.logger
                ).map { try $0.decode(String.self) }
                try await connection.run("ROLLBACK", logger: world.logger)
                return (window, expected)
            }
        }
        #expect(window == ["A4", "A5"])
        #expect(window == expected)

        let report = try await world.sweep(asOf.description, full: false)
        #expect(report.scope == .incremental)
        #expect(try await Self.driftedAggregates(world).isEmpty)
    }
}
