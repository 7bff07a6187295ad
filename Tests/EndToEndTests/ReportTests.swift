import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport
import Testing

/// Enterprise self-reporting through `precursorctl report …` run as a process against a running precursord.
@Suite struct ReportTests {
    static let header =
        "period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note"

    func file(_ lines: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).csv").path
        try ([Self.header] + lines).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func versions(_ url: DatabaseURL) async throws -> [(String, Int, Double)] {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT period, version, closing_kg::float8 FROM self_report ORDER BY period, version")
        }.map { try $0.decode((String, Int, Double).self) }
    }

    @Test func submitRetryAmendAndReadBack() async throws {
        let world = try await SmallWorld.make("reports")
        let daemon = try await world.startDaemon()
        let env = ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.enterpriseAToken]

        let template = try await runCommand(["report", "template", "--period", "2026-03"], environment: env)
        #expect(template.status == 0, "\(template.stderr)")
        #expect(template.stdout.hasPrefix(Self.header + "\n2026-03,,EPHEDRINE,0,"))

        let report = try file(["2026-03,,EPHEDRINE,100,250,0,0,200,0,0,0,150,Báo cáo tháng 3"])
        let first = try await runCommand(["report", "submit", report], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("1 stored"))
        #expect(first.stderr.isEmpty)
        let retry = try await runCommand(["report", "submit", report], environment: env)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.contains("already received"))
        #expect(try await versions(world.url).map(\.1) == [1])

        let list = try await runCommand(["report", "list", "--format", "csv"], environment: env)
        #expect(list.stdout.contains(",2026-03,,EPHEDRINE,1,150,"))

        // Submitting the same period again is refused; amending it makes version 2, the balance gap only warns.
        let again = try await runCommand(["report", "submit", try file(["2026-03,,EPHEDRINE,100,250,0,0,200,0,0,0,151,"])], environment: env)
        #expect(again.status == 1)
        #expect(again.stderr.contains("amend"))
        let amend = try await runCommand(
            ["report", "amend", try file(["2026-03,,EPHEDRINE,100,250,0,0,200,0,0,0,140,Sửa số tồn"])], environment: env)
        #expect(amend.status == 0, "\(amend.stderr)")
        #expect(amend.stderr.contains("warning: line 2, closing_kg"))
        #expect(amend.stderr.contains("gap -10"))
        let stored = try await versions(world.url)
        #expect(stored.map(\.1) == [1, 2])
        #expect(stored.map(\.2) == [150, 140])

        let nothing = try await runCommand(["report", "amend", try file(["2026-04,,EPHEDRINE,140,0,0,0,0,0,0,0,140,"])], environment: env)
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("nothing to amend"))

        // Firm B sees none of A's reports; staff tokens do not submit reports.
        let other = try await runCommand(
            ["report", "list", "--format", "csv"], environment: ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.enterpriseBToken])
        #expect(other.stdout.split(separator: "\n").count == 1)
        let staff = try await runCommand(
            ["report", "submit", report], environment: ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.analystToken])
        #expect(staff.status == 4)
        _ = await daemon.stop()
    }

    @Test func everyProblemIsListedByLineAndNothingIsStored() async throws {
        let world = try await SmallWorld.make("reportsbad")
        let daemon = try await world.startDaemon()
        let body =
            ([
                Self.header,
                "2026-03,,EPHEDRINE,100,250,0,0,200,0,0,0,150,",
                "2026-13,,EPHEDRINE,1,0,0,0,0,0,0,0,1,",
                "2026-03,,NOT_A_SUBSTANCE,-5,abc,0,0,0,0,0,0,0,",
                "2026-03,FACTORY_OF_B,EPHEDRINE,0,0,0,0,0,0,0,0,0,",
            ].joined(separator: "\n") + "\n")
        let response = try await daemon.request(
            "POST", "/v1/reports", token: world.enterpriseAToken, headers: ["Content-Type": "text/csv"], body: Data(body.utf8))
        #expect(response.status == 422, "\(response.body)")
        #expect(response.json["type"] as? String == "/problems/validation")
        let errors = response.json["errors"] as? [[String: Any]] ?? []
        let lines = Set(errors.compactMap { $0["line"] as? Int })
        #expect(lines == [3, 4, 5], "\(errors)")
        #expect(errors.filter { $0["line"] as? Int == 4 }.count >= 3, "every reason of line 4, not only the first")
        #expect(try await versions(world.url).isEmpty)

        let garbage = try await daemon.request(
            "POST", "/v1/reports", token: world.enterpriseAToken, headers: ["Content-Type": "text/csv"], body: Data("a,b\n1,2\n".utf8))
        #expect(garbage.status == 422)
        #expect(garbage.body.contains("missing column"))

        let due = try await daemon.request("GET", "/v1/reports/due", token: world.enterpriseAToken)
        #expect(due.status == 200)
        #expect(due.json["frequency"] as? String == "monthly")
        #expect(((due.json["periods"] as? [[String: Any]])?.count ?? 0) >= 24)
        _ = await daemon.stop()
    }
}
