import Foundation
import PrecursorStore
import TestSupport
import Testing

/// `precursorctl admin import …` run as a process against the real database: each format's happy path, BOM/CRLF,
/// NFC, idempotence, file-level errors and atomicity.
@Suite struct ImportTests {
    @Test func firmsWithBOMAndCRLFAreStoredNFCWithReportingObligations() async throws {
        let fixture = try await ImportFixture.make("impfirms")
        // "Công ty Hóa chất" typed with combining diacritics (o + U+0302, o + U+0301, a + U+0302 + U+0301).
        let decomposed = "Co\u{302}ng ty Ho\u{301}a cha\u{302}\u{301}t"
        let text =
            "\u{FEFF}" + ImportFixture.firmsHeader + "\r\n"
            + "0100233488,\(decomposed),chemical_distributor,Ha\u{300} Nội,2015-04-01,active,true\r\n"
            + "0100233505,\"Dược phẩm, Miền Nam\",pharma_distributor,Hồ Chí Minh,,,false\r\n"
        let path = try fixture.write("firms.csv", text)
        let (result, summary) = try await fixture.importJSON("firms", path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(summary.rowsRead == 2 && summary.rowsLoaded == 2 && summary.rowsRejected == 0)
        let names = try await fixture.strings("SELECT name, province, status FROM firm ORDER BY tax_code")
        #expect(names[0] == ["Công ty Hóa chất", "Hà Nội", "active"])
        #expect(names[0][0].unicodeScalars.count == "Công ty Hóa chất".precomposedStringWithCanonicalMapping.unicodeScalars.count)
        #expect(names[1][0] == "Dược phẩm, Miền Nam")
        let obligations = try await fixture.strings(
            "SELECT f.tax_code, o.frequency, o.due_days::text FROM reporting_obligation o JOIN firm f ON f.id = o.firm_id ORDER BY 1")
        #expect(obligations == [["0100233488", "monthly", "15"], ["0100233505", "annual", "46"]])
        let batch = try await fixture.strings("SELECT kind, sha256, rows_read::text, rows_loaded::text, source FROM import_batch")
        #expect(batch == [["firms", try Importer.sha256(ofFile: path), "2", "2", "cli"]])
        #expect(try await fixture.scalar("SELECT count(*)::int FROM audit_log WHERE action = 'import.firms'") == 1)
    }

    @Test func facilitiesLicencesDeclarationsAndReportsLoad() async throws {
        let fixture = try await ImportFixture.make("impall")
        try await fixture.loadFirms()
        let facilities = try fixture.write(
            "facilities.csv",
            """
            tax_code,facility_code,kind,name,zone_code,province,address
            0100233488,WH1,warehouse,Kho Đông Anh,KCX_TAN_THUAN,Hà Nội,"Số 1, Đông Anh"
            0100233505,F1,factory,Nhà máy 1,,Hồ Chí Minh,

            """)
        #expect(try await fixture.importFile("facilities", facilities).status == 0)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM facility WHERE zone_id IS NOT NULL") == 1)

        let licences = try fixture.write(
            "licences.csv",
            """
            \(ImportFixture.licencesHeader)
            LIC-1,0100233488,MOIT,import,ACETIC_ANHYDRIDE,,1000,2026-01-01,2026-12-31,active
            LIC-1,0100233488,MOIT,import,67-64-1,50,200.5,2026-01-01,2026-12-31,active

            """)
        let (licenceResult, licenceSummary) = try await fixture.importJSON("licences", licences)
        #expect(licenceResult.status == 0, "\(licenceResult.stderr)")
        #expect(licenceSummary.rowsLoaded == 2)
        #expect(
            try await fixture.strings(
                "SELECT s.code, ll.concentration_pct::text, ll.quantity_kg::text FROM licence_line ll JOIN substance s ON s.id = ll.substance_id ORDER BY 1"
            )
                == [["ACETIC_ANHYDRIDE", "100.0000", "1000.000"], ["ACETONE", "50.0000", "200.500"]])

        let declarations = try fixture.write(
            "declarations.csv",
            """
            \(ImportFixture.declarationsHeader)
            D-100,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,2,TNE,99,LIC-1,5000
            D-100,2,2026-03-10,import,0100233488,HAN_AIR,air,CN,29141100,,10,LTR,50,NO-SUCH-LICENCE,
            D-101,1,2026-03-11,export,0100233505,SGN_AIR,express,KH,2915.24.00,108-24-7,500,GRM,,,

            """)
        let (result, summary) = try await fixture.importJSON("declarations", declarations)
        #expect(result.status == 0, "\(result.stderr)\(result.stdout)")
        #expect(summary.rowsLoaded == 3)
        let lines = try await fixture.strings(
            """
            SELECT d.declaration_no || '/' || d.line_no, s.code, d.hs_code, d.kg_pure::text, coalesce(d.licence_no, ''),
                   coalesce(l.licence_no, '-')
              FROM declaration_line d JOIN substance s ON s.id = d.substance_id LEFT JOIN licence l ON l.id = d.licence_id
             ORDER BY 1
            """)
        #expect(
            lines == [
                ["D-100/1", "ACETIC_ANHYDRIDE", "291524", "1980.000000", "LIC-1", "LIC-1"],
                // 10 L × 0.791 kg/L × 50 % (substance found from the 8-digit HS code alone).
                ["D-100/2", "ACETONE", "29141100", "3.955000", "NO-SUCH-LICENCE", "-"],
                ["D-101/1", "ACETIC_ANHYDRIDE", "29152400", "0.500000", "", "-"],
            ])

