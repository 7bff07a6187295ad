import Foundation
import PrecursorStore
import TestSupport
import Testing

/// A bulk load (the table's indexes dropped and built afresh, the primary key among them) sends the ids itself while it
/// holds the table: the rows get the ids `nextval` would have given them, the sequence ends where `nextval` would
/// have left it, and a load that falls back to the staging path draws none of them.
@Suite struct ImportBulkTests {
    static func line(_ number: String, _ lineNo: Int, quantity: Int = 1) -> String {
        "\(number),\(lineNo),2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,\(quantity),KGM,,,"
    }

    func load(_ fixture: ImportFixture, _ path: String) async throws -> (CommandResult, ImportFixture.Summary) {
        let result = try await runCommand(
            ["admin", "import", "declarations", path, "--format", "json"],
            environment: ["DATABASE_URL": fixture.url.uri, "PRECURSOR_IMPORT_BULK_ROWS": "1", "PRECURSOR_LOG_LEVEL": "debug"])
        return (result, try JSONDecoder().decode(ImportFixture.Summary.self, from: Data(result.stdout.utf8)))
    }

    @Test func aBulkLoadGivesTheIdsNextvalWould() async throws {
        let fixture = try await ImportFixture.make("bulkids")
        try await fixture.loadFirms()
        // Ids already drawn (and rolled back) elsewhere: the load starts after them.
        try await fixture.execute("SELECT setval(pg_get_serial_sequence('declaration_line', 'id'), 41)")
        let indexes = try await fixture.declarationIndexes()
        // The primary key is the natural key (migration 0030); the surrogate id has no index of its own.
        #expect(indexes.contains { $0[0] == "declaration_line_pkey" && $0[1].hasSuffix("(declaration_no, line_no)") }, "\(indexes)")
        #expect(!indexes.contains { $0[1].hasSuffix("(id)") }, "\(indexes)")
        let rows = [
            ImportFixture.declarationsHeader, Self.line("B-1", 1), Self.line("B-1", 2),
            "B-1,3,2026-02-30,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,,", Self.line("B-2", 1),
        ]
        let path = try fixture.write("declarations.csv", rows.joined(separator: "\n") + "\n")
        let (result, summary) = try await load(fixture, path)
        #expect(result.stderr.contains("declarations loaded directly") && result.stderr.contains("bulk=true"), "\(result.stderr)")
        #expect(summary.rowsLoaded == 3 && summary.rowsRejected == 1)
        #expect(
            try await fixture.strings("SELECT id::text, declaration_no || '/' || line_no FROM declaration_line ORDER BY id") == [
                ["42", "B-1/1"], ["43", "B-1/2"], ["44", "B-2/1"],
            ])
        #expect(try await fixture.declarationIndexes() == indexes)
        // The next writer draws the next id.
        let next = try fixture.write("next.csv", ImportFixture.declarationsHeader + "\n" + Self.line("B-3", 1) + "\n")
        let (_, second) = try await load(fixture, next)
        #expect(second.rowsLoaded == 1)
        #expect(try await fixture.scalar("SELECT id::int FROM declaration_line WHERE declaration_no = 'B-3'") == 45)
    }

    /// A bulk load keeps the partial index (the citations of licences not loaded yet) and writes its entries line by
    /// line; every other index is dropped and built afresh. The kept index holds exactly the unresolved citations, and
    /// the rebuilt BRIN index finds the lines by updated_at, as an incremental sweep asks for them.
    @Test func aBulkLoadKeepsThePartialIndexWhichStillServesItsQuery() async throws {
        let fixture = try await ImportFixture.make("bulkpartial")
        try await fixture.loadFirms()
        let before = try await fixture.declarationIndexOIDs()
        let rows = [
            ImportFixture.declarationsHeader, Self.line("P-1", 1), Self.line("P-1", 2),
            "P-2,1,2026-01-06,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LATER-1,",
            "P-2,2,2026-01-06,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LATER-1,",
            "P-3,1,2026-01-07,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LATER-2,",
        ]
        let (result, summary) = try await load(fixture, try fixture.write("declarations.csv", rows.joined(separator: "\n") + "\n"))
        #expect(result.stderr.contains("bulk=true"), "\(result.stderr)")
        #expect(summary.rowsLoaded == 5 && summary.rowsRejected == 0)
        let after = try await fixture.declarationIndexOIDs()
        #expect(Set(after.keys) == Set(before.keys))
        for (index, oid) in after {
            #expect((oid == before[index]) == (index == "declaration_line_unresolved_licence"), "\(index)")
        }
        let unresolved = try await fixture.throughIndexes(
            "SELECT declaration_no || '/' || line_no FROM declaration_line WHERE licence_id IS NULL AND licence_no = 'LATER-1' ORDER BY 1")
        #expect(unresolved.plan.contains("declaration_line_unresolved_licence"), "\(unresolved.plan)")
        #expect(unresolved.rows == [["P-2/1"], ["P-2/2"]])
        let changed = try await fixture.throughIndexes(
            "SELECT count(*)::text FROM declaration_line WHERE updated_at >= now() - interval '1 hour'")
        #expect(changed.plan.contains("declaration_line_changed_brin"), "\(changed.plan)")
        #expect(changed.rows == [["5"]])
    }

    /// The repeated key (lines 2 and 4, different content) is found when the unique key is built again, after the
    /// direct load sent ids 10 to 13 for the four lines: it leaves the sequence alone. The staging path's INSERT then
    /// draws 10 to 12 before the unique key stops it at line 4, and its second INSERT gives the two good lines 13 and
    /// 14 (had the direct load moved the sequence, they would start at 14 or later).
    @Test func aBulkLoadThatFallsBackDrawsNoIds() async throws {
        let fixture = try await ImportFixture.make("bulkfallback")
        try await fixture.loadFirms()
        try await fixture.execute("SELECT setval(pg_get_serial_sequence('declaration_line', 'id'), 9)")
        let rows = [
            ImportFixture.declarationsHeader, Self.line("F-1", 1), Self.line("F-2", 1), Self.line("F-1", 1, quantity: 2), Self.line("F-3", 1),
        ]
        let (result, summary) = try await load(fixture, try fixture.write("declarations.csv", rows.joined(separator: "\n") + "\n"))
        #expect(result.stderr.contains("staging the file"), "\(result.stderr)")
        #expect(summary.rowsLoaded == 2 && summary.rowsRejected == 2)
        #expect(
            try await fixture.strings("SELECT id::text, declaration_no FROM declaration_line ORDER BY id") == [["13", "F-2"], ["14", "F-3"]])
        #expect(try await fixture.scalar("SELECT count(*)::int FROM pg_index WHERE indrelid = 'declaration_line'::regclass AND indisprimary") == 1)
    }
}
