import Foundation
import PrecursorStore
import TestSupport
import Testing

/// A declarations file of new keys is copied straight into declaration_line in binary; the same file from standard
/// input takes the staging path. Both must store the same values and the same rejects.
@Suite struct ImportDirectTests {
    /// Values that exercise the binary encoding: scales from 0 to 9 digits, signs, leading zeros, trimmed fields, a
    /// volume unit with a density, an 8-digit HS code, leap days, Vietnamese text typed decomposed, and two bad lines.
    static let declarations = """
        \(ImportFixture.declarationsHeader)
        D-1,007,2024-02-29,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,+5,KGM,,LIC-1,0
        D-1,8, 2026-01-05 ,export , 0100233488,SGN_AIR,sea,KH,29141100,,0.000001234,LTR,12.34567,Giấy phép số 1,-0
        D-2,1,1999-12-31,import,0100233505,HAN_AIR,express,LA,2915.24.00,108-24-7,123456789012.5,GRM,0.0001,,99999.995
        D-2,2,2000-01-01,import,0100233505,HAN_AIR,road,US,2915.24,ACETIC_ANHYDRIDE,10000,TNE,100,NO-SUCH,1.5
        D-2,3,2026-02-29,import,0100233505,HAN_AIR,road,US,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,
        D-3,1,2026-03-10,import,0100233488,HAN_AIR,rail,DE,2915.24,ACETIC_ANHYDRIDE,.5,MGM,50.00005,Gia\u{0301}y,123.456
        D-3,2,2026-03-10,import,0100233488,NOWHERE,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,

        """

    static let stored = """
        SELECT declaration_no, line_no::text, firm_id::text, declared_on::text, direction, customs_office_id::text,
               transport_mode, country, hs_code, substance_id::text, quantity::text, unit, concentration_pct::text,
               kg_pure::text, coalesce(licence_no, '-'), coalesce(licence_id::text, '-'), coalesce(value_usd::text, '-'),
               (import_batch_id IS NOT NULL)::text
          FROM declaration_line ORDER BY declaration_no, line_no
        """

    static let rejects = "SELECT line::text, array_to_string(reasons, '; '), fields::text FROM ingest_reject ORDER BY line"

    @Test func aDirectLoadStoresWhatTheStagingPathStores() async throws {
        let licences = """
            \(ImportFixture.licencesHeader)
            LIC-1,0100233488,MOIT,import,ACETIC_ANHYDRIDE,,1000,2024-01-01,2026-12-31,active

            """
        var results: [[[String]]] = []
        for fromStandardInput in [false, true] {
            let fixture = try await ImportFixture.make(fromStandardInput ? "dirstaged" : "dirdirect")
            try await fixture.loadFirms()
            #expect(try await fixture.importFile("licences", try fixture.write("licences.csv", licences)).status == 0)
            let path = try fixture.write("declarations.csv", Self.declarations)
            let result = try await runCommand(
                ["admin", "import", "declarations", fromStandardInput ? "-" : path, "--format", "json"],
                environment: ["DATABASE_URL": fixture.url.uri, "PRECURSOR_LOG_LEVEL": "debug"],
                stdin: fromStandardInput ? Data(Self.declarations.utf8) : nil)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("declarations loaded directly") == !fromStandardInput, "\(result.stderr)")
            let summary = try JSONDecoder().decode(ImportFixture.Summary.self, from: Data(result.stdout.utf8))
            #expect(summary.rowsRead == 7 && summary.rowsLoaded == 5 && summary.rowsRejected == 2)
            results.append(try await fixture.strings(Self.stored) + fixture.strings(Self.rejects))
            if !fromStandardInput {
                let file = try String(contentsOfFile: path + ".rejects.csv", encoding: .utf8).split(separator: "\n")
                #expect(file.count == 3 && file[1].hasPrefix("6,declared_on 2026-02-29: not a real date") && file[2].hasPrefix("8,"))
            }
        }
        #expect(results[0] == results[1])
        let lines = results[0]
        #expect(lines[0][1] == "7" && lines[0][10] == "5.000000" && lines[0][16] == "0.00")
        #expect(lines[1][3] == "2026-01-05" && lines[1][4] == "export" && lines[1][10] == "0.000001" && lines[1][12] == "12.3457")
        #expect(lines[1][14] == "Giấy phép số 1" && lines[1][16] == "0.00")
        #expect(lines[2][3] == "1999-12-31" && lines[2][10] == "123456789012.500000" && lines[2][16] == "100000.00")
        #expect(lines[3][13] == "10000000.000000" && lines[3][15] == "-")
        #expect(lines[4][14] == "Giáy" && lines[4][14].unicodeScalars.count == 4 && lines[4][12] == "50.0001")
    }

    /// Rejected lines wait in memory and then in a temporary file while the good lines are copied; all of them arrive.
    @Test func manyRejectedLinesAllArrive() async throws {
        let fixture = try await ImportFixture.make("dirspill")
        try await fixture.loadFirms()
        var text = ImportFixture.declarationsHeader + "\n"
        text += "D-0,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,\n"
        for n in 1...30_000 {
            text += "D-\(n),1,2026-02-30,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LICENCE-WITH-A-LONG-NUMBER-\(n),\n"
        }
        let path = try fixture.write("declarations.csv", text)
        let (result, summary) = try await fixture.importJSON("declarations", path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(summary.rowsRead == 30_001 && summary.rowsLoaded == 1 && summary.rowsRejected == 30_000)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM ingest_reject") == 30_000)
        #expect(try await fixture.scalar("SELECT count(DISTINCT fields->>'licence_no')::int FROM ingest_reject") == 30_000)
        let file = try String(contentsOfFile: path + ".rejects.csv", encoding: .utf8).split(separator: "\n")
        #expect(file.count == 30_001)
    }
}
