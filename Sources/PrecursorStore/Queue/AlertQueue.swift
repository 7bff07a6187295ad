import Foundation
import Logging
import PostgresNIO

/// At-least-once delivery of alerts (and other topics) from the PostgreSQL queue table (`sql/0006_queue.sql`).
///
/// Each method is one call of the matching SQL function, so a consumer written in another language gets the same
/// behaviour. Claims hand out leases: only the current lease holder can ack, nack or extend. Methods that take `now`
/// let tests move time instead of sleeping; production leaves it nil (the database clock).
public struct AlertQueue: Sendable {
    public let database: Database
    let logger: Logger

    /// The topic for risk alerts.
    public static let alertsTopic = "alerts"
    /// The topic for data-quality findings (unit slips, negative stock).
    public static let dataQualityTopic = "data_quality"

    public init(database: Database, logger: Logger = Logger(label: "precursor.queue")) {
        self.database = database
        self.logger = logger
    }

    // MARK: Producing

    /// Enqueues one message; returns its id, or the id of the pending message with the same dedupe key.
    @discardableResult
    public func enqueue(_ message: OutgoingMessage, topic: String, priority: Int = 2, delay: Duration = .zero) async throws -> Int64 {
        let ids = try await enqueueBatch([message], topic: topic, priority: priority, delay: delay)
        guard let id = ids.first else { throw StoreError.database(sqlState: "P0002", message: "enqueue into \(topic) returned no id", detail: nil) }
        return id
    }

    /// Enqueues messages in one statement; returns one id per message, in order (a pending dedupe key yields the
    /// pending message's id).
    public func enqueueBatch(
        _ messages: [OutgoingMessage], topic: String, priority: Int = 2, delay: Duration = .zero
    ) async throws -> [Int64] {
        guard !messages.isEmpty else { return [] }
        let payloads = messages.map(\.payload)
        // Arrays of optionals do not bind; an empty string stands for NULL (an empty header or key means nothing).
        let headers: [String]? = messages.contains { $0.headers != nil } ? messages.map { $0.headers ?? "" } : nil
        let keys: [String]? = messages.contains { $0.dedupeKey != nil } ? messages.map { $0.dedupeKey ?? "" } : nil
        let rows = try await database.rows(
            """
            SELECT id FROM queue_enqueue_batch(
                \(topic), \(payloads)::jsonb[],
                (SELECT array_agg(nullif(h, '')::jsonb ORDER BY o) FROM unnest(\(headers)::text[]) WITH ORDINALITY u(h, o)),
                (SELECT array_agg(nullif(k, '') ORDER BY o) FROM unnest(\(keys)::text[]) WITH ORDINALITY u(k, o)),
                \(Int16(clamping: priority)), make_interval(secs => \(delay.seconds)))
            ORDER BY ord
            """)
        return try rows.map { try $0.decode(Int64?.self) ?? 0 }
    }

    // MARK: Consuming

    /// Claims up to `limit` visible messages of `topic` (priority first, then oldest), each leased for
    /// `visibilityTimeout` (default: the topic's lease). A message whose last allowed attempt lapsed is dead-lettered
    /// instead of handed out.
    public func claim(
        topic: String, limit: Int, visibilityTimeout: Duration? = nil, consumer: String? = nil, now: Date? = nil
    ) async throws -> [ClaimedMessage] {
        let lease = visibilityTimeout?.seconds
        let rows = try await database.rows(
            """
            SELECT id, lease_token, attempts, max_attempts, priority, payload::text, headers::text, dedupe_key, alert_id,
                   enqueued_at, visible_at
              FROM queue_claim(\(topic), \(limit)::int, \(lease)::float8 * interval '1 second', \(consumer)::text,
                               coalesce(\(now)::timestamptz, clock_timestamp()))
             ORDER BY priority, id
            """)
        return try rows.map { row in
            let (id, lease, attempts, max, priority, payload, headers, key, alert, enqueued, visible) = try row.decode(
                (Int64, UUID, Int32, Int32, Int16, String, String?, String?, Int64?, Date, Date).self)
            return ClaimedMessage(
                id: id, topic: topic, leaseToken: lease, attempts: Int(attempts), maxAttempts: Int(max), priority: Int(priority),
                payload: payload, headers: headers, dedupeKey: key, alertID: alert, enqueuedAt: enqueued, visibleAt: visible)
        }
    }

