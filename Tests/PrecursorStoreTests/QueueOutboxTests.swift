import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorStore

/// The outbox, dedupe, NOTIFY and the pgmq facade's installation rule.
@Suite struct QueueOutboxTests {
    static let logger = Logger(label: "test")

    struct Rollback: Error {}

    static func firm(_ db: Database) async throws -> Int64 {
        let rows = try await db.rows(
            "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233488', 'Công ty A', 'pharma_distributor', 'Hà Nội') RETURNING id")
        return try rows[0].decode(Int64.self)
    }

    static func raise(_ firm: Int64, score: Double = 4.2) -> AlertRaise {
        AlertRaise(
            firmID: firm, substanceID: nil, ruleFamily: "volume", rule: "volume_spike", severity: "high", score: score,
            payload: "{\"observed_kg\": 420, \"expected_kg\": 100}", evidenceKey: "2026-03")
    }

    /// How many alerts and queued messages the database holds.
    static func counts(_ db: Database) async throws -> (alerts: Int64, messages: Int64) {
        let rows = try await db.rows("SELECT (SELECT count(*) FROM alert), (SELECT count(*) FROM queue_message)")
        return try rows[0].decode((Int64, Int64).self)
    }

    @Test func aRolledBackSweepLeavesNeitherAlertNorMessage() async throws {
        try await TestDatabase.withMigrated("outboxrb") { db in
            let firm = try await Self.firm(db)
            await #expect(throws: Rollback.self) {
                try await db.transaction { connection in
                    let raised = try await Outbox.raiseAlert(Self.raise(firm), on: connection, logger: Self.logger)
                    #expect(raised.raiseCount == 1)
                    throw Rollback()
                }
            }
            let (alerts, messages) = try await Self.counts(db)
            #expect(alerts == 0)
            #expect(messages == 0)
        }
    }

    @Test func aCommittedRaiseDeliversTheAlertJSONAndAReRaiseDeliversAgain() async throws {
        try await TestDatabase.withMigrated("outboxok") { db in
            let firm = try await Self.firm(db)
            let first = try await db.transaction { try await Outbox.raiseAlert(Self.raise(firm), on: $0, logger: Self.logger) }
            let second = try await db.transaction { try await Outbox.raiseAlert(Self.raise(firm, score: 9), on: $0, logger: Self.logger) }
            #expect(first.alertID == second.alertID)
            #expect(second.raiseCount == 2)
            #expect(first.messageID != second.messageID)
            let queue = AlertQueue(database: db)
            let messages = try await queue.claim(topic: "alerts", limit: 10)
            #expect(messages.map(\.id).sorted() == [first.messageID, second.messageID])
            #expect(messages.allSatisfy { $0.alertID == first.alertID && $0.priority == 1 })
            let body = try JSONSerialization.jsonObject(with: Data(messages.last!.payload.utf8)) as? [String: Any]
            #expect(body?["schema"] as? String == "alert.v1")
            #expect(body?["alert_id"] as? Int == Int(first.alertID))
            #expect(body?["firm_tax_code"] as? String == "0100233488")
            #expect((body?["payload"] as? [String: Any])?["observed_kg"] as? Int == 420)
        }
    }

    /// A sweep's batch: each raise as one raise alone would be (re-raise of an open alert, topic and priority by family
    /// and severity, dedupe key per raise), messages in input order; an unknown topic fails the whole batch.
    @Test func aBatchRaisesEachAlertAsOneRaiseWould() async throws {
        try await TestDatabase.withMigrated("outboxbatch") { db in
            let firm = try await Self.firm(db)
            let open = try await db.transaction { try await Outbox.raiseAlert(Self.raise(firm), on: $0, logger: Self.logger) }
            var again = Self.raise(firm, score: 9)
            again.severity = "critical"
            var slip = Self.raise(firm)
            slip.ruleFamily = "data_quality"
            slip.rule = "unit_slip"
            slip.severity = "low"
            var licence = Self.raise(firm)
            licence.ruleFamily = "licence"
            licence.rule = "licence_overdrawn"
            licence.severity = "medium"
            let raised = try await db.transaction {
                try await Outbox.raiseAlerts([again, slip, licence], on: $0, logger: Self.logger)
            }
            #expect(raised.map(\.raiseCount) == [2, 1, 1])
            #expect(raised[0].alertID == open.alertID)
            #expect(raised.map(\.messageID) == raised.map(\.messageID).sorted())
            #expect(Set(raised.map(\.messageID)).count == 3)
            let rows = try await db.rows(
                """
                SELECT q.topic, q.priority::int, q.dedupe_key, q.payload->>'rule', (q.payload->>'raise_count')::int
                  FROM queue_message q WHERE q.id = ANY(\(raised.map(\.messageID))) ORDER BY q.id
                """)
            let messages = try rows.map { try $0.decode((String, Int, String, String, Int).self) }
            #expect(messages.map(\.0) == ["alerts", "data_quality", "alerts"])
            #expect(messages.map(\.1) == [0, 3, 2])
            #expect(messages.map(\.2) == zip(raised, [2, 1, 1]).map { "alert:\($0.alertID):\($1)" })
            #expect(messages.map(\.3) == ["volume_spike", "unit_slip", "licence_overdrawn"])
            #expect(messages.map(\.4) == [2, 1, 1])

            await #expect(throws: StoreError.self) {
                try await db.transaction {
                    try await Outbox.raiseAlerts([Self.raise(firm)], on: $0, topic: "no_such_topic", logger: Self.logger)
                }
            }
            let (alerts, queued) = try await Self.counts(db)
            #expect(alerts == 3)
            #expect(queued == 4)
        }
    }

    /// The single-alert SQL function (for callers outside Swift) raises through the batch one: a raise, then a
    /// re-raise of the same open alert with a message of its own.
    @Test func theSingleRaiseFunctionRaisesAndReRaises() async throws {
        try await TestDatabase.withMigrated("outboxone") { db in
            let firm = try await Self.firm(db)
            let sql = """
                SELECT alert_id, message_id, raise_count
                  FROM queue_raise_alert(\(firm), NULL, 'volume', 'volume_spike', 'high', 4.2, '{"observed_kg": 420}', '2026-03')
                """
            let first = try await db.rows(PostgresQuery(unsafeSQL: sql))[0].decode((Int64, Int64, Int32).self)
            let second = try await db.rows(PostgresQuery(unsafeSQL: sql))[0].decode((Int64, Int64, Int32).self)
            #expect(first.2 == 1 && second.2 == 2)
            #expect(first.0 == second.0)
            #expect(first.1 != second.1)
            let keys = try await db.rows("SELECT dedupe_key, topic, priority::int FROM queue_message ORDER BY id")
                .map { try $0.decode((String, String, Int).self) }
            #expect(keys.map(\.0) == ["alert:\(first.0):1", "alert:\(first.0):2"])
            #expect(keys.allSatisfy { $0.1 == "alerts" && $0.2 == 1 })
        }
    }

    @Test func dataQualityAlertsGoToTheirOwnTopic() async throws {
        try await TestDatabase.withMigrated("outboxdq") { db in
            let firm = try await Self.firm(db)
            var raise = Self.raise(firm)
            raise.ruleFamily = "data_quality"
            raise.rule = "unit_slip"
            _ = try await db.transaction { try await Outbox.raiseAlert(raise, on: $0, logger: Self.logger) }
            let metrics = try await AlertQueue(database: db).metrics()
            #expect(metrics.first { $0.topic == "data_quality" }?.depth == 1)
            #expect(metrics.first { $0.topic == "alerts" }?.depth == 0)
        }
    }

    @Test func concurrentEnqueuesOfOneDedupeKeyYieldOneMessage() async throws {
        let url = try await TestDatabase.migrated("dedupe")
        try await Database.with(url: url, logger: Self.logger, maximumConnections: 16) { db in
            let queue = AlertQueue(database: db)
            for round in 0..<5 {
                let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                    for n in 0..<16 {
                        group.addTask {
                            try await queue.enqueue(OutgoingMessage(payload: "{\"n\": \(n)}", dedupeKey: "firm-7:round-\(round)"), topic: "alerts")
                        }
                    }
                    return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
                }
                #expect(ids.count == 1, "round \(round): \(ids)")
            }
            let rows = try await db.rows("SELECT count(*) FROM queue_message")
            #expect(try rows[0].decode(Int64.self) == 5)
            // In a batch too: a key repeated within the batch and a key already pending both map to one id.
            let batch = try await queue.enqueueBatch(
                [
                    .init(payload: "{}", dedupeKey: "firm-7:round-0"), .init(payload: "{}"), .init(payload: "{}", dedupeKey: "x"),
                    .init(payload: "{}", dedupeKey: "x"),
                ], topic: "alerts")
            #expect(batch.count == 4)
            #expect(batch[2] == batch[3])
            #expect(Set(batch).count == 3)
        }
    }

    @Test func anEnqueueWakesAListener() async throws {
        try await TestDatabase.withMigrated("notify") { db in
            let queue = AlertQueue(database: db)
            let woken = try await queue.listen(topic: "alerts") { notifications in
                try await queue.enqueueBatch([.init(payload: "{}"), .init(payload: "{}")], topic: "alerts")
                for try await _ in notifications { return true }
                return false
            }
            #expect(woken)
        }
    }

    @Test func theFacadeIsInstalledOnAPlainDatabase() async throws {
        try await TestDatabase.withMigrated("facade") { db in
            #expect(try await AlertQueue(database: db).pgmqFacadeStatus() == "installed")
            let rows = try await db.rows("SELECT * FROM pgmq.send('alerts', '{\"x\": 1}'::jsonb)")
            #expect(rows.count == 1)
        }
    }

    @Test func theFacadeStandsAsideWhenAnotherPgmqOwnsTheSchema() async throws {
        let url = try await TestDatabase.empty("realpgmq")
        try await Database.with(url: url, logger: Self.logger) { db in
            _ = try await db.rows("CREATE SCHEMA pgmq")
            _ = try await db.rows("CREATE TABLE pgmq.meta (queue_name varchar UNIQUE NOT NULL)")
            let migrator = Migrator(migrations: try Migration.load(from: TestDatabase.repositoryRoot + "/sql"), logger: Self.logger)
            try await migrator.migrate(db)
            let queue = AlertQueue(database: db)
            #expect(try await queue.pgmqFacadeStatus().hasPrefix("skipped"))
            let functions = try await db.rows("SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgmq'::regnamespace")
            #expect(try functions[0].decode(Int64.self) == 0)
            #expect(try await queue.enqueue(.init(payload: "{}"), topic: "alerts") > 0)
        }
    }
}
