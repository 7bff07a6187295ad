import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport
import Testing

/// `precursorctl admin queue …`, `precursorctl queue consume` and the daemon's queue gauges, run as processes.
@Suite struct QueueCLITests {
    static let logger = Logger(label: "test")

    /// A migrated database with `count` alert messages pending; returns its URL.
    static func withMessages(_ label: String, count: Int) async throws -> DatabaseURL {
        let url = try await TestDatabase.migrated(label)
        try await Database.with(url: url, logger: logger) { db in
            let messages = (0..<count).map { OutgoingMessage(payload: "{\"schema\": \"alert.v1\", \"seq\": \($0)}") }
            _ = try await AlertQueue(database: db).enqueueBatch(messages, topic: "alerts")
        }
        return url
    }

    static func scalar(_ url: DatabaseURL, _ query: PostgresQuery) async throws -> Int64 {
        try await Database.with(url: url, logger: logger) { try await $0.rows(query)[0].decode(Int64.self) }
    }

    @Test func statsPeekReplayDeadAndPurgeAreAudited() async throws {
        let url = try await Self.withMessages("cliqueue", count: 3)
        let env = ["DATABASE_URL": url.uri]
        let stats = try await runCommand(["admin", "queue", "stats", "--format", "json"], environment: env)
        #expect(stats.status == 0, "\(stats.stderr)")
        let metrics = try JSONDecoder().decode([QueueTopicMetrics].self, from: Data(stats.stdout.utf8))
        #expect(metrics.first { $0.topic == "alerts" }?.depth == 3)
        let table = try await runCommand(["admin", "queue", "stats"], environment: env)
        #expect(table.stdout.contains("alerts"))

        let peek = try await runCommand(["admin", "queue", "peek", "alerts", "--limit", "2"], environment: env)
        #expect(peek.status == 0)
        #expect(peek.stdout.contains("\"seq\": 0") && !peek.stdout.contains("\"seq\": 2"), "\(peek.stdout)")

        // One message fails its only attempt and is dead.
        try await Database.with(url: url, logger: Self.logger) { db in
            _ = try await db.rows("UPDATE queue_message SET max_attempts = 1 WHERE payload->>'seq' = '1'")
            let queue = AlertQueue(database: db)
            for message in try await queue.claim(topic: "alerts", limit: 3) {
                if message.payload.contains("\"seq\": 1") {
                    #expect(try await queue.nack(message, error: "case system rejected it") == .dead)
                } else {
                    _ = try await queue.nack(message, error: "try later")
                }
            }
        }
        let unknownID = try await runCommand(["admin", "queue", "replay-dead", "alerts", "--id", "999"], environment: env)
        #expect(unknownID.status == 1)
        #expect(unknownID.stderr.contains("not a dead message"))
        let replay = try await runCommand(["admin", "queue", "replay-dead", "alerts"], environment: env)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("replayed 1 dead message(s)"))
        let purge = try await runCommand(["admin", "queue", "purge", "alerts"], environment: env)
        #expect(purge.stdout.contains("purged 3 pending message(s)"), "\(purge.stdout) \(purge.stderr)")
        let noTopic = try await runCommand(["admin", "queue", "purge", "nope"], environment: env)
        #expect(noTopic.status == 2)
        #expect(noTopic.stderr.contains("no queue topic named 'nope'"))
        #expect(try await Self.scalar(url, "SELECT count(*) FROM audit_log WHERE action IN ('queue.replay_dead', 'queue.purge')") == 2)
    }

    @Test func consumePipesEachMessageToTheCommandAndAcksOrNacks() async throws {
        let url = try await Self.withMessages("cliconsume", count: 3)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("consume-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let ok = try await runCommand(
            ["queue", "consume", "alerts", "--exec", "cat >> '\(out)'", "--drain", "--batch", "2"], environment: ["DATABASE_URL": url.uri])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("3 acked, 0 failed"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(try await Self.scalar(url, "SELECT count(*) FROM queue_archive WHERE outcome = 'acked'") == 3)

        _ = try await Database.with(url: url, logger: Self.logger) { db in
            try await AlertQueue(database: db).enqueue(OutgoingMessage(payload: "{\"seq\": 9}"), topic: "alerts")
        }
        let failing = try await runCommand(
            ["queue", "consume", "alerts", "--exec", "echo 'case system: firm unknown' >&2; exit 3", "--drain"],
            environment: ["DATABASE_URL": url.uri])
        #expect(failing.status == 0, "\(failing.stderr)")
        #expect(failing.stderr.contains("0 acked, 1 failed"))
        let error = try await Database.with(url: url, logger: Self.logger) { db in
            try await db.rows("SELECT last_error FROM queue_message")[0].decode(String.self)
        }
        #expect(error == "exit status 3: case system: firm unknown")
    }

    @Test func aConsumerKilledMidWorkLosesNothing() async throws {
        let url = try await Self.withMessages("clikill", count: 1)
        let killed = try await runCommand(
            ["queue", "consume", "alerts", "--exec", "kill -9 $PPID", "--visibility-timeout", "30"], environment: ["DATABASE_URL": url.uri])
        #expect(killed.status != 0)
        try await Database.with(url: url, logger: Self.logger) { db in
            let queue = AlertQueue(database: db)
            #expect(try await queue.claim(topic: "alerts", limit: 1).isEmpty)
            let back = try await queue.claim(topic: "alerts", limit: 1, now: Date().addingTimeInterval(31))
            #expect(back.count == 1)
            #expect(back.first?.attempts == 2)
        }
    }

    @Test func longWorkIsHeartbeatedSoTheLeaseOutlivesTheVisibilityTimeout() async throws {
        let url = try await Self.withMessages("cliheartbeat", count: 1)
        let fifo = "/tmp/precursor-hb-\(UUID().uuidString.prefix(8))"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = url.uri
        let consumer = try ChildProcess(
            TestDatabase.binaryFolder + "/precursorctl",
            ["queue", "consume", "alerts", "--exec", "cat > /dev/null; read line < '\(fifo)'", "--visibility-timeout", "3", "--max-messages", "1"],
            environment: env)
        // Wait (bounded) for the first heartbeat: the lease end moves past claim time + the 3 s timeout.
        let deadline = Date().addingTimeInterval(60)
        var extended = false
        while !extended && Date() < deadline {
            extended =
                try await Self.scalar(
                    url, "SELECT count(*) FROM queue_message WHERE visible_at > last_claimed_at + interval '3.5 seconds'") == 1
            if !extended { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(extended)
        try "go\n".write(toFile: fifo, atomically: false, encoding: .utf8)
        let (status, _, stderr) = await finished(consumer)
        #expect(status == 0, "\(String(decoding: stderr, as: UTF8.self))")
        #expect(try await Self.scalar(url, "SELECT count(*) FROM queue_archive WHERE outcome = 'acked'") == 1)
    }

    @Test func theDaemonPublishesQueueDepthAndAgeAndLogsTheFacadeCase() async throws {
        let url = try await Self.withMessages("cligauges", count: 2)
        let daemon = try DaemonProcess(environment: ["DATABASE_URL": url.uri])
        let line = await daemon.waitForLog("queue metrics started")
        #expect(line?.contains("installed") == true, "\(daemon.log)")
        if daemon.port == nil { await daemon.waitForLog("precursord listening") }
        let (status, body) = try await daemon.get("/metrics")
        #expect(status == 200)
        #expect(body.contains("precursor_queue_depth{topic=\"alerts\"} 2"), "\(body.prefix(2000))")
        #expect(body.contains("precursor_queue_oldest_age_seconds{topic=\"alerts\"}"))
        #expect(body.contains("precursor_queue_dead{topic=\"data_quality\"} 0"))
        #expect(await daemon.stop().status == 0)
    }
}