    /// Acknowledges one message (moves it to the archive); false when the lease is no longer current.
    @discardableResult
    public func ack(_ message: ClaimedMessage) async throws -> Bool {
        try await ack([message]).contains(message.id)
    }

    /// Acknowledges messages in one statement; returns the ids acknowledged (those whose lease was still current).
    @discardableResult
    public func ack(_ messages: [ClaimedMessage]) async throws -> Set<Int64> {
        guard !messages.isEmpty else { return [] }
        let ids = messages.map(\.id)
        let leases = messages.map(\.leaseToken)
        let rows = try await database.rows("SELECT queue_ack FROM queue_ack(\(ids)::bigint[], \(leases)::uuid[])")
        return Set(try rows.map { try $0.decode(Int64.self) })
    }

    /// Reports a failed attempt with its error (kept with the message); see `NackOutcome`.
    public func nack(_ message: ClaimedMessage, error: String, now: Date? = nil) async throws -> NackOutcome {
        let rows = try await database.rows(
            """
            SELECT outcome, visible_at FROM queue_nack(\(message.id), \(message.leaseToken), \(error),
                                                       coalesce(\(now)::timestamptz, clock_timestamp()))
            """)
        let (outcome, visible) = try rows[0].decode((String, Date?).self)
        switch outcome {
        case "retry": return .retry(at: visible ?? Date())
        case "dead": return .dead
        default: return .leaseLost
        }
    }

    /// Extends a lease (heartbeat): the message stays with this consumer until now + `duration`. Returns the new end
    /// of the lease, or nil when the lease was lost.
    public func extend(_ message: ClaimedMessage, by duration: Duration, now: Date? = nil) async throws -> Date? {
        let rows = try await database.rows(
            """
            SELECT queue_extend(\(message.id), \(message.leaseToken), make_interval(secs => \(duration.seconds)),
                                coalesce(\(now)::timestamptz, clock_timestamp()))
            """)
        return try rows.first?.decode(Date?.self)
    }

    /// Runs `body` while listening for enqueue notifications on `topic` (one per enqueuing statement); the
    /// notification sequence ends when `body` returns.
    public func listen<T: Sendable>(
        topic: String, _ body: @Sendable (PostgresNotificationSequence) async throws -> T
    ) async throws -> T {
        try await database.client.withConnection { connection in
            try await connection.listen(on: AlertQueue.channel(topic), consume: body)
        }
    }

    /// Waits until something is enqueued on `topic` or `timeout` passes; true when woken by a notification.
    /// A notification sent just before the wait began is missed, so callers claim again after the timeout anyway.
    public func waitForMessages(topic: String, timeout: Duration) async throws -> Bool {
        try await listen(topic: topic) { notifications in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await _ in notifications { return true }
                    return false
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
        }
    }

    /// The LISTEN channel on which enqueues into `topic` are announced.
    public static func channel(_ topic: String) -> String { "queue_" + topic }

    // MARK: Operating

    /// Per-topic metrics (all topics when `topic` is nil).
    public func metrics(topic: String? = nil, now: Date? = nil) async throws -> [QueueTopicMetrics] {
        let rows = try await database.rows(
            """
            SELECT topic, depth, visible_depth, leased, oldest_age_seconds, newest_age_seconds, dead
              FROM queue_metrics(\(topic), coalesce(\(now)::timestamptz, clock_timestamp()))
            """)
        return try rows.map { row in
            let (topic, depth, visible, leased, oldest, newest, dead) = try row.decode(
                (String, Int64, Int64, Int64, Double?, Double?, Int64).self)
            return QueueTopicMetrics(
                topic: topic, depth: Int(depth), visibleDepth: Int(visible), leased: Int(leased), oldestAgeSeconds: oldest,
                newestAgeSeconds: newest, dead: Int(dead))
        }
    }

