import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport
import Testing

/// `precursorctl admin sweep run`, `admin rules list|set` and `admin firms risk`, run as processes.
@Suite struct SweepCLITests {
    @Test func aSweepRunFromTheCommandLineReportsAndRaisesAlerts() async throws {
        let world = try await SmallWorld.make("sweepcli")
        let env = ["DATABASE_URL": world.url.uri]
        // Firm A (a key enterprise, licensed from January) filed no monthly report: missing as of August.
        let json = try await runCommand(["admin", "sweep", "run", "--full", "--as-of", "2026-08-01", "--format", "json"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [String: Int])
        #expect(findings["missing_report"] == 6, "\(json.stdout)")
        #expect((report["alerts"] as? [String: Int])?["missing_report"] == 1)
        #expect(report["scope"] as? String == "full")
        let top = try #require((report["top"] as? [[String: Any]])?.first)
        #expect((top["reason_vi"] as? String)?.contains("nhưng chưa nộp") == true)

        // Again, in table form: nothing new to raise.
        let table = try await runCommand(["admin", "sweep", "run", "--as-of", "2026-08-01"], environment: env)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("missing_report"))
        #expect(table.stdout.contains("0 alerts raised"), "\(table.stdout)")

        let risk = try await runCommand(["admin", "firms", "risk", "--top", "5"], environment: env)
        #expect(risk.status == 0, "\(risk.stderr)")
        #expect(risk.stdout.contains(SmallWorld.firmA))
        let riskVI = try await runCommand(["admin", "firms", "risk", "--top", "5", "--vi"], environment: env)
        #expect(riskVI.status == 0, "\(riskVI.stderr)")
        let riskJSON = try await runCommand(["admin", "firms", "risk", "--format", "json"], environment: env)
        let firms = try #require(try JSONSerialization.jsonObject(with: Data(riskJSON.stdout.utf8)) as? [[String: Any]])
        let firmA = try #require(firms.first { $0["tax_code"] as? String == SmallWorld.firmA })
        #expect((firmA["reasons_vi"] as? [String])?.contains { $0.contains("nhưng chưa nộp") } == true, "\(riskJSON.stdout)")

        let bad = try await runCommand(["admin", "sweep", "run", "--as-of", "2026-02-30"], environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("2026-02-30"))
    }

    @Test func thresholdsAreListedAndChangedWithAnAuditEntry() async throws {
        let url = try await TestDatabase.migrated("rulescli")
        let env = ["DATABASE_URL": url.uri]
        let list = try await runCommand(["admin", "rules", "list", "--format", "csv"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("report_mismatch,tolerance_pct,5,migration,"))
        // Not a rule's threshold but the sweep's own knob, listed and set the same way.
        #expect(list.stdout.contains("sweep,month_scan_pairs,1000,migration,"), "\(list.stdout)")
        let set = try await runCommand(["admin", "rules", "set", "report_mismatch", "tolerance_pct", "7.5"], environment: env)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("report_mismatch.tolerance_pct = 7.500"))
        let audit = try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT entity_id, before->>'value', after->>'value' FROM audit_log WHERE action = 'rule_config.set'")
                .map { try $0.decode((String, String, String).self) }
        }
        #expect(audit.count == 1)
        #expect(audit.first?.0 == "report_mismatch.tolerance_pct")
        #expect(audit.first?.2 == "7.5")
        let unknown = try await runCommand(["admin", "rules", "set", "report_mismatch", "no_such_key", "1"], environment: env)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no threshold no_such_key for rule report_mismatch"))
    }
}
