import Foundation
import PrecursorStore
import TestSupport
import Testing

/// precursord's inbox: complete files (renamed from .part) are imported, moved with their rejects file, counted in
/// /metrics, and a file already imported is not imported again.
@Suite struct InboxTests {
    /// Writes `NAME.part`, then renames it to `NAME.csv`, as a sender does.
    func deliver(_ text: String, as name: String, into inbox: String) throws {
        let part = inbox + "/" + name + ".part"
        try Data(text.utf8).write(to: URL(fileURLWithPath: part))
        try FileManager.default.moveItem(atPath: part, toPath: inbox + "/" + name + ".csv")
    }

    @Test func inboxImportsMovesAndSkipsRepeatedFiles() async throws {
        let fixture = try await ImportFixture.make("inbox")
        let inbox = fixture.folder + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let daemon = try DaemonProcess(environment: ["DATABASE_URL": fixture.url.uri, "PRECURSOR_INBOX": inbox])
        #expect(await daemon.waitForLog("inbox watching") != nil, "\(daemon.log)")

        try deliver(ImportFixture.firms, as: "firms-2026-03", into: inbox)
        let firmsLine = await daemon.waitForLog("inbox file processed")
        #expect(firmsLine?.contains("firms-2026-03.csv") == true, "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: inbox + "/processed/firms-2026-03.csv"))
        #expect(!FileManager.default.fileExists(atPath: inbox + "/firms-2026-03.csv"))
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 2)

        let declarations = """
            \(ImportFixture.declarationsHeader)
            D-1,1,2026-03-10,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,,
            D-1,2,2026-03-10,import,0100233495,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,100,KGM,,,

            """
        try deliver(declarations, as: "declarations-2026-03", into: inbox)
        let declarationsLine = await daemon.waitForLog("inbox file processed")
        #expect(declarationsLine?.contains("\"outcome\":\"rejected\"") == true, "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: inbox + "/rejected/declarations-2026-03.csv"))
        let rejects = try String(contentsOfFile: inbox + "/rejected/declarations-2026-03.csv.rejects.csv", encoding: .utf8)
        #expect(rejects.contains("tax_code 0100233495: unknown firm"))
        #expect(try await fixture.scalar("SELECT count(*)::int FROM declaration_line") == 1)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch WHERE source = 'inbox'") == 2)

        // The same bytes again, under another name: recognised by SHA-256 and not imported again.
        try deliver(ImportFixture.firms, as: "firms-2026-03-resent", into: inbox)
        let repeated = await daemon.waitForLog("already imported")
        #expect(repeated?.contains("firms-2026-03-resent.csv") == true, "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: inbox + "/processed/firms-2026-03-resent.csv"))
        #expect(try await fixture.scalar("SELECT count(*)::int FROM import_batch") == 2)

        if daemon.port == nil { await daemon.waitForLog("precursord listening") }
        let (_, metrics) = try await daemon.get("/metrics")
        #expect(metrics.contains("precursor_ingest_files_total"), "\(metrics.prefix(2000))")
        #expect(metrics.contains("precursor_ingest_rows_total"))
        #expect(metrics.contains(#"outcome="duplicate""#))
        #expect(await daemon.stop().status == 0)
    }
}
