import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// The stored baselines of the statistical rules (migration 0021): an incremental sweep on the same as-of date reuses
/// them when only the as-of month changed, computes them again when history or a firm changed, and in both cases
/// finds exactly what a full sweep finds.
@Suite struct StatisticalBaselineTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    static let asOf = "2026-03-31"

    /// A year of monthly imports before March 2026: firm A 1,000 kg a month, firm B 800 kg.
    static let yearOfTwoFirms =
        S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + S.history("B", W.firmB, from: "2025-03", count: 12, kg: 800)

    /// The sweep that computed the stored baselines of `asOf`, and when.
    static func baseline(_ world: SweepWorld) async throws -> [String] {
        try #require(
            try await world.strings("SELECT sweep_run_id::text, computed_at::text FROM sweep_baseline WHERE as_of = DATE '\(asOf)'").first)
    }

    /// The last sweep's findings of the statistical rules, everything the analyst sees included (an incremental
    /// sweep reports only the pairs in its scope, which in these worlds are all the pairs with lines in March).
    static func findings(_ world: SweepWorld) async throws -> [String] {
        let statistical: Set<String> = ["volume_spike", "peer_outlier", "frequency_spike", "route_novelty", "value_outlier", "unit_slip"]
        return try await world.lastFindings().filter { statistical.contains($0.rule) }.map { "\($0) \($0.severity) \($0.evidence)" }
    }

    /// Runs `prepare` in an incremental and a full world, both swept in full as of `asOf` first and then again (one
    /// incremental, one full) after `change`; returns both worlds and the incremental sweep's report.
    static func sweptTwice(
        _ label: String, prepare: (SweepWorld) async throws -> Void, change: (SweepWorld) async throws -> Void
    ) async throws -> (incremental: SweepWorld, full: SweepWorld, first: SweepReport, report: SweepReport) {
        let incremental = try await W.make("\(label)-incr")
        let full = try await W.make("\(label)-full")
        var first: SweepReport?
        for world in [incremental, full] {
            try await prepare(world)
            let report = try await world.sweep(asOf)
            if first == nil { first = report }
            try await change(world)
        }
        let report = try await incremental.sweep(asOf, full: false)
        try await full.sweep(asOf, full: true)
        return (incremental, full, try #require(first), report)
    }

    @Test func newLinesOfTheMonthReuseTheBaselinesAndFindWhatAFullSweepFinds() async throws {
        let (incremental, full, first, report) = try await Self.sweptTwice("baseline-reuse") { world in
            try await world.declarations(
                Self.yearOfTwoFirms + [S.line("Q1", "2026-03-02", W.firmA, kg: 900)])
        } change: { world in
            try await world.declarations([
                S.line("X1", "2026-03-12", W.firmA, kg: 12000), S.line("X2", "2026-03-13", W.firmB, kg: 800, office: "HAN_AIR", mode: "air"),
            ])
        }
        #expect(report.scope == .incremental)
        let stored = try await Self.baseline(incremental)
        #expect(stored[0] == String(first.id))
        #expect(report.findings["volume_spike"] == 1 && report.findings["route_novelty"] == 1)
        #expect(try await Self.findings(incremental) == (try await Self.findings(full)))
        #expect(try await incremental.openAlerts() == (try await full.openAlerts()))
        // A full sweep always computes them again.
        let again = try await incremental.sweep(Self.asOf, full: true)
        #expect(try await Self.baseline(incremental)[0] == String(again.id))
        #expect(try await Self.baseline(incremental)[1] != stored[1])
    }

    /// The baselines read from the lines alone are computed on a second connection, on the sweep's snapshot, when the
    /// pool has one, and in the sweep's own transaction when it has not: the same rows and findings either way.
    @Test func aSecondConnectionComputesTheSameLineBaselines() async throws {
        let world = try await W.make("baseline-side")
        try await world.declarations(
            Self.yearOfTwoFirms
                + [S.line("Q1", "2026-03-02", W.firmA, kg: 900), S.line("X2", "2026-03-13", W.firmB, kg: 800, office: "HAN_AIR", mode: "air")])
        let tables = """
            SELECT 'frequency', firm_id::text, substance_id::text, shipments::text || '/' || split_shipments::text
              FROM sweep_baseline_frequency WHERE as_of = DATE '\(Self.asOf)'
            UNION ALL
            SELECT 'value', substance_id::text, coalesce(country, '*'), n::text || '/' || med::text || '/' || mad::text
              FROM sweep_baseline_value WHERE as_of = DATE '\(Self.asOf)'
            UNION ALL
            SELECT 'unit', firm_id::text, substance_id::text, lines::text || '/' || median_kg::text
              FROM sweep_baseline_unit WHERE as_of = DATE '\(Self.asOf)'
            ORDER BY 1, 2, 3, 4
            """
        try await world.sweep(Self.asOf, connections: 1)
        let alone = try await world.strings(tables)
        let findingsAlone = try await Self.findings(world)
        try await world.sweep(Self.asOf, connections: 4)
        #expect(Set(alone.map { $0[0] }) == ["frequency", "value", "unit"])
        #expect(try await world.strings(tables) == alone)
        #expect(try await Self.findings(world) == findingsAlone)
    }

    /// Firm B has five months of history, a sixth arrives late: its March becomes a spike, which stored baselines
    /// (five months) would miss.
    @Test func aBackDatedLineInvalidatesTheBaselines() async throws {
        let (incremental, full, first, report) = try await Self.sweptTwice("baseline-late") { world in
            try await world.declarations(
                S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + S.history("B", W.firmB, from: "2025-10", count: 5, kg: 1000)
                    + [S.line("X1", "2026-03-12", W.firmB, kg: 20000)])
        } change: { world in
            try await world.declarations([S.line("LATE", "2025-09-10", W.firmB, kg: 1000)])
        }
        #expect(report.scope == .incremental)
        #expect(first.findings["volume_spike"] == nil)
        #expect(try await Self.baseline(incremental)[0] == String(report.id))
        #expect(report.findings["volume_spike"] == 1)
        #expect(try await Self.findings(incremental) == (try await Self.findings(full)))
        #expect(try await incremental.openAlerts() == (try await full.openAlerts()))
    }

    /// Firm B's March is a spike against six months of history; one of them deleted afterwards leaves five, too few
    /// for volume_spike, which stored baselines (six months) would not know.
    @Test func aDeletedBackDatedLineInvalidatesTheBaselines() async throws {
        let (incremental, full, first, report) = try await Self.sweptTwice("baseline-deleted") { world in
            try await world.declarations(
                S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + S.history("B", W.firmB, from: "2025-09", count: 6, kg: 1000)
                    + [S.line("X1", "2026-03-12", W.firmB, kg: 20000)])
        } change: { world in
            let lines = try await world.strings(
                """
                SELECT declaration_no FROM declaration_line
                 WHERE declared_on < DATE '2025-10-01' AND firm_id = (SELECT id FROM firm WHERE tax_code = '\(W.firmB)')
                """)
            #expect(lines.count == 1)
            try await world.run("DELETE FROM declaration_line WHERE declaration_no = '\(lines[0][0])'")
            try await world.declarations([S.line("X2", "2026-03-20", W.firmA, kg: 1000)])
        }
        #expect(report.scope == .incremental)
        #expect(first.findings["volume_spike"] == 1)
        #expect(try await Self.baseline(incremental)[0] == String(report.id))
        #expect(report.findings["volume_spike"] == nil)
        #expect(try await Self.findings(incremental) == (try await Self.findings(full)))
        #expect(try await incremental.openAlerts() == (try await full.openAlerts()))
    }

    /// Eight established chemical distributors and a new one at 3,000 kg a month (3× their median): once one of the
    /// eight turns out to be a pharma distributor, the sector has seven and the new firm is judged against every
    /// sector instead.
    @Test func aFirmsSectorChangeInvalidatesTheBaselines() async throws {
        let sizes: [Double] = [500, 700, 800, 1000, 1000, 1250, 1400, 2000]
        let (incremental, full, first, report) = try await Self.sweptTwice("baseline-sector") { world in
            try await S.addFirms(world, count: 9)
            var lines: [String] = []
            for (index, size) in sizes.enumerated() {
                lines += S.history("P\(index)", S.peers[index], from: "2025-03", count: 12, kg: size)
            }
            try await world.declarations(lines + [S.line("N1", "2026-03-05", S.peers[8], kg: 3000)])
        } change: { world in
            try await world.load(
                .firms,
                """
                tax_code,name,sector,province,registered_on,status,key_enterprise
                \(S.peers[0]),Công ty Ngang hàng 1,pharma_distributor,Hà Nội,2015-01-01,active,false
                """)
            try await world.declarations([S.line("N2", "2026-03-06", S.peers[8], kg: 300)])
        }
        #expect(report.scope == .incremental)
        let kinds = { (world: SweepWorld) in try await world.lastFindings(.peerOutlier).map(\.kind) }
        #expect(first.findings["peer_outlier"] == 1)
        #expect(try await kinds(incremental) == ["new_firm_all_sectors"])
        #expect(try await Self.baseline(incremental)[0] == String(report.id))
        #expect(try await Self.findings(incremental) == (try await Self.findings(full)))
        #expect(try await incremental.openAlerts() == (try await full.openAlerts()))
    }
}
