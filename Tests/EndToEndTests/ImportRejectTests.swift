import Foundation
import PrecursorStore
import TestSupport
import Testing

/// Every reject reason, in both reject outputs (the ingest_reject table and FILE.rejects.csv), with good rows loaded
/// beside the bad ones and exit code 1.
@Suite struct ImportRejectTests {
    static let good = "D-1,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,5000"

    /// Each bad declaration (a good row with one change) and a fragment its reasons must contain.
    static let declarationCases: [(row: String, reason: String)] = [
        ("D-2,1,2026-03-10,import,0100233489,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,", "tax_code 0100233489: check digit 9, expected 8"),
        ("D-3,1,2026-03-10,import,0100233495,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,", "tax_code 0100233495: unknown firm"),
        ("D-4,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,NOPE,100,KGM,99,,", "substance NOPE: unknown substance code or CAS number"),
        ("D-5,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2933.39,,100,KGM,99,,", "hs_code 2933.39 maps to 5 substances"),
        ("D-6,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,9999.99,,100,KGM,99,,", "hs_code 9999.99 maps to no substance"),
        ("D-7,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,XYZ,99,,", "unit XYZ: unknown unit"),
        (
            "D-8,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2924.23,N_ACETYLANTHRANILIC_ACID,100,LTR,99,,",
            "unit LTR: N_ACETYLANTHRANILIC_ACID has no density in the catalogue; declare in KGM"
        ),
        ("D-9,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,-5,KGM,99,,", "quantity -5: negative"),
        ("D-10,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1 000,KGM,99,,", "quantity 1 000: not a number"),
        ("D-11,1,2026-02-30,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,", "declared_on 2026-02-30: not a real date"),
        (
            "D-12,1,2026-03-10,import,0100233488,NOWHERE,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,",
            "customs_office NOWHERE: unknown customs office"
        ),
        ("D-13,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,150,,", "concentration_pct 150: outside 0-100"),
        (
            "D-14,1,2026-03-10,sideways,0100233488,HAN_AIR,teleport,china,29.15,ACETIC_ANHYDRIDE,100,KGM,99,,",
            "direction sideways: expected import or export"
        ),
        (
            "D-15,1000,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,0,,-1",
            "line_no 1000: expected a whole number from 1 to 999"
        ),
        (
            "D-16,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,99,,",
            "declaration_no D-16 line_no 1 appears on lines 17, 18 with different content"
        ),
        (
            "D-16,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,101,KGM,99,,",
            "declaration_no D-16 line_no 1 appears on lines 17, 18 with different content"
        ),
    ]

