import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorStore

/// Delivery guarantees of the alert queue against real PostgreSQL. Time moves through the functions' `now`
/// argument; nothing sleeps.
@Suite struct QueueDeliveryTests {
    static let logger = Logger(label: "test")

    /// Runs `body` on a fresh migrated database with a pool large enough for concurrent consumers.
    func withQueue<T: Sendable>(_ label: String, _ body: (AlertQueue) async throws -> T) async throws -> T {
        let url = try await TestDatabase.migrated(label)
        return try await Database.with(url: url, logger: Self.logger, maximumConnections: 12) { db in
            try await body(AlertQueue(database: db, logger: Self.logger))
        }
    }

    static func payload(_ n: Int) -> String {
        "{\"schema\": \"alert.v1\", \"rule\": \"volume_spike\", \"severity\": \"high\", \"score\": 0.93, \"seq\": \(n)}"
    }

    /// Who holds which message right now, and how often each was acked.
    actor Ledger {
        var held: [Int64: Int] = [:]
        var acks: [Int64: Int] = [:]
        var overlaps: [Int64] = []
        func take(_ id: Int64, by consumer: Int) {
            if held[id] != nil { overlaps.append(id) }
            held[id] = consumer
        }
        func release(_ ids: [Int64], acked: Set<Int64>) {
            for id in ids { held[id] = nil }
            for id in acked { acks[id, default: 0] += 1 }
        }
    }