    /// The next `limit` pending messages of `topic` in claim order, without claiming them.
    public func peek(topic: String, limit: Int = 10) async throws -> [PendingMessage] {
        let rows = try await database.rows(
            """
            SELECT id, priority, attempts, max_attempts, enqueued_at, visible_at,
                   lease_token IS NOT NULL AND visible_at > clock_timestamp(), last_error, payload::text
              FROM queue_message WHERE topic = \(topic)
             ORDER BY priority, visible_at, id LIMIT \(limit)
            """)
        return try rows.map { row in
            let (id, priority, attempts, max, enqueued, visible, leased, error, payload) = try row.decode(
                (Int64, Int16, Int32, Int32, Date, Date, Bool, String?, String).self)
            return PendingMessage(
                id: id, priority: Int(priority), attempts: Int(attempts), maxAttempts: Int(max), enqueuedAt: enqueued,
                visibleAt: visible, leased: leased, lastError: error, payload: payload)
        }
    }

    /// Whether `topic` exists.
    public func topicExists(_ topic: String) async throws -> Bool {
        let rows = try await database.rows("SELECT EXISTS (SELECT FROM queue_topic WHERE name = \(topic))")
        return try rows[0].decode(Bool.self)
    }

    /// Puts dead messages of `topic` (one when `id` is given, else all) back in the queue with attempts reset,
    /// recording who did it in the audit log in the same transaction (when anything was replayed). Returns the ids replayed.
    public func replayDead(topic: String, id: Int64? = nil, actor: Principal) async throws -> [Int64] {
        try await database.transaction { connection in
            let rows = try await connection.rows("SELECT * FROM queue_replay_dead(\(topic), \(id))", logger: logger)
            let ids = try rows.map { try $0.decode(Int64.self) }
            if ids.isEmpty { return ids }
            let after = "{\"topic\": \(jsonString(topic)), \"replayed\": [\(ids.map(String.init).joined(separator: ","))]}"
            try await connection.audit(
                AuditEntry(actor: actor, action: "queue.replay_dead", entityType: "queue_topic", entityID: topic, after: after),
                logger: logger)
            return ids
        }
    }

    /// Removes every pending message of `topic` (they go to the archive as purged), recording who did it in the
    /// audit log in the same transaction. Returns how many were removed.
    public func purge(topic: String, actor: Principal) async throws -> Int {
        try await database.transaction { connection in
            let rows = try await connection.rows("SELECT queue_purge(\(topic))", logger: logger)
            let count = Int(try rows[0].decode(Int64.self))
            try await connection.audit(
                AuditEntry(
                    actor: actor, action: "queue.purge", entityType: "queue_topic", entityID: topic,
                    after: "{\"topic\": \(jsonString(topic)), \"purged\": \(count)}"),
                logger: logger)
            return count
        }
    }

    /// Creates the archive partitions for the coming months; returns how many were new. The daemon calls it
    /// periodically so that the default partition stays empty.
    @discardableResult
    public func ensureArchivePartitions(months: Int = 3) async throws -> Int {
        let rows = try await database.rows("SELECT queue_archive_ensure_partitions(current_date, \(months)::int)")
        return Int(try rows[0].decode(Int32.self))
    }

    /// Which case of the pgmq facade applied: `installed`, or `skipped: …` with the reason.
    public func pgmqFacadeStatus() async throws -> String {
        try await database.rows("SELECT pgmq_facade_status()")[0].decode(String.self)
    }
}

/// A JSON string literal for `text`.
func jsonString(_ text: String) -> String {
    String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}
