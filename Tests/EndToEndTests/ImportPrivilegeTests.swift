import Foundation
import PrecursorStore
import TestSupport
import Testing

/// Declarations load the same whichever path they take: a superuser (foreign-key triggers skipped after set-based
/// locks, secondary indexes rebuilt in a bulk load) or a role with table privileges only (triggers fire per row, the
/// indexes stay), and a key repeated within the file is found whether the unique index or the comparison finds it.
@Suite struct ImportPrivilegeTests {
    /// Four good lines (one of them an identical repeat), a key twice with different content, one bad line.
    static let declarations = """
        \(ImportFixture.declarationsHeader)
        D-1,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,NO-SUCH-LICENCE,
        D-1,2,2026-01-05,import,0100233488,HAN_AIR,air,CN,29141100,,10,LTR,50,,
        D-1,2,2026-01-05,import,0100233488,HAN_AIR,air,CN,29141100,,10,LTR,50,,
        D-2,1,2026-01-06,export,0100233505,SGN_AIR,express,KH,2915.24.00,108-24-7,500,GRM,,,12
        D-3,1,2026-01-07,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,
        D-3,01,2026-01-07,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,2,KGM,,,
        D-4,1,2026-02-30,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,

        """

    /// Imports the file as `url`'s role with every declaration treated as a bulk load when the role may rebuild.
    func load(_ fixture: ImportFixture, as url: DatabaseURL, _ path: String) async throws -> (CommandResult, ImportFixture.Summary) {
        let result = try await runCommand(
            ["admin", "import", "declarations", path, "--format", "json"],
            environment: ["DATABASE_URL": url.uri, "PRECURSOR_IMPORT_BULK_ROWS": "1"])
        return (result, try JSONDecoder().decode(ImportFixture.Summary.self, from: Data(result.stdout.utf8)))
    }

    /// What every path must leave: the same rows, rejects and reasons.
    func expectLoaded(_ fixture: ImportFixture, _ result: CommandResult, _ summary: ImportFixture.Summary) async throws {
        #expect(result.status == 1, "\(result.stderr)")
        #expect(summary.rowsRead == 7 && summary.rowsLoaded == 3 && summary.rowsUnchanged == 1 && summary.rowsRejected == 3)
        #expect(
            try await fixture.strings(
                "SELECT declaration_no || '/' || line_no, kg_pure::text, coalesce(licence_no, '') FROM declaration_line ORDER BY 1") == [
                    ["D-1/1", "100.000000", "NO-SUCH-LICENCE"], ["D-1/2", "3.955000", ""], ["D-2/1", "0.500000", ""],
                ])
        #expect(
            try await fixture.strings("SELECT line::text, array_to_string(reasons, '; ') FROM ingest_reject ORDER BY line") == [
                ["6", "declaration_no D-3 line_no 1 appears on lines 6, 7 with different content"],
                ["7", "declaration_no D-3 line_no 1 appears on lines 6, 7 with different content"],
                ["8", "declared_on 2026-02-30: not a real date written YYYY-MM-DD"],
            ])
        #expect(try await fixture.strings("SELECT fields->>'line_no', fields->>'hs_code' FROM ingest_reject WHERE line = 7") == [["01", "2915.24"]])
    }

    @Test func aRoleWithTablePrivilegesOnlyLoadsWithTheTriggersAndKeepsTheIndexes() async throws {
        let fixture = try await ImportFixture.make("impplain")
        try await fixture.loadFirms()
        let role = "importer_" + UUID().uuidString.prefix(8).lowercased()
        for statement in [
            "CREATE ROLE \(role) LOGIN PASSWORD 'plain'", "GRANT USAGE ON SCHEMA public TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO \(role)",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(role)",
        ] {
            try await fixture.execute(statement)
        }
        var url = fixture.url
        url.user = role
        url.password = "plain"
        let indexes = try await fixture.declarationIndexes()
        let privileges = try await ImportFixture(url: url, folder: fixture.folder).strings(
            """
            SELECT current_user, current_setting('is_superuser'), has_parameter_privilege('session_replication_role', 'SET')::text
            """)
        #expect(privileges == [[role, "off", "false"]])

        let path = try fixture.write("declarations.csv", Self.declarations)
        let (result, summary) = try await load(fixture, as: url, path)
        try await expectLoaded(fixture, result, summary)
        #expect(try await fixture.declarationIndexes() == indexes)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch WHERE kind = 'declarations' AND actor IS NOT NULL") == 1)

        // The second time every stored key is unchanged, through the path that compares with stored rows.
        let (again, second) = try await load(fixture, as: url, path)
        #expect(again.status == 1 && second.rowsLoaded == 0 && second.rowsUnchanged == 4 && second.rowsRejected == 3)
    }

    @Test func aBulkLoadRebuildsTheIndexesItDropped() async throws {
        let fixture = try await ImportFixture.make("impbulk")
        try await fixture.loadFirms()
        let indexes = try await fixture.declarationIndexes()
        // The primary key, the BRIN, the (firm, substance, day) index and the partial index of unresolved citations.
        #expect(indexes.count >= 4)
        let path = try fixture.write("declarations.csv", Self.declarations)
        let (result, summary) = try await load(fixture, as: fixture.url, path)
        try await expectLoaded(fixture, result, summary)
        #expect(try await fixture.declarationIndexes() == indexes)
        let valid = try await fixture.scalar(
            """
            SELECT count(*)::int FROM pg_index WHERE indrelid = 'declaration_line'::regclass AND indisvalid AND indisready
            """)
        #expect(valid == indexes.count)
        let (again, second) = try await load(fixture, as: fixture.url, path)
        #expect(again.status == 1 && second.rowsLoaded == 0 && second.rowsUnchanged == 4 && second.rowsRejected == 3)
    }
}
