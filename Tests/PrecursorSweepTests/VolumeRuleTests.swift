import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// `volume_spike` and `peer_outlier` at their boundaries. Firm A imports acetone; sweeps run as of 31 March 2026.
@Suite struct VolumeRuleTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    /// Twelve flat months of 1,000 kg: median ln 1,000, MAD 0 floored at 0.25, so z = ln(kg / 1,000) / 0.3707 and
    /// z ≥ 3.5 from 3,659 kg (with the mean ratio lowered to 2, so z is what binds; the 500 kg floor is below).
    @Test(arguments: [(3650.0, false), (3670.0, true)])
    func spikeAgainstTheFirmsOwnYear(kg: Double, fires: Bool) async throws {
        let world = try await W.make("spike")
        try await S.set(world, "volume_spike", "mean_ratio", 2)
        try await world.declarations(S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + [S.line("X1", "2026-03-12", W.firmA, kg: kg)])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.volumeSpike)
        #expect(found.map { "\($0.kind) \($0.period)" } == (fires ? ["spike 2026-03"] : []))
        if fires {
            let row = try #require(found.first)
            #expect(row.reasonEN == "Imported 3,670 kg of Acetone in 2026-03, 3.7× the usual 1,000 kg for the season (robust z 3.5, threshold 3.5)")
            #expect(row.reasonVI.hasPrefix("Nhập khẩu 3.670 kg Axeton trong tháng 2026-03, gấp 3,7 lần"))
            #expect(row.evidence.contains("\"X1/1\""))
            #expect(try await world.openAlerts().contains { $0[2] == "volume" && $0[3] == "volume_spike" })
        }
    }

    /// By default a spike is also at least 10× the trailing mean: 9,990 kg against 1,000 kg a month is not, 10,000 kg is.
    @Test(arguments: [(9990.0, false), (10000.0, true)])
    func spikeIsAlsoAMultipleOfTheTrailingMean(kg: Double, fires: Bool) async throws {
        let world = try await W.make("spike-ratio")
        try await world.declarations(S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + [S.line("X1", "2026-03-12", W.firmA, kg: kg)])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.volumeSpike).count == (fires ? 1 : 0))
    }

    /// Five active months are not a baseline; six are (the mean is over the months since the first import).
    @Test(arguments: [(5, false), (6, true)])
    func needsSixActiveMonths(months: Int, fires: Bool) async throws {
        let world = try await W.make("spike-months")
        let start = S.months(from: "2025-09", count: 7)[6 - months]
        try await world.declarations(S.history("H", W.firmA, from: start, count: months, kg: 1000) + [S.line("X1", "2026-03-12", W.firmA, kg: 20000)])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.volumeSpike).count == (fires ? 1 : 0))
    }

    /// Acetone's materiality floor is 500 kg: 100 kg a month then 450 kg is z 4.1 but immaterial.
    @Test(arguments: [(450.0, false), (520.0, true)])
    func belowTheMaterialityFloorIsSilent(kg: Double, fires: Bool) async throws {
        let world = try await W.make("spike-floor")
        try await S.set(world, "volume_spike", "mean_ratio", 2)
        try await world.declarations(S.history("H", W.firmA, from: "2025-03", count: 12, kg: 100) + [S.line("X1", "2026-03-12", W.firmA, kg: kg)])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.volumeSpike).count == (fires ? 1 : 0))
    }

    /// A March that every importer shares (the seasonal index across firms) is not a spike of firm A.
    @Test(arguments: [false, true])
    func theSeasonSharedByPeersIsNotASpike(peersPeakInMarch: Bool) async throws {
        let world = try await W.make("season")
        try await S.set(world, "volume_spike", "mean_ratio", 2)
        var lines = S.history("H", W.firmA, from: "2025-03", count: 12, kg: 1000) + [S.line("X1", "2026-03-12", W.firmA, kg: 4000)]
        if peersPeakInMarch {
            for (prefix, firm) in [("B", W.firmB), ("C", W.firmC)] {
                lines += S.history(prefix, firm, from: "2025-04", count: 11, kg: 1000)
                lines.append(S.line("\(prefix)-PEAK", "2025-03-10", firm, kg: 4000))
            }
        }
        try await world.declarations(lines)
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.volumeSpike).count == (peersPeakInMarch ? 0 : 1))
    }

    /// Eight established chemical distributors import 500–2,000 kg a month (median 1,000 kg, MAD of ln 0.2798,
    /// scale 0.4148): a new one is an outlier from 3× the median (3,000 kg a month; z 2.65 ≥ 2.5). With the ratio set
    /// to 1, z binds: 2,821 kg. With only seven peers the alert is low confidence.
    @Test(arguments: [
        (8, 2990.0, 3.0, ""), (8, 3000.0, 3.0, "new_firm"), (8, 2800.0, 1.0, ""), (8, 2850.0, 1.0, "new_firm"),
        (7, 3000.0, 3.0, "low_confidence"),
    ])
    func newFirmAgainstItsPeers(peers: Int, kg: Double, ratio: Double, kind: String) async throws {
        let world = try await W.make("peers")
        try await S.set(world, "peer_outlier", "median_ratio", ratio)
        try await S.addFirms(world, count: 9)
        let sizes: [Double] = [500, 700, 800, 1000, 1000, 1250, 1400, 2000]
        var lines: [String] = []
        for (index, size) in sizes.prefix(peers).enumerated() {
            lines += S.history("P\(index)", S.peers[index], from: "2025-03", count: 12, kg: size)
        }
        lines.append(S.line("N1", "2026-03-05", S.peers[8], kg: kg))
        try await world.declarations(lines)
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.peerOutlier)
        #expect(found.map(\.kind) == (kind.isEmpty ? [] : [kind]))
        if kind == "new_firm" && kg == 3000 {
            #expect(try #require(found.first).reasonEN.contains("3,000 kg a month since its first import against 1,000 kg for the median of 8 established peers"))
        }
        if kind == "low_confidence" {
            #expect(try #require(found.first).severity == "low")
        }
    }
}