    @Test func eightConsumersAckTenThousandMessagesEachExactlyOnce() async throws {
        try await withQueue("q8x10k") { queue in
            var ids: [Int64] = []
            for batch in stride(from: 0, to: 10_000, by: 500) {
                ids += try await queue.enqueueBatch((batch..<batch + 500).map { OutgoingMessage(payload: Self.payload($0)) }, topic: "alerts")
            }
            #expect(Set(ids).count == 10_000)
            let ledger = Ledger()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for consumer in 0..<8 {
                    group.addTask {
                        while true {
                            let claimed = try await queue.claim(
                                topic: "alerts", limit: 25 + consumer * 5, visibilityTimeout: .seconds(600), consumer: "c\(consumer)")
                            if claimed.isEmpty { return }
                            for message in claimed { await ledger.take(message.id, by: consumer) }
                            let acked = try await queue.ack(claimed)
                            await ledger.release(claimed.map(\.id), acked: acked)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let acks = await ledger.acks
            #expect(await ledger.overlaps.isEmpty)
            #expect(acks.count == 10_000)
            #expect(acks.values.allSatisfy { $0 == 1 })
            #expect(Set(acks.keys) == Set(ids))
            let rows = try await queue.database.rows(
                "SELECT (SELECT count(*) FROM queue_message), (SELECT count(DISTINCT id) FROM queue_archive WHERE outcome = 'acked')")
            let (pending, archived) = try rows[0].decode((Int64, Int64).self)
            #expect(pending == 0)
            #expect(archived == 10_000)
        }
    }

    @Test func aCrashedConsumersMessageComesBackAfterTheVisibilityTimeoutWithOneMoreAttempt() async throws {
        try await withQueue("qcrash") { queue in
            let id = try await queue.enqueue(OutgoingMessage(payload: Self.payload(1)), topic: "alerts")
            let t0 = Date().addingTimeInterval(1)
            // The consumer claims on its own pool and dies with it: nothing acks, nacks or extends.
            let first = try await Database.with(url: queue.database.url, logger: Self.logger) { crashed in
                try await AlertQueue(database: crashed).claim(topic: "alerts", limit: 1, visibilityTimeout: .seconds(30), now: t0)
            }
            #expect(first.map(\.id) == [id])
            #expect(first.first?.attempts == 1)
            #expect(try await queue.claim(topic: "alerts", limit: 1, now: t0.addingTimeInterval(29)).isEmpty)
            let again = try #require(
                try await queue.claim(topic: "alerts", limit: 1, visibilityTimeout: .seconds(30), now: t0.addingTimeInterval(31)).first)
            #expect(again.id == id)
            #expect(again.attempts == 2)
            #expect(again.leaseToken != first.first?.leaseToken)
        }
    }

    @Test func aStaleLeaseCannotAckNackOrExtendTheNewerClaim() async throws {
        try await withQueue("qstale") { queue in
            try await queue.enqueue(OutgoingMessage(payload: Self.payload(1)), topic: "alerts")
            let t0 = Date().addingTimeInterval(1)
            let stale = try #require(try await queue.claim(topic: "alerts", limit: 1, visibilityTimeout: .seconds(30), now: t0).first)
            let fresh = try #require(
                try await queue.claim(topic: "alerts", limit: 1, visibilityTimeout: .seconds(30), now: t0.addingTimeInterval(31)).first)
            #expect(fresh.id == stale.id)
            #expect(try await queue.ack(stale) == false)
            #expect(try await queue.nack(stale, error: "late") == .leaseLost)
            #expect(try await queue.extend(stale, by: .seconds(60)) == nil)
            #expect(try await queue.extend(fresh, by: .seconds(60), now: t0.addingTimeInterval(40)) != nil)
            #expect(try await queue.ack(fresh) == true)
            #expect(try await queue.ack(fresh) == false)
        }
    }

    @Test func aMessageFailingMaxAttemptsTimesIsDeadWithItsErrorsAndReplayable() async throws {
        try await withQueue("qdead") { queue in
            _ = try await queue.database.rows("SELECT queue_create_topic('flaky', 3)")
            let id = try await queue.enqueue(OutgoingMessage(payload: Self.payload(7)), topic: "flaky")
            var now = Date().addingTimeInterval(1)
            var outcomes: [NackOutcome] = []
            for attempt in 1...3 {
                let message = try #require(try await queue.claim(topic: "flaky", limit: 1, visibilityTimeout: .seconds(30), now: now).first)
                #expect(message.attempts == attempt)
                let outcome = try await queue.nack(message, error: "downstream said no (\(attempt))", now: now)
                if case .retry(let at) = outcome {
                    // Backoff: 10 s × 2^(attempt−1), ±20 % jitter.
                    let base = 10.0 * pow(2, Double(attempt - 1))
                    #expect(at.timeIntervalSince(now) >= base * 0.8 - 0.01 && at.timeIntervalSince(now) <= base * 1.2 + 0.01)
                    #expect(try await queue.claim(topic: "flaky", limit: 1, now: now.addingTimeInterval(base * 0.8 - 1)).isEmpty)
                }
                outcomes.append(outcome)
                now = now.addingTimeInterval(3600)
            }
            #expect(outcomes.last == .dead)
            #expect(try await queue.metrics(topic: "flaky").first?.dead == 1)
            #expect(try await queue.metrics(topic: "flaky").first?.depth == 0)
            let rows = try await queue.database.rows(
                "SELECT jsonb_array_length(errors), last_error, errors->0->>'error' FROM queue_archive WHERE id = \(id) AND outcome = 'dead'")
            let (count, last, first) = try rows[0].decode((Int32, String, String).self)
            #expect(count == 3)
            #expect(last == "downstream said no (3)")
            #expect(first == "downstream said no (1)")

            #expect(try await queue.replayDead(topic: "flaky", actor: .cliOperator) == [id])
            #expect(try await queue.metrics(topic: "flaky").first?.dead == 0)
            let replayed = try #require(try await queue.claim(topic: "flaky", limit: 1, now: now).first)
            #expect(replayed.id == id)
            #expect(replayed.attempts == 1)
            let audit = try await queue.database.rows("SELECT count(*) FROM audit_log WHERE action = 'queue.replay_dead' AND entity_id = 'flaky'")
            #expect(try audit[0].decode(Int64.self) == 1)
        }
    }

    @Test func aLeaseThatLapsesOnTheLastAttemptIsDeadLetteredNotHandedOutAgain() async throws {
        try await withQueue("qlapse") { queue in
            _ = try await queue.database.rows("SELECT queue_create_topic('once', 1)")
            let id = try await queue.enqueue(OutgoingMessage(payload: Self.payload(1)), topic: "once")
            let t0 = Date().addingTimeInterval(1)
            #expect(try await queue.claim(topic: "once", limit: 1, visibilityTimeout: .seconds(10), now: t0).map(\.id) == [id])
            #expect(try await queue.claim(topic: "once", limit: 1, now: t0.addingTimeInterval(11)).isEmpty)
            #expect(try await queue.metrics(topic: "once").first?.dead == 1)
        }
    }

    @Test func heartbeatsKeepTheMessageAndHigherPriorityComesFirst() async throws {
        try await withQueue("qprio") { queue in
            let low = try await queue.enqueue(OutgoingMessage(payload: Self.payload(1)), topic: "alerts", priority: 3)
            let critical = try await queue.enqueue(OutgoingMessage(payload: Self.payload(2)), topic: "alerts", priority: 0)
            let t0 = Date().addingTimeInterval(1)
            let first = try #require(try await queue.claim(topic: "alerts", limit: 1, visibilityTimeout: .seconds(30), now: t0).first)
            #expect(first.id == critical)
            #expect(try await queue.extend(first, by: .seconds(30), now: t0.addingTimeInterval(25)) != nil)
            let next = try await queue.claim(topic: "alerts", limit: 5, now: t0.addingTimeInterval(40))
            #expect(next.map(\.id) == [low])
            let purged = try await queue.purge(topic: "alerts", actor: .cliOperator)
            #expect(purged == 2)
            let rows = try await queue.database.rows("SELECT count(*) FROM queue_archive WHERE outcome = 'purged'")
            #expect(try rows[0].decode(Int64.self) == 2)
        }
    }

    /// Claim order is priority, then age: a message that failed and backed off is skipped while it waits and then
    /// claimed before younger messages that were visible all along.
    @Test func aRetriedMessageKeepsItsPlaceInTheQueue() async throws {
        try await withQueue("qorder") { queue in
            let older = try await queue.enqueue(OutgoingMessage(payload: Self.payload(1)), topic: "alerts")
            let younger = try await queue.enqueue(OutgoingMessage(payload: Self.payload(2)), topic: "alerts")
            let t0 = Date().addingTimeInterval(1)
            let failed = try #require(try await queue.claim(topic: "alerts", limit: 1, now: t0).first)
            #expect(failed.id == older)
            guard case .retry(let at) = try await queue.nack(failed, error: "case system down", now: t0) else {
                Issue.record("the first failure should be retried")
                return
            }
            #expect(
                try await queue.claim(topic: "alerts", limit: 1, visibilityTimeout: .milliseconds(500), now: at.addingTimeInterval(-1)).map(\.id) == [
                    younger
                ])
            // Both are visible again now; the younger one's lease lapsed first, so an order by visibility would pick it.
            let retried = try await queue.claim(topic: "alerts", limit: 1, now: at.addingTimeInterval(5))
            #expect(retried.map(\.id) == [older])
            #expect(retried.first?.attempts == 2)
        }
    }

