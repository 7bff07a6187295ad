import Foundation
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Testing

/// The licence rules at their boundaries, on worlds loaded through the real importers.
@Suite struct LicenceRuleTests {
    typealias W = SweepWorld

    static func line(
        _ no: String, _ day: String, _ firm: String = W.firmA, substance: String = "ACETONE", kg: String = "2000",
        licence: String = "", direction: String = "import", office: String = "CAI_MEP"
    ) -> String {
        let hs = substance == "ACETONE" ? "291411" : "293941"
        return "\(no),1,\(day),\(direction),\(firm),\(office),sea,CN,\(hs),\(substance),\(kg),KGM,100,\(licence),1000"
    }

    @Test func unlicensedImportFiresTheDayAfterTheLicenceLapses() async throws {
        let world = try await W.make("unlicensed")
        try await world.licences(["GP-01/2026,\(W.firmA),MOIT,import,ACETONE,100,10000,2026-01-01,2026-06-30,active"])
        try await world.declarations([
            Self.line("D1", "2026-06-30"),  // last valid day: covered
            Self.line("D2", "2026-07-01"),  // the day after: no licence covers it
            Self.line("D3", "2026-07-05", direction: "export"),  // a licence to import does not cover an export
            Self.line("D4", "2026-05-02", W.firmB, substance: "EPHEDRINE", kg: "12.5", office: "HAN_AIR"),
        ])
        try await world.sweep("2026-07-31")
        let found = try await world.lastFindings(.unlicensedImport)
        #expect(
            found.map { "\($0.taxCode) \($0.substance) \($0.kind) \($0.period)" } == [
                "\(W.firmA) ACETONE export 2026-07", "\(W.firmA) ACETONE import 2026-07", "\(W.firmB) EPHEDRINE import 2026-05",
            ])
        let july = try #require(found.first { $0.kind == "import" && $0.taxCode == W.firmA })
        #expect(july.severity == "critical")
        #expect(july.reasonEN == "Imported 2,000 kg of Acetone on 1 Jul 2026 with no licence of the firm covering it")
        #expect(july.reasonVI == "Nhập khẩu 2.000 kg Axeton ngày 1/7/2026 mà doanh nghiệp không có giấy phép")
        #expect(july.evidence.contains("\"D2/1\""))
        let ephedrine = try #require(found.first { $0.taxCode == W.firmB })
        #expect(ephedrine.evidence.contains("\"hot_route\": true"))
        // As of the day before D2, only the ephedrine import is visible.
        try await world.sweep("2026-06-30")
        #expect(try await world.lastFindings(.unlicensedImport).map(\.taxCode) == [W.firmB])
    }

    @Test func citingALapsedLicenceIsInvalidFromTheNextDay() async throws {
        let world = try await W.make("invalid")
        try await world.licences(["12/GP-HC,\(W.firmA),MOH,import,EPHEDRINE,100,100000,2026-01-01,2026-02-28,active"])
        try await world.declarations([
            Self.line("E1", "2026-02-28", substance: "EPHEDRINE", licence: "12/GP-HC"),
            Self.line("E2", "2026-03-12", substance: "EPHEDRINE", licence: "12/GP-HC"),
            Self.line("E3", "2026-02-10", W.firmB, substance: "EPHEDRINE", kg: "5", licence: "12/GP-HC"),
            Self.line("E4", "2026-02-11", W.firmC, substance: "EPHEDRINE", kg: "5", licence: "99/NO-SUCH"),
            Self.line("E5", "2026-02-12", substance: "ACETONE", kg: "5", licence: "12/GP-HC"),
        ])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.licenceInvalid)
        #expect(
            found.map { "\($0.taxCode) \($0.kind) \($0.period)" }.sorted() == [
                "\(W.firmA) expired 2026-03", "\(W.firmA) other_substance 2026-02", "\(W.firmC) unknown 2026-02",
                "\(W.firmB) other_firm 2026-02",
            ])
        let expired = try #require(found.first { $0.kind == "expired" })
        #expect(expired.reasonVI == "Nhập khẩu 2.000 kg Ephedrine ngày 12/3/2026 theo giấy phép 12/GP-HC đã hết hạn ngày 28/2/2026")
        #expect(expired.reasonEN == "Imported 2,000 kg of Ephedrine on 12 Mar 2026 under licence 12/GP-HC, which expired on 28 Feb 2026")
        #expect(expired.evidence.contains("\"E2/1\"") && !expired.evidence.contains("\"E1/1\""))
    }

    @Test func aLicenceLoadedAfterTheDeclarationsCitingItResolvesThem() async throws {
        let world = try await W.make("resolve")
        try await world.declarations([Self.line("R1", "2026-02-02", licence: "7/GP-LATE")])
        try await world.sweep("2026-02-28")
        #expect(try await world.lastFindings(.licenceInvalid).map(\.kind) == ["unknown"])
        try await world.licences(["7/GP-LATE,\(W.firmA),MOIT,import,ACETONE,100,10000,2026-01-01,2026-12-31,active"])
        try await world.sweep("2026-02-28", full: false)
        #expect(try await world.lastFindings(.licenceInvalid).isEmpty)
    }

    @Test func shipmentsBeyondTheLicensedCountAreInvalid() async throws {
        let world = try await W.make("shipments")
        try await world.licences(["3/GP,\(W.firmA),MOIT,import,ACETONE,100,100000,2026-01-01,2026-12-31,active"])
        try await world.run("UPDATE licence SET shipments_allowed = 2 WHERE licence_no = '3/GP'")
        try await world.declarations([
            Self.line("S1", "2026-03-01", licence: "3/GP"), Self.line("S2", "2026-03-02", licence: "3/GP"),
            Self.line("S3", "2026-03-03", licence: "3/GP"),
        ])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.licenceInvalid)
        #expect(found.map(\.kind) == ["shipments_exceeded"])
        #expect(found.first?.evidence.contains("\"S3/1\"") == true)
        #expect(found.first?.evidence.contains("\"S2/1\"") == false)
    }

    /// The shipment count is the holder's: firm B's S2 citing firm A's licence is firm B's finding (another firm's
    /// licence), not one of A's two shipments, so A's S3 is still allowed and S4 is the one past the count.
    @Test func anotherFirmsCitationIsNotOneOfTheHoldersShipments() async throws {
        let world = try await W.make("shipmentsother")
        try await world.licences(["4/GP,\(W.firmA),MOIT,import,ACETONE,100,100000,2026-01-01,2026-12-31,active"])
        try await world.run("UPDATE licence SET shipments_allowed = 2 WHERE licence_no = '4/GP'")
        try await world.declarations([
            Self.line("S1", "2026-03-01", licence: "4/GP"), Self.line("S2", "2026-03-02", W.firmB, licence: "4/GP"),
            Self.line("S3", "2026-03-03", licence: "4/GP"), Self.line("S4", "2026-03-04", licence: "4/GP"),
        ])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.licenceInvalid)
        #expect(found.map { "\($0.taxCode) \($0.kind)" }.sorted() == ["\(W.firmA) shipments_exceeded", "\(W.firmB) other_firm"])
        let exceeded = try #require(found.first { $0.kind == "shipments_exceeded" })
        #expect(exceeded.evidence.contains("\"S4/1\"") && !exceeded.evidence.contains("\"S3/1\""), "\(exceeded.evidence)")
    }

    /// A licence for two substances counts shipments of both: an incremental sweep after a new ephedrine shipment, and
    /// after an earlier acetone one that moves every later shipment up a place, finds what a full sweep finds.
    @Test func aShipmentCountSpansTheLicencesSubstancesInIncrementalSweeps() async throws {
        let world = try await W.make("shipmentspan")
        try await world.licences([
            "9/GP,\(W.firmA),MOIT,import,ACETONE,100,100000,2026-01-01,2026-12-31,active",
            "9/GP,\(W.firmA),MOIT,import,EPHEDRINE,100,100000,2026-01-01,2026-12-31,active",
        ])
        try await world.run("UPDATE licence SET shipments_allowed = 2 WHERE licence_no = '9/GP'")
        try await world.declarations([Self.line("S1", "2026-03-02", licence: "9/GP"), Self.line("S2", "2026-03-03", licence: "9/GP")])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.licenceInvalid).isEmpty)
        func exceeded() async throws -> [String] {
            try await world.lastFindings(.licenceInvalid).map {
                "\($0.substance) \($0.kind) \($0.evidence.contains("\"S2/1\"")) \($0.evidence.contains("\"S3/1\""))"
            }
        }
        try await world.declarations([Self.line("S3", "2026-03-04", substance: "EPHEDRINE", kg: "5", licence: "9/GP")])
        try await world.sweep("2026-03-31", full: false)
        #expect(try await exceeded() == ["EPHEDRINE shipments_exceeded false true"])
        try await world.declarations([Self.line("S0", "2026-03-01", licence: "9/GP")])
        try await world.sweep("2026-03-31", full: false)
        let incremental = try await exceeded()
        #expect(incremental == ["ACETONE shipments_exceeded true false", "EPHEDRINE shipments_exceeded false true"])
        try await world.sweep("2026-03-31")
        #expect(try await exceeded() == incremental)
    }

    /// A licence that changes hands: the old holder's lines citing it now cite another firm's licence, the new holder's
    /// no longer do, and an incremental sweep examines both (the old holder's lines through the pair-months the change
    /// records, since lines are no longer indexed by licence). The firm page shows each firm its own lines only.
    @Test func aLicenceChangingHandsIsFollowedByAnIncrementalSweep() async throws {
        let world = try await W.make("holder")
        let licence = "6/GP,\(W.firmA),MOIT,import,ACETONE,100,100000,2026-01-01,2026-12-31,active"
        try await world.licences([licence])
        try await world.declarations([
            Self.line("X1", "2026-03-01", licence: "6/GP"), Self.line("X2", "2026-03-02", W.firmB, licence: "6/GP"),
        ])
        try await world.sweep("2026-03-31")
        #expect(try await world.lastFindings(.licenceInvalid).map { "\($0.taxCode) \($0.kind)" } == ["\(W.firmB) other_firm"])
        #expect(try await Self.licencePages(world) == ["\(W.firmA) 6/GP 1 [2000.0]"])

        try await world.licences([licence.replacingOccurrences(of: W.firmA, with: W.firmB)])
        try await world.sweep("2026-03-31", full: false)
        #expect(try await world.lastFindings(.licenceInvalid).map { "\($0.taxCode) \($0.kind)" } == ["\(W.firmA) other_firm"])
        #expect(try await Self.licencePages(world) == ["\(W.firmB) 6/GP 1 [2000.0]"])
    }

    /// Each firm's licences as its page shows them: number, its declarations citing it, drawn kg per licence line.
    static func licencePages(_ world: W) async throws -> [String] {
        try await Database.with(url: world.url, logger: world.logger) { db in
            let directory = FirmDirectory(database: db, logger: world.logger)
            var pages: [String] = []
            for firm in [W.firmA, W.firmB] {
                let id = try #require(try await directory.firm(taxCode: firm)).id
                for licence in try await directory.licences(firmID: id) {
                    pages.append("\(firm) \(licence.licenceNo) \(licence.shipmentsUsed) \(licence.lines.map(\.drawnKg))")
                }
            }
            return pages
        }
    }

    /// Granted 1,000 kg: below 90 % silent; from 90 % a warning; above 100 % overdrawn (critical).
    @Test(arguments: [("899.999", ""), ("900", "near"), ("1000", "near"), ("1000.001", "over")])
    func overdrawnAtTheRatios(drawn: String, expected: String) async throws {
        let world = try await W.make("overdrawn")
        try await world.licences(["5/GP,\(W.firmA),MOIT,import,ACETONE,100,1000,2026-01-01,2026-12-31,active"])
        try await world.declarations([Self.line("O1", "2026-03-01", kg: drawn, licence: "5/GP")])
        try await world.sweep("2026-03-31")
        let found = try await world.lastFindings(.licenceOverdrawn)
        #expect(found.map(\.kind) == (expected.isEmpty ? [] : [expected]))
        if expected == "over" {
            #expect(try #require(found.first).severity == "critical")
            #expect(try #require(found.first).reasonVI.hasPrefix("Giấy phép 5/GP: đã khai 1.000 kg Axeton so với 1.000 kg được cấp"))
        }
        if expected == "near" { #expect(try #require(found.first).severity == "medium") }
    }
}
