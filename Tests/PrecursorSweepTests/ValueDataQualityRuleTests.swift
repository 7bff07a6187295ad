import Foundation
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Testing

/// `value_outlier`, the data-quality rules (`unit_slip`, `negative_stock`) and the exploration slice.
@Suite struct ValueDataQualityRuleTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    /// Peers declare acetone from China at USD 1.00 and 1.20 a kg (median of ln 0.0912, MAD floored at 0.1): firm A
    /// is an outlier at half the peers' median (USD 0.548) or below, and at twice it (2.191) or above.
    @Test(arguments: [(540.0, "low"), (560.0, ""), (2180.0, ""), (2200.0, "high")])
    func unitValueAgainstPeersOfTheSameOrigin(value: Double, kind: String) async throws {
        let world = try await W.make("value")
        var lines = S.history("B", W.firmB, from: "2025-09", count: 6, kg: 1000, value: 1000)
        lines += S.history("C", W.firmC, from: "2025-09", count: 6, kg: 1000, value: 1200)
        lines.append(S.line("V1", "2026-03-17", W.firmA, kg: 1000, value: value))
        try await world.declarations(lines)
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.valueOutlier)
        #expect(found.map(\.kind) == (kind.isEmpty ? [] : [kind]))
        if kind == "low" {
            #expect(
                try #require(found.first).reasonEN.hasPrefix(
                    "Declared unit value of Acetone from CN in 2026-03 is USD 0.54/kg against USD 1.1/kg for importers of that origin"))
        }
    }

    /// Lines of 10 kg, then one of 300× (a unit slip, data-quality queue) or 299× (not).
    @Test(arguments: [(2990.0, false), (3000.0, true), (0.033, true)])
    func aThousandfoldLineIsAUnitSlip(kg: Double, fires: Bool) async throws {
        let world = try await W.make("slip")
        try await world.declarations(S.history("H", W.firmA, from: "2025-12", count: 3, kg: 10) + [S.line("U1", "2026-03-17", W.firmA, kg: kg)])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.unitSlip)
        #expect(found.count == (fires ? 1 : 0))
        if fires {
            #expect(try await world.openAlerts().contains { $0[0] == W.firmA && $0[2] == "data_quality" && $0[3] == "unit_slip" })
            #expect(try await world.strings("SELECT DISTINCT topic FROM queue_message WHERE payload->>'rule' = 'unit_slip'") == [["data_quality"]])
        }
    }

    /// Opening 100 + imported 1,000 − used: below zero by more than 2 % of the throughput is negative stock.
    /// Boundary: used 1,142 leaves −42 kg against a tolerance of 42.84 kg; used 1,143 leaves −43 kg against 42.86 kg.
    @Test(arguments: [("1142", false), ("1143", true)])
    func moreOutThanInIsNegativeStock(used: String, fires: Bool) async throws {
        let world = try await W.make("negative")
        try await world.reports(["\(W.firmA),2026-03,,ACETONE,100,1000,0,0,\(used),0,0,0,0,"])
        try await world.sweep("2026-04-30")
        let found = try await world.lastFindings(.negativeStock)
        #expect(found.map(\.period) == (fires ? ["2026-03"] : []))
        if fires {
            #expect(try #require(found.first).reasonEN == "The 2026-03 report of Acetone leaves −43 kg in stock: more went out than the firm had")
            // Firm risk counts the reconciliation alert (the report also fails its balance), not the data-quality one.
            #expect(try await world.openAlerts().map { $0[2] } == ["data_quality", "reconciliation"])
            #expect(try await world.strings("SELECT open_alerts::text FROM firm_risk") == [["1"]])
        }
    }

    /// Scheduled full sweeps queue the exploration slice (share 1 here: every active firm); manual sweeps do not.
    @Test func explorationSliceInScheduledFullSweepsOnly() async throws {
        let world = try await W.make("explore")
        try await S.set(world, "exploration", "share", 1)
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.exploration).isEmpty)
        let report = try await Database.with(url: world.url, logger: world.logger) { db in
            try await SweepRunner(database: db, logger: world.logger).run(
                .init(kind: .scheduled, scope: .full, asOf: try CivilDate(iso: "2026-03-31"), slot: Date(), actor: .cliOperator))
        }
        #expect(report?.findings["exploration"] == 3)
        #expect(try await world.openAlerts().filter { $0[2] == "exploration" }.count == 3)
        #expect(try await world.strings("SELECT count(*)::text FROM firm_risk") == [["0"]])
    }

    /// A share of 0.5 draws a slice that depends only on the sweep id.
    @Test func theSliceIsSeededByTheSweepID() async throws {
        let world = try await W.make("explore-seed")
        try await S.set(world, "exploration", "share", 0.5)
        for slot in 0..<2 {
            _ = try await Database.with(url: world.url, logger: world.logger) { db in
                try await SweepRunner(database: db, logger: world.logger).run(
                    .init(
                        kind: .scheduled, scope: .full, asOf: try CivilDate(iso: "2026-03-31"),
                        slot: Date(timeIntervalSince1970: Double(1_000 + slot)), actor: .cliOperator))
            }
        }
        let drawn = try await world.strings(
            "SELECT sweep_run_id::text, string_agg(firm_id::text, ',' ORDER BY firm_id) FROM finding WHERE rule = 'exploration' GROUP BY 1 ORDER BY 1"
        )
        let expected = try await world.strings(
            """
            SELECT s.id::text, string_agg(f.id::text, ',' ORDER BY f.id) FROM sweep_run s CROSS JOIN firm f
             WHERE ('x' || substr(md5(s.id::text || ':' || f.id), 1, 8))::bit(32)::bigint::float8 / 4294967296 < 0.5
             GROUP BY 1 ORDER BY 1
            """)
        #expect(drawn == expected)
    }
}