    /// A claim rewrites the message row without touching an indexed column, so PostgreSQL keeps it a heap-only
    /// update on the same page: no new index entries, no dead entries for later claims to walk, less WAL.
    @Test func claimsAreHeapOnlyUpdates() async throws {
        try await withQueue("qhot") { queue in
            let counts = try await queue.database.transaction { connection in
                try await connection.query(
                    "SELECT count(*) FROM queue_enqueue_batch('alerts', ARRAY(SELECT jsonb_build_object('seq', g, 'rule', 'volume_spike', 'reason_vi', 'Nhập khẩu tăng đột biến') FROM generate_series(1, 200) g))",
                    logger: Self.logger)
                let claimed = try await connection.query(
                    "SELECT count(*) FROM queue_claim('alerts', 200, interval '30 seconds')", logger: Self.logger)
                var n = 0
                for try await row in claimed { n = try row.decode(Int.self) }
                let stats = try await connection.query(
                    """
                    SELECT pg_stat_get_xact_tuples_updated('queue_message'::regclass),
                           pg_stat_get_xact_tuples_hot_updated('queue_message'::regclass)
                    """, logger: Self.logger)
                var updated = 0
                var hot = 0
                for try await row in stats { (updated, hot) = try row.decode((Int, Int).self) }
                return (n, updated, hot)
            }
            #expect(counts.0 == 200)
            #expect(counts.1 == 200)
            #expect(counts.2 == 200, "\(counts.2) of 200 claims were heap-only updates")
        }
    }

    @Test func anUnknownTopicIsNamedInTheError() async throws {
        try await withQueue("qunknown") { queue in
            await #expect {
                try await queue.enqueue(OutgoingMessage(payload: "{}"), topic: "nope")
            } throws: { error in
                "\(error)".contains("queue topic \"nope\" does not exist")
            }
        }
    }
}
