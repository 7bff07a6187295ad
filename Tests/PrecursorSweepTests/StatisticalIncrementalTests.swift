import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// Incremental and full sweeps agree on the statistical rules (they evaluate the as-of month).
@Suite struct StatisticalIncrementalTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    @Test func incrementalAndFullSweepsAgreeOnAVolumeSpike() async throws {
        let incremental = try await W.make("stat-incr")
        let full = try await W.make("stat-full")
        for world in [incremental, full] {
            try await world.declarations(
                S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + S.history("B", W.firmB, from: "2025-03", count: 12, kg: 800))
            try await world.sweep("2026-02-28")
            try await world.declarations([
                S.line("X1", "2026-03-12", W.firmA, kg: 12000), S.line("X2", "2026-03-13", W.firmB, kg: 800, office: "HAN_AIR", mode: "air"),
            ])
        }
        let a = try await incremental.sweep("2026-03-31", full: false)
        let b = try await full.sweep("2026-03-31", full: true)
        #expect(a.scope == .incremental)
        #expect(a.findings["volume_spike"] == 1 && b.findings["volume_spike"] == 1)
        #expect(a.findings["route_novelty"] == 1 && b.findings["route_novelty"] == 1)
        let open = try await incremental.openAlerts()
        #expect(open == (try await full.openAlerts()))
        #expect(open.contains { $0[0] == W.firmA && $0[3] == "volume_spike" })
    }
}
