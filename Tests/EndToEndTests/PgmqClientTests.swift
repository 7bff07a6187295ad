import Foundation
import Logging
import PrecursorStore
import TestSupport
import Testing

/// The unmodified `pgmq` Python client from PyPI consumes our alerts through the pgmq facade.
@Suite struct PgmqClientTests {
    static let version = "1.1.4"
    static let logger = Logger(label: "test")

    /// A virtual environment with `pgmq==version`, created once per machine under /tmp and reused.
    static func venv() async throws -> String {
        let folder = "/tmp/precursor-pgmq-venv-\(version)"
        let python = folder + "/bin/python"
        if FileManager.default.isExecutableFile(atPath: python),
            try await runTool(python, ["-c", "import importlib.metadata as m; assert m.version('pgmq') == '\(version)'"]).status == 0
        {
            return python
        }
        try? FileManager.default.removeItem(atPath: folder)
        let create = try await runTool("/usr/bin/env", ["python3", "-m", "venv", folder])
        guard create.status == 0 else {
            throw Failure("python3 -m venv \(folder) failed (is python3-venv installed?): \(create.output)")
        }
        let install = try await runTool(folder + "/bin/pip", ["install", "--disable-pip-version-check", "-q", "pgmq==\(version)"])
        guard install.status == 0 else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure("pip install pgmq==\(version) failed; this test needs PyPI (or a pip mirror via PIP_INDEX_URL): \(install.output)")
        }
        return python
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func runTool(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (
        status: Int32, output: String
    ) {
        let child = try ChildProcess(executable, arguments, environment: environment, stderr: .toStdout)
        let (status, out, _) = await finished(child)
        return (status, String(decoding: out, as: UTF8.self))
    }

    @Test func thePyPIClientReadsSetsVisibilityDeletesArchivesAndReadsMetrics() async throws {
        let url = try await TestDatabase.migrated("pgmqclient")
        let alertIDs = try await Database.with(url: url, logger: Self.logger) { db in
            let firm = try await db.rows(
                "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233488', 'Công ty A', 'pharma_distributor', 'Hà Nội') RETURNING id"
            )[0].decode(Int64.self)
            var ids: [Int64] = []
            for (family, rule, severity) in [
                ("volume", "volume_spike", "high"), ("route", "route_novelty", "critical"), ("value", "value_outlier", "low"),
            ] {
                let raise = AlertRaise(
                    firmID: firm, substanceID: nil, ruleFamily: family, rule: rule, severity: severity, score: 3.5,
                    payload: "{\"why\": \"\(rule)\"}", evidenceKey: "2026-03")
                ids.append(try await db.transaction { try await Outbox.raiseAlert(raise, on: $0, logger: Self.logger) }.messageID)
            }
            return ids
        }
        let python = try await Self.venv()
        var env = ProcessInfo.processInfo.environment
        env["PGHOST"] = url.host
        env["PGPORT"] = String(url.port)
        env["PGDATABASE"] = url.database
        env["PG_INIT_EXTENSION"] = "false"
        let result = try await Self.runTool(python, [TestDatabase.repositoryRoot + "/scripts/pgmq_client_check.py"], environment: env)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("pgmq client OK"), "\(result.output)")
        let archived = try await Database.with(url: url, logger: Self.logger) { db in
            try await db.rows("SELECT array_agg(id ORDER BY id) FROM queue_archive WHERE outcome = 'acked' AND alert_id IS NOT NULL")[0]
                .decode([Int64].self)
        }
        #expect(archived == alertIDs.sorted())
    }
}
