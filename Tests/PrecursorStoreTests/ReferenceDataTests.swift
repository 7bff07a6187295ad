import Foundation
import Logging
import TestSupport
import Testing

@testable import PrecursorStore

@Suite struct ReferenceDataTests {
    let logger = Logger(label: "test")
    var seeds: String { TestDatabase.repositoryRoot + "/seeds" }

    @Test func loadsIdempotentlyAndUpdatesEditedRows() async throws {
        try await TestDatabase.withMigrated("seed") { db in
            let first = try await ReferenceDataLoader(folder: seeds, logger: logger).load(into: db, actor: .cliOperator)
            #expect(first.tables["substance"]!.inserted >= 60)
            #expect(first.tables["customs_office"]!.inserted >= 30)
            #expect(first.tables["zone"]!.inserted >= 20)
            #expect(first.tables["substance_listing"]!.inserted > 60)

            let second = try await ReferenceDataLoader(folder: seeds, logger: logger).load(into: db, actor: .cliOperator)
            #expect(second.changed == 0)
            #expect(second.tables["substance"]!.unchanged == first.tables["substance"]!.inserted)

            // Edit one row in a copy of the seeds: exactly that row is updated.
            let copy = try copySeeds()
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let path = copy + "/zones.csv"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "Tan Thuan Export Processing Zone", with: "Khu chế xuất Tân Thuận")
                .write(toFile: path, atomically: true, encoding: .utf8)
            let third = try await ReferenceDataLoader(folder: copy, logger: logger).load(into: db, actor: .cliOperator)
            #expect(third.changed == 1)
            #expect(third.tables["zone"]!.updated == 1)
            let name = try await db.rows("SELECT name FROM zone WHERE code = 'KCX_TAN_THUAN'")
            #expect(try name[0].decode(String.self) == "Khu chế xuất Tân Thuận")

            // Each load that changed something left one audit entry.
            let audits = try await db.rows("SELECT count(*) FROM audit_log WHERE action = 'seed'")
            #expect(try audits[0].decode(Int.self) == 2)
        }
    }

    @Test func flagsTheHotRoutesAndMapsOnlyUniqueHSCodes() async throws {
        try await TestDatabase.withMigrated("hot") { db in
            _ = try await ReferenceDataLoader(folder: seeds, logger: logger).load(into: db, actor: .cliOperator)
            let hot = try await db.rows("SELECT code FROM customs_office WHERE hot_route ORDER BY code")
            let codes = Set(try hot.map { try $0.decode(String.self) })
            for gate in [
                "HAN_AIR", "SGN_AIR", "CAT_LAI", "HPG_PORT", "MOC_BAI", "XA_MAT", "CAU_TREO", "LAO_BAO", "NA_MEO", "MONG_CAI", "HUU_NGHI", "LAO_CAI",
                "HAN_EXP", "SGN_EXP",
            ] {
                #expect(codes.contains(gate), "\(gate)")
            }
            let neighbours = try await db.rows("SELECT DISTINCT neighbour_country FROM customs_office WHERE kind = 'land_border' ORDER BY 1")
            #expect(try neighbours.map { try $0.decode(String.self) } == ["CN", "KH", "LA"])
            // 2933.39 is carried by several fentanyl precursors: it identifies none of them.
            let shared = try await db.rows("SELECT count(*) FROM hs_code_substance WHERE hs = '293339'")
            #expect(try shared[0].decode(Int.self) == 0)
            let unique = try await db.rows("SELECT s.code FROM hs_code_substance h JOIN substance s ON s.id = h.substance_id WHERE h.hs = '291524'")
            #expect(try unique[0].decode(String.self) == "ACETIC_ANHYDRIDE")
        }
    }

    @Test func aBadRowLoadsNothingAndIsNamedByFileLineAndField() async throws {
        let copy = try copySeeds()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/customs_offices.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[4] = "BAD_GATE,Somewhere,land_border,TH,true,Nowhere"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try await TestDatabase.withMigrated("badseed") { db in
            await #expect {
                _ = try await ReferenceDataLoader(folder: copy, logger: logger).load(into: db, actor: .cliOperator)
            } throws: { error in
                guard case StoreError.invalidFile(let p, let line, let field, let reason) = error else { return false }
                return p.hasSuffix("customs_offices.csv") && line == 5 && field == "neighbour_country" && reason.contains("TH")
            }
            let count = try await db.rows("SELECT (SELECT count(*) FROM substance) + (SELECT count(*) FROM customs_office)")
            #expect(try count[0].decode(Int.self) == 0)
        }
    }

    @Test(arguments: [("108-24-7", true), ("1609-66-1", true), ("1609-66-5", false), ("50-00-0", true), ("50-00-1", false), ("1-00-0", false)])
    func casCheckDigit(cas: String, valid: Bool) {
        #expect(ReferenceDataLoader.casIsValid(cas) == valid)
    }

    func copySeeds() throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("seeds-\(UUID())").path
        try FileManager.default.copyItem(atPath: seeds, toPath: copy)
        return copy
    }
}
