import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// `frequency_spike` and `route_novelty` at their boundaries; sweeps as of 31 March 2026.
@Suite struct FrequencyRouteRuleTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    /// One shipment a month for a year: 1.02 expected in March's 31 days; P(X ≥ 12) = 10^−8.99 fires,
    /// P(X ≥ 11) = 10^−7.91 does not (threshold 10^−8).
    @Test(arguments: [(11, false), (12, true)])
    func shipmentCountAgainstTheFirmsOwnRate(count: Int, fires: Bool) async throws {
        let world = try await W.make("count")
        let march = (1...count).map { S.line("F\($0)", String(format: "2026-03-%02d", 2 + 2 * $0), W.firmA, kg: 900) }
        try await world.declarations(S.history("H", W.firmA, from: "2025-03", count: 12, kg: 900) + march)
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.frequencySpike)
        #expect(found.map(\.kind) == (fires ? ["count"] : []))
        if fires {
            #expect(try #require(found.first).reasonEN.hasPrefix("12 shipments of Acetone between 4 Mar 2026 and 26 Mar 2026 against about 1 usual"))
        }
    }

    /// Acetone's control threshold is 10,000 kg: three shipments from 9,000 kg (band 0.9) up to but not including
    /// 10,000 kg are split shipments; two are not, nor are three when one reaches the threshold.
    @Test(arguments: [([9500.0, 9990, 9000], true), ([9500.0, 9990], false), ([9500.0, 9990, 10000], false), ([9500.0, 9990, 8999], false)])
    func splitShipmentsJustUnderTheControlThreshold(sizes: [Double], fires: Bool) async throws {
        let world = try await W.make("split")
        try await world.declarations(sizes.enumerated().map { S.line("S\($0)", "2026-03-1\($0)", W.firmA, kg: $1) })
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.frequencySpike)
        #expect(found.map(\.kind) == (fires ? ["split"] : []))
        if fires {
            let row = try #require(found.first)
            #expect(row.reasonEN == "3 shipments of Acetone between 10 Mar 2026 and 12 Mar 2026, each just under the control threshold of 10,000 kg")
            #expect(row.severity == "high")
        }
    }

    /// Split shipments are declared within 10 days of each other: 1–12 March (11 days) is too far apart, 2–12 is not.
    @Test(arguments: [("01", false), ("02", true)])
    func splitShipmentsComeWithinTenDays(firstDay: String, fires: Bool) async throws {
        let world = try await W.make("split-span")
        try await world.declarations([
            S.line("S1", "2026-03-\(firstDay)", W.firmA, kg: 9500), S.line("S2", "2026-03-05", W.firmA, kg: 9600),
            S.line("S3", "2026-03-12", W.firmA, kg: 9700),
        ])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.frequencySpike).map(\.kind) == (fires ? ["split"] : []))
    }

    /// The split shipments are the run within 10 days: an ordinary lot in the band 13 days after the run neither
    /// hides it nor is counted in it.
    @Test func anInBandLotWeeksLaterLeavesTheRunAlone() async throws {
        let world = try await W.make("split-run")
        try await world.declarations([
            S.line("S1", "2026-03-02", W.firmA, kg: 9500), S.line("S2", "2026-03-05", W.firmA, kg: 9600),
            S.line("S3", "2026-03-08", W.firmA, kg: 9700), S.line("S4", "2026-03-21", W.firmA, kg: 9800),
        ])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.frequencySpike)
        #expect(found.map(\.kind) == ["split"])
        #expect(
            try #require(found.first).reasonEN
                == "3 shipments of Acetone between 2 Mar 2026 and 8 Mar 2026, each just under the control threshold of 10,000 kg")
    }

    /// A firm whose shipments always sit just under the threshold is not splitting this month.
    @Test func shipmentsThatAlwaysSitJustUnderAreUsual() async throws {
        let world = try await W.make("split-usual")
        try await world.declarations(
            S.history("H", W.firmA, from: "2025-03", count: 12, kg: 9500)
                + [9500.0, 9600, 9700].enumerated().map { S.line("S\($0)", "2026-03-1\($0)", W.firmA, kg: $1) })
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.frequencySpike).isEmpty)
    }

    /// Six months by sea through Cai Mep from China, then March's shipment: by air (weight 1.5) and from a country
    /// no importer uses (1) are new; another ordinary seaport (0.5) and an origin most importers use (0.5) are not.
    @Test(arguments: [
        ("HAN_AIR", "air", "CN", "mode"), ("DAD_PORT", "sea", "CN", ""), ("CAI_MEP", "sea", "MY", "origin"),
        ("CAI_MEP", "sea", "KR", ""), ("MOC_BAI", "road", "KH", "mode"),
    ])
    func firstUseOfARoute(office: String, mode: String, country: String, kind: String) async throws {
        let world = try await W.make("route")
        var lines = S.history("H", W.firmA, from: "2025-09", count: 6, kg: 1000)
        lines += S.history("B", W.firmB, from: "2025-09", count: 6, kg: 1000, country: "KR")
        lines.append(S.line("R1", "2026-03-17", W.firmA, kg: 1000, office: office, mode: mode, country: country))
        try await world.declarations(lines)
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.routeNovelty)
        #expect(found.filter { $0.taxCode == W.firmA }.map(\.kind) == (kind.isEmpty ? [] : [kind]))
        if office == "HAN_AIR" {
            let row = try #require(found.first)
            #expect(row.reasonEN == "First use in 24 months of this transport mode for Acetone: air HAN_AIR CN on 17 Mar 2026 (route weight 1.5)")
            #expect(try await world.openAlerts().contains { $0[0] == W.firmA && $0[2] == "route" })
        }
    }

    /// With two months of history a new route is not yet telling; with three it is.
    @Test(arguments: [(2, false), (3, true)])
    func aRouteIsNewOnlyAgainstAHistory(months: Int, fires: Bool) async throws {
        let world = try await W.make("route-history")
        try await world.declarations(
            S.history("H", W.firmA, from: "2025-12", count: months, kg: 1000)
                + [S.line("R1", "2026-03-17", W.firmA, kg: 1000, office: "HAN_AIR", mode: "air")])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.routeNovelty).count == (fires ? 1 : 0))
    }

    /// A Table I substance by courier always alerts, history or not; a Table II one by courier needs history.
    @Test(arguments: [("EPHEDRINE", true), ("ACETONE", false)])
    func tableIByCourierAlwaysAlerts(substance: String, fires: Bool) async throws {
        let world = try await W.make("courier")
        try await world.declarations([S.line("E1", "2026-03-17", W.firmC, substance, kg: 2, office: "HAN_EXP", mode: "express", country: "IN")])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.routeNovelty)
        #expect(found.map(\.kind) == (fires ? ["courier_table_i"] : []))
        if fires { #expect(try #require(found.first).score == "60.000") }
    }
}
