import Foundation
import PrecursorStore
import TestSupport
import Testing

/// `precursorctl admin demo generate` run as a process, its files imported through the real importers.
@Suite struct DemoCLITests {
    @Test func aGeneratedWorldImportsWithoutARejectAndItsTruthPointsAtRealFirms() async throws {
        let fixture = try await ImportFixture.make("demoworld")
        let out = fixture.folder + "/world"
        let generated = try await runCommand([
            "admin", "demo", "generate", "--firms", "40", "--months", "14", "--seed", "7", "--out", out, "--end", "2026-06",
        ])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("declarations.csv"), "\(generated.stdout)")
        for kind in ["firms", "facilities", "licences", "declarations", "reports"] {
            let (result, summary) = try await fixture.importJSON(kind, out + "/\(kind).csv")
            #expect(result.status == 0, "\(kind): \(result.stderr)")
            #expect(summary.rowsRejected == 0 && summary.rowsLoaded == summary.rowsRead && summary.rowsRead > 0, "\(kind): \(result.stdout)")
        }
        #expect(try await fixture.scalar("SELECT count(*)::int FROM firm") == 40)
        #expect(try await fixture.scalar("SELECT count(*)::int FROM declaration_line WHERE licence_id IS NULL") == 0)
        let truth = try String(contentsOfFile: out + "/truth.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(!truth.isEmpty)
        let firms = Set(try await fixture.strings("SELECT tax_code FROM firm").map { $0[0] })
        for line in truth {
            #expect(firms.contains(String(line.prefix(10))), "\(line)")
        }
        let filings = try String(contentsOfFile: out + "/filings.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(try await fixture.scalar("SELECT count(DISTINCT (firm_id, period))::int FROM self_report") == filings)
    }

    @Test func theSameSeedWritesTheSameFiles() async throws {
        let folder = NSTemporaryDirectory() + "precursor-demo-\(UUID().uuidString.prefix(8))"
        for name in ["a", "b"] {
            let result = try await runCommand([
                "admin", "demo", "generate", "--firms", "25", "--months", "8", "--seed", "99", "--out", folder + "/" + name, "--end", "2026-03",
            ])
            #expect(result.status == 0, "\(result.stderr)")
        }
        for file in ["firms", "facilities", "licences", "declarations", "reports", "truth", "filings"] {
            let a = FileManager.default.contents(atPath: "\(folder)/a/\(file).csv")
            #expect(a != nil && a == FileManager.default.contents(atPath: "\(folder)/b/\(file).csv"), "\(file).csv")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/a/firms.csv.part"))
    }

    @Test func helpExplainsTheFilesTheScenariosAndTheReportingFrequency() async throws {
        let help = try await runCommand(["admin", "demo", "generate", "--help"])
        #expect(help.status == 0)
        for text in [
            "--firms", "--months", "--seed", "--out", "--end", "truth.csv", "filings.csv", "QUARTERLY", "monthly", "split_shipments", "late_report",
        ] {
            #expect(help.stdout.contains(text), "help lacks \(text):\n\(help.stdout)")
        }
        let bad = try await runCommand([
            "admin", "demo", "generate", "--firms", "5", "--months", "3", "--seed", "1", "--out", "/tmp/x", "--end", "2026-13",
        ])
        #expect(bad.status != 0 && bad.stderr.contains("--end 2026-13"), "\(bad.stderr)")
    }
}
