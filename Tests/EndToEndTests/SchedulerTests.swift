import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport
import Testing

/// Scheduled sweeps across several daemons sharing one database.
@Suite struct SchedulerTests {
    /// Three daemons on a short schedule (`PRECURSOR_TEST_SCHEDULER_INTERVAL`, default 2s) until
    /// `PRECURSOR_TEST_SCHEDULER_SLOTS` incremental slots (default 5) have run: every slot ran once, by one
    /// daemon, and succeeded; the missed daily full slot ran once at start. The full-length check
    /// (1-minute slots for 5 minutes) is this test with INTERVAL=60s and SLOTS=5.
    @Test func threeDaemonsRunEachSlotExactlyOnce() async throws {
        let env = ProcessInfo.processInfo.environment
        let interval = env["PRECURSOR_TEST_SCHEDULER_INTERVAL"] ?? "2s"
        let slots = Int(env["PRECURSOR_TEST_SCHEDULER_SLOTS"] ?? "") ?? 5
        let world = try await SmallWorld.make("scheduler")
        let daemons = try (0..<3).map { _ in
            try DaemonProcess(environment: [
                "DATABASE_URL": world.url.uri, "PRECURSOR_SWEEPS": "on", "PRECURSOR_SWEEP_INTERVAL": interval,
            ])
        }
        for daemon in daemons { #expect(await daemon.waitForLog("sweep scheduler started") != nil, "\(daemon.log)") }
        let deadline = Date().addingTimeInterval(Double(slots + 3) * 70)
        var ran = 0
        // Waits on the database's own record of the slots, not on time.
        while ran < slots + 1 && Date() < deadline {
            ran = try await count(world.url, "SELECT count(*) FROM sweep_run WHERE kind = 'scheduled' AND status = 'succeeded'")
            if ran < slots + 1 { try await Task.sleep(for: .milliseconds(200)) }
        }
        // Each daemon counts the sweeps it ran on /metrics; together they account for every run recorded so far
        // (a sweep commits before its daemon counts it, so the sum is read first and the database after).
        var counted = 0.0
        var exposition = ""
        for daemon in daemons {
            if daemon.port == nil { await daemon.waitForLog("precursord listening") }
            let (status, body) = try await daemon.get("/metrics")
            #expect(status == 200)
            exposition += body
            counted += body.split(separator: "\n")
                .filter { $0.hasPrefix("precursor_sweeps_total{") && $0.contains("outcome=\"succeeded\"") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
                .reduce(0, +)
        }
        let recorded = try await count(world.url, "SELECT count(*) FROM sweep_run WHERE status = 'succeeded'")
        #expect(counted >= 1 && counted <= Double(recorded), "metrics counted \(counted) sweeps, database has \(recorded)")
        for series in ["precursor_sweep_duration_seconds", "precursor_sweep_last_success_timestamp_seconds"] {
            #expect(exposition.contains(series), "\(series) missing from /metrics")
        }
        for daemon in daemons { #expect(await daemon.stop().status == 0) }
        #expect(ran >= slots + 1, "only \(ran) scheduled sweeps ran")
        let summary = try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            try await db.rows(
                """
                SELECT count(*)::int, count(DISTINCT slot)::int, count(*) FILTER (WHERE status <> 'succeeded')::int,
                       count(*) FILTER (WHERE scope = 'full')::int, count(*) FILTER (WHERE slot IS NULL)::int
                  FROM sweep_run WHERE kind = 'scheduled'
                """
            ).first!.decode((Int, Int, Int, Int, Int).self)
        }
        #expect(summary.0 == summary.1, "a slot ran twice")
        #expect(summary.2 == 0, "a scheduled sweep failed")
        #expect(summary.3 == 1, "the missed daily full sweep should run once")
        #expect(summary.4 == 0)
        // Each run was logged by exactly one daemon.
        let logged = daemons.map { $0.log.components(separatedBy: "\"sweep finished\"").count - 1 }.reduce(0, +)
        #expect(logged == summary.0, "logged \(logged) sweeps for \(summary.0) rows")
        // The first sweep raised the world's alerts (its licence is overdrawn…); the later ones raised nothing new.
        let quietLater = try await count(
            world.url,
            "SELECT count(*) FROM sweep_run WHERE kind = 'scheduled' AND alert_count > 0 AND id > (SELECT min(id) FROM sweep_run WHERE kind = 'scheduled')"
        )
        #expect(quietLater == 0)
    }

    func count(_ url: DatabaseURL, _ sql: String) async throws -> Int {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows(PostgresQuery(unsafeSQL: sql)).first!.decode(Int.self)
        }
    }
}