    @Test func everyDeclarationRejectReasonInBothOutputs() async throws {
        let fixture = try await ImportFixture.make("rejdecl")
        try await fixture.loadFirms()
        let rows = [Self.good] + Self.declarationCases.map(\.row)
        let path = try fixture.write("declarations.csv", ([ImportFixture.declarationsHeader] + rows).joined(separator: "\n") + "\n")
        let (result, summary) = try await fixture.importJSON("declarations", path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(summary.rowsRead == rows.count && summary.rowsLoaded == 1 && summary.rowsRejected == rows.count - 1)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM declaration_line") == 1)

        let stored = try await fixture.strings(
            "SELECT line::text, array_to_string(reasons, '; '), fields->>'declaration_no' FROM ingest_reject ORDER BY line")
        #expect(stored.count == Self.declarationCases.count)
        for (index, (row, reason)) in Self.declarationCases.enumerated() {
            let line = index + 3
            let match = stored.first { $0[0] == "\(line)" }
            #expect(match?[1].contains(reason) == true, "line \(line): \(match?[1] ?? "not rejected")")
            #expect(match?[2] == row.split(separator: ",").first.map(String.init))
        }
        // One row with several problems carries every reason, not only the first.
        let many = try #require(stored.first { $0[0] == "15" })[1]
        for fragment in ["transport_mode teleport", "country china", "hs_code 29.15: expected 6 or 8 digits"] {
            #expect(many.contains(fragment), "\(many)")
        }
        let fifteen = try #require(stored.first { $0[0] == "16" })[1]
        #expect(fifteen.contains("concentration_pct 0: outside 0-100") && fifteen.contains("value_usd -1: negative"), "\(fifteen)")

        let rejects = try String(contentsOfFile: path + ".rejects.csv", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == Self.declarationCases.count + 1)
        #expect(rejects[0] == "line,reasons," + ImportFixture.declarationsHeader)
        #expect(rejects[1].hasPrefix("3,\"tax_code 0100233489: check digit 9, expected 8\",D-2,1,2026-03-10"), "\(rejects[1])")
        #expect(summary.rejectsFile == path + ".rejects.csv")
    }

    @Test func registryRejectReasons() async throws {
        let fixture = try await ImportFixture.make("rejreg")
        let firms = try fixture.write(
            "firms.csv",
            """
            \(ImportFixture.firmsHeader)
            0100233488,Đông Á,chemical_distributor,Hà Nội,2015-04-01,active,true
            0100233489,Sai mã,chemical_distributor,Hà Nội,,,
            0100233505,,miner,,2015-13-01,closed,yes

            """)
        let (firmResult, firmSummary) = try await fixture.importJSON("firms", firms)
        #expect(firmResult.status == 1)
        #expect(firmSummary.rowsLoaded == 1 && firmSummary.rowsRejected == 2)
        let firmReasons = try await fixture.strings("SELECT array_to_string(reasons, '; ') FROM ingest_reject ORDER BY line").map { $0[0] }
        #expect(firmReasons[0] == "tax_code 0100233489: check digit 9, expected 8")
        for fragment in [
            "name is empty", "sector miner: expected", "province is empty", "registered_on 2015-13-01: not a real date",
            "status closed: expected active, suspended or dissolved", "key_enterprise yes: expected true or false",
        ] {
            #expect(firmReasons[1].contains(fragment), "\(firmReasons[1])")
        }

        let facilities = try fixture.write(
            "facilities.csv",
            """
            tax_code,facility_code,kind,name,zone_code,province,address
            0100233488,WH1,warehouse,Kho,NO_ZONE,Hà Nội,
            0100233505,F1,castle,Nhà máy,,Hồ Chí Minh,

            """)
        #expect(try await fixture.importFile("facilities", facilities).status == 1)
        let facilityReasons = try await fixture.strings(
            "SELECT array_to_string(r.reasons, '; ') FROM ingest_reject r JOIN import_batch b ON b.id = r.import_batch_id WHERE b.kind = 'facilities' ORDER BY line"
        ).map { $0[0] }
        #expect(facilityReasons[0] == "zone_code NO_ZONE: unknown zone")
        #expect(facilityReasons[1].contains("tax_code 0100233505: unknown firm") && facilityReasons[1].contains("kind castle"))

        let licences = try fixture.write(
            "licences.csv",
            """
            \(ImportFixture.licencesHeader)
            L-1,0100233488,MOIT,import,ACETIC_ANHYDRIDE,,100,2026-01-01,2026-12-31,active
            L-1,0100233488,MOIT,import,ACETONE,,100,2026-01-01,2027-06-30,active
            L-2,0100233488,MOIT,import,ACETONE,,100,2026-12-31,2026-01-01,active
            L-3,0100233488,MOIT,import,ACETONE,,100,2026-01-01,2026-12-31,active
            L-3,0100233488,MOIT,import,NOPE,,100,2026-01-01,2026-12-31,active
            L-4,0100233488,MOH,use,EPHEDRINE,100,5,2026-01-01,2026-12-31,

            """)
        let (licenceResult, licenceSummary) = try await fixture.importJSON("licences", licences)
        #expect(licenceResult.status == 1)
        #expect(licenceSummary.rowsLoaded == 1 && licenceSummary.rowsRejected == 5)
        let licenceReasons = try await fixture.strings(
            "SELECT line::text, array_to_string(r.reasons, '; ') FROM ingest_reject r JOIN import_batch b ON b.id = r.import_batch_id WHERE b.kind = 'licences' ORDER BY line"
        )
        #expect(licenceReasons[0][1] == "licence L-1: valid_until differ between its lines 2, 3; the lines of one licence must agree on them")
        #expect(licenceReasons[2][1] == "valid_from 2026-12-31 is after valid_until 2026-01-01")
        #expect(licenceReasons[3][1].contains("line(s) 6 of this licence were rejected"))
        #expect(licenceReasons[4][1] == "substance NOPE: unknown substance code or CAS number")
        #expect(try await fixture.strings("SELECT licence_no FROM licence") == [["L-4"]])
    }

    @Test func reportRejectReasons() async throws {
        let fixture = try await ImportFixture.make("rejrep")
        try await fixture.loadFirms()
        let path = try fixture.write(
            "reports.csv",
            """
            tax_code,period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note
            0100233488,2025-13,NOPE,ACETONE,1,x,0,0,0,0,0,0,-1,
            0100233488,2025,,ACETONE,1,0,0,0,0,0,0,0,1,

            """)
        let (result, summary) = try await fixture.importJSON("reports", path)
        #expect(result.status == 1)
        #expect(summary.rowsLoaded == 1 && summary.rowsRejected == 1)
        let reasons = try await fixture.strings("SELECT array_to_string(reasons, '; ') FROM ingest_reject")[0][0]
        for fragment in [
            "period 2025-13: expected YYYY, YYYY-Qn or YYYY-MM", "facility_code NOPE: unknown facility of firm 0100233488",
            "imported_kg x: not a number", "closing_kg -1: negative",
        ] {
            #expect(reasons.contains(fragment), "\(reasons)")
        }
    }
}
