import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport
import Testing

/// `precursord` run as a process: start, readiness over HTTP, signals.
@Suite struct DaemonTests {
    @Test func twoDaemonsStartedTogetherApplyEachMigrationOnce() async throws {
        let url = try await TestDatabase.empty("twodaemons")
        let a = try DaemonProcess(environment: ["DATABASE_URL": url.uri])
        let b = try DaemonProcess(environment: ["DATABASE_URL": url.uri])
        #expect(await a.waitForLog("schema current") != nil, "\(a.log)")
        #expect(await b.waitForLog("schema current") != nil, "\(b.log)")
        if a.port == nil { await a.waitForLog("precursord listening") }
        if b.port == nil { await b.waitForLog("precursord listening") }
        let (statusA, bodyA) = try await a.get("/health/ready")
        let (statusB, _) = try await b.get("/health/ready")
        #expect(statusA == 200, "\(bodyA)")
        #expect(statusB == 200)
        let migrations = try Migration.load(from: TestDatabase.repositoryRoot + "/sql")
        let rows = try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT name, count(*) OVER (PARTITION BY name) FROM schema_migration ORDER BY name")
        }
        #expect(try rows.map { try $0.decode((String, Int).self).0 } == migrations.map(\.name))
        #expect(try rows.allSatisfy { try $0.decode((String, Int).self).1 == 1 })
        #expect(await a.stop().status == 0)
        #expect(await b.stop().status == 0)
    }

    /// With the scheduled sweeps on as well: the scheduler waits for the schema, so the daemon still stops (it used to
    /// hang, its first sweep waiting for a connection from the stopped pool).
    @Test(arguments: ["off", "on"])
    func readinessIsRefusedWhileTheSchemaIsNotCurrent(sweeps: String) async throws {
        let url = try await TestDatabase.migrated("notready-\(sweeps)")
        // A migration the database has but this build does not: the daemon refuses to serve it and says why.
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            _ = try await db.rows("INSERT INTO schema_migration (name, checksum) VALUES ('9999_from_the_future.sql', 'x')")
        }
        let daemon = try DaemonProcess(environment: ["DATABASE_URL": url.uri, "PRECURSOR_SWEEPS": sweeps])
        let line = await daemon.waitForLog("cannot bring the schema up to date")
        #expect(line?.contains("9999_from_the_future.sql") == true, "\(daemon.log)")
        #expect(await daemon.waitForExit() != 0)
    }

    /// A bad scheduling, pool or token-cache setting stops the daemon before it connects anywhere, with exit code 2
    /// and a message that names the variable, the value and what it accepts.
    @Test(arguments: [
        ("PRECURSOR_SWEEPS", "sometimes", "is not on or off"),
        ("PRECURSOR_SWEEP_INTERVAL", "soon", "is not a duration such as 1h, 15m, 90s or 3600"),
        ("PRECURSOR_SWEEP_INTERVAL", "0s", "is not a duration such as 1h, 15m, 90s or 3600"),
        ("PRECURSOR_SWEEP_DAILY_AT", "25:00", "is not a time of day HH:MM"),
        ("PRECURSOR_SWEEP_TIMEZONE", "Mars/Olympus_Mons", "is not a time zone name such as Asia/Ho_Chi_Minh"),
        ("PRECURSOR_DB_CONNECTIONS", "1", "is not a whole number from 2 to 500"),
        ("PRECURSOR_TOKEN_CACHE_SECONDS", "forever", "is not a whole number from 0 to 300"),
    ])
    func aBadSettingRefusesToStart(name: String, value: String, reason: String) async throws {
        var environment = ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/unreachable", "PRECURSOR_SWEEPS": "on"]
        environment[name] = value
        let daemon = try DaemonProcess(environment: environment)
        let line = await daemon.waitForLog(reason)
        #expect(line?.contains("precursord: configuration: \(name)=\(value) \(reason)") == true, "\(daemon.log)")
        #expect(await daemon.waitForExit() == 2)
    }

    @Test func embeddedPostgresComesUpAndGoesDownWithTheDaemon() async throws {
        let folder = "/tmp/precursor-e2e-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let daemon = try DaemonProcess(environment: ["PRECURSOR_DATA_DIR": folder, "PRECURSOR_PG_PORT": "5499"])
        #expect(await daemon.waitForLog("schema current") != nil, "\(daemon.log)")
        if daemon.port == nil { await daemon.waitForLog("precursord listening") }
        let (ready, body) = try await daemon.get("/health/ready")
        #expect(ready == 200, "\(body)")
        let readiness = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(readiness?["schema"] as? String == "current")
        let (live, _) = try await daemon.get("/health/live")
        #expect(live == 200)
        let (metricsStatus, metrics) = try await daemon.get("/metrics")
        #expect(metricsStatus == 200)
        #expect(metrics.contains("hb_requests") || metrics.contains("http"), "\(metrics.prefix(400))")

        let pid = try String(contentsOfFile: folder + "/pg/postmaster.pid", encoding: .utf8).split(separator: "\n")[0]
        let (status, seconds) = await daemon.stop(signal: SIGINT)
        #expect(status == 0, "\(daemon.log)")
        #expect(seconds < 10)
        #expect(!FileManager.default.fileExists(atPath: folder + "/pg/postmaster.pid"))
        #expect(!EmbeddedPostgres.processIsAlive(pid_t(pid)!), "postgres \(pid) is still running")
    }
}