        let header =
            "tax_code,period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note"
        let reports = try fixture.write(
            "reports.csv",
            """
            \(header)
            0100233488,2025,WH1,ACETIC_ANHYDRIDE,10,100,0,0,0,90,0,0,20,Báo cáo năm
            0100233505,2025-Q4,,EPHEDRINE,0,5,0,0,4,0,0,0,1,

            """)
        #expect(try await fixture.importFile("reports", reports).status == 0)
        let again = try await fixture.importJSON("reports", reports).1
        #expect(again.rowsLoaded == 0 && again.rowsUnchanged == 2)
        let amended = try fixture.write(
            "reports-amended.csv",
            """
            \(header)
            0100233488,2025,WH1,ACETIC_ANHYDRIDE,10,100,0,0,0,80,0,0,30,Báo cáo năm (sửa)

            """)
        #expect(try await fixture.importJSON("reports", amended).1.rowsLoaded == 1)
        #expect(
            try await fixture.strings("SELECT version::text, sold_kg::text, source FROM self_report WHERE period = '2025' ORDER BY version")
                == [["1", "90.000", "import"], ["2", "80.000", "import"]])
    }

    @Test func theSameFileTwiceChangesNothingTheSecondTime() async throws {
        let fixture = try await ImportFixture.make("impidem")
        try await fixture.loadFirms()
        let path = try fixture.write(
            "d.csv",
            """
            \(ImportFixture.declarationsHeader)
            D-1,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,,
            D-1,2,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,50,KGM,,,
            D-1,2,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,50,KGM,,,

            """)
        let first = try await fixture.importJSON("declarations", path).1
        #expect(first.rowsRead == 3 && first.rowsLoaded == 2 && first.rowsUnchanged == 1)
        let before = try await fixture.strings("SELECT id::text, updated_at::text FROM declaration_line ORDER BY id")
        let (result, second) = try await fixture.importJSON("declarations", path)
        #expect(result.status == 0)
        #expect(second.rowsLoaded == 0 && second.rowsUnchanged == 3 && second.rowsRejected == 0)
        #expect(try await fixture.strings("SELECT id::text, updated_at::text FROM declaration_line ORDER BY id") == before)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch WHERE kind = 'declarations'") == 2)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM audit_log WHERE action = 'import.declarations'") == 1)
        let table = try await fixture.importFile("declarations", path)
        #expect(table.stdout.contains("rows unchanged  3"), "\(table.stdout)")
    }

    /// The same key twice in one file is compared after parsing: `01` and `1` are one line number, and a substance
    /// given by code and by CAS number is one substance. Identical content loads once; different content rejects those
    /// lines with a reason, and the rest of the file still loads (no "ON CONFLICT cannot affect row a second time").
    @Test func theSameKeyWrittenTwoWaysInOneFile() async throws {
        let fixture = try await ImportFixture.make("impsamekey")
        try await fixture.loadFirms()
        let declarations = try fixture.write(
            "declarations.csv",
            """
            \(ImportFixture.declarationsHeader)
            D-1,01,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,,
            D-1,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,108-24-7,100.0,KGM,100,,
            D-2,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,,
            D-2,001,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,101,KGM,,,
            D-3,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,7,KGM,,,

            """)
        let (result, summary) = try await fixture.importJSON("declarations", declarations)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(summary.rowsRead == 5 && summary.rowsLoaded == 2 && summary.rowsUnchanged == 1 && summary.rowsRejected == 2)
        #expect(
            try await fixture.strings("SELECT declaration_no || '/' || line_no, quantity::text FROM declaration_line ORDER BY 1")
                == [["D-1/1", "100.000000"], ["D-3/1", "7.000000"]])
        #expect(
            try await fixture.strings("SELECT line::text, array_to_string(reasons, '; ') FROM ingest_reject ORDER BY line") == [
                ["4", "declaration_no D-2 line_no 1 appears on lines 4, 5 with different content"],
                ["5", "declaration_no D-2 line_no 1 appears on lines 4, 5 with different content"],
            ])
        // The file again: every loaded key is unchanged.
        let again = try await fixture.importJSON("declarations", declarations).1
        #expect(again.rowsLoaded == 0 && again.rowsUnchanged == 3 && again.rowsRejected == 2)

        let licences = try fixture.write(
            "licences.csv",
            """
            \(ImportFixture.licencesHeader)
            LIC-1,0100233488,MOIT,import,ACETONE,,1000,2026-01-01,2026-12-31,active
            LIC-1,0100233488,MOIT,import,67-64-1,100,1000,2026-01-01,2026-12-31,active
            LIC-2,0100233488,MOIT,import,ACETONE,,1000,2026-01-01,2026-12-31,active
            LIC-2,0100233488,MOIT,import,67-64-1,,2000,2026-01-01,2026-12-31,active

            """)
        let (licenceResult, licenceSummary) = try await fixture.importJSON("licences", licences)
        #expect(licenceResult.status == 1, "\(licenceResult.stderr)")
        #expect(licenceSummary.rowsLoaded == 1 && licenceSummary.rowsUnchanged == 1 && licenceSummary.rowsRejected == 2)
        #expect(
            try await fixture.strings("SELECT l.licence_no, ll.quantity_kg::text FROM licence_line ll JOIN licence l ON l.id = ll.licence_id")
                == [["LIC-1", "1000.000"]])
        let licenceReasons = try await fixture.strings(
            "SELECT array_to_string(r.reasons, '; ') FROM ingest_reject r JOIN import_batch b ON b.id = r.import_batch_id WHERE b.kind = 'licences' ORDER BY line"
        )
        #expect(
            licenceReasons
                == Array(
                    repeating: ["licence_no LIC-2 substance ACETONE concentration_pct (empty) appears on lines 4, 5 with different content"], count: 2
                ))

        let header =
            "tax_code,period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note"
        let reports = try fixture.write(
            "reports.csv",
            """
            \(header)
            0100233488,2025,,ACETONE,1,0,0,0,0,0,0,0,1,
            0100233488,2025,,67-64-1,1,0,0,0,0,0,0,0,1.0,
            0100233488,2024,,ACETONE,1,0,0,0,0,0,0,0,1,
            0100233488,2024,,67-64-1,2,0,0,0,0,0,0,0,2,

            """)
        let (reportResult, reportSummary) = try await fixture.importJSON("reports", reports)
        #expect(reportResult.status == 1, "\(reportResult.stderr)")
        #expect(reportSummary.rowsLoaded == 1 && reportSummary.rowsUnchanged == 1 && reportSummary.rowsRejected == 2)
        #expect(try await fixture.strings("SELECT period, version::text FROM self_report") == [["2025", "1"]])
    }

    @Test func dryRunAndStandardInputLoadNothingExtra() async throws {
        let fixture = try await ImportFixture.make("impdry")
        let path = try fixture.write("firms.csv", ImportFixture.firms)
        let dry = try await fixture.importFile("firms", path, ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("dry run"))
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 0)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch") == 0)
        let piped = try await fixture.importFile("firms", "-", stdin: Data(ImportFixture.firms.utf8))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 2)
    }

    @Test(arguments: [
        ("tax_code,name,sector,province,registered_on,status", "missing column(s) key_enterprise"),
        (ImportFixture.firmsHeader + ",colour", "unknown column(s) colour"),
        (ImportFixture.firmsHeader + ",name", "duplicated column(s) name"),
    ])
    func aBadHeaderIsAFileLevelErrorNamingTheColumns(header: String, message: String) async throws {
        let fixture = try await ImportFixture.make("imphdr")
        let path = try fixture.write("firms.csv", header + "\n0100233488,A,other,Hà Nội,,,\n")
        let result = try await fixture.importFile("firms", path)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch") == 0)
    }

    @Test(arguments: [
        ("0100233488,A,other,Hà Nội,,,false\n0100233505,\"B,other,HCM,,,false\n", "line 3: a quoted field opened here is never closed"),
        ("0100233488,A,other,Hà Nội,,,false\n\n0100233505,B,other\n", "line 4 has 3 field(s), the header has 7"),
        ("0100233488,\"A\"x,other,Hà Nội,,,false\n", "line 2: text follows a closing quote"),
    ])
    func malformedCSVIsAFileLevelErrorNamingTheLine(body: String, message: String) async throws {
        let fixture = try await ImportFixture.make("impcsv")
        let path = try fixture.write("firms.csv", ImportFixture.firmsHeader + "\n" + body)
        let result = try await fixture.importFile("firms", path)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 0)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch") == 0)
    }

    @Test func aProcessKilledMidImportLeavesNothing() async throws {
        let fixture = try await ImportFixture.make("impkill")
        var text = ImportFixture.firmsHeader + "\n"
        for n in 0..<40 { text += "0100233488,Firm \(n),other,Hà Nội,,,false\n" }
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = fixture.url.uri
        env["PRECURSOR_IMPORT_PAUSE_AFTER_ROWS"] = "30"
        let child = try ChildProcess(
            TestDatabase.binaryFolder + "/precursorctl", ["admin", "import", "firms", "-"], environment: env,
            stdin: .pipe, stdout: .null, stderr: .pipe)
        child.stdin!.write(Data(text.utf8))  // fits in the pipe; left open, so the importer never sees the end
        let stderr = child.stderr!
        let seen = await offPool {
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("paused") {
                let chunk = stderr.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            return seen
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("paused"))
        child.signal(SIGKILL)
        #expect(await offPool { child.wait() } == 128 + SIGKILL)
        try? child.stdin!.close()
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch") == 0)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 0)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM ingest_reject") == 0)
    }
}
