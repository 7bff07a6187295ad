import Foundation

/// A message to enqueue: its JSON payload and optional headers and dedupe key.
public struct OutgoingMessage: Sendable, Equatable {
    /// The payload as JSON text (an object; consumers receive it as is).
    public var payload: String
    /// Optional JSON object of headers (routing hints, trace ids).
    public var headers: String?
    /// While a message with this key is pending in the topic, enqueuing the key again inserts nothing and returns
    /// the pending message's id.
    public var dedupeKey: String?

    public init(payload: String, headers: String? = nil, dedupeKey: String? = nil) {
        self.payload = payload
        self.headers = headers
        self.dedupeKey = dedupeKey
    }
}

/// A message handed to one consumer by a claim. Only the holder of `leaseToken` can ack, nack or extend it; the lease
/// lapses at `visibleAt`, after which another claim may hand the message out again (with a new token).
public struct ClaimedMessage: Sendable, Equatable {
    public let id: Int64
    public let topic: String
    public let leaseToken: UUID
    /// Attempts so far, this one included (1 on first delivery).
    public let attempts: Int
    public let maxAttempts: Int
    /// 0 (critical) … 9; lower is claimed first.
    public let priority: Int
    /// The payload as JSON text.
    public let payload: String
    public let headers: String?
    public let dedupeKey: String?
    /// The `alert` row this message delivers, when it came through the outbox.
    public let alertID: Int64?
    public let enqueuedAt: Date
    /// When the lease ends unless extended.
    public let visibleAt: Date
}

/// What a nack did.
public enum NackOutcome: Sendable, Equatable {
    /// The message will be visible again at this time (exponential backoff with jitter).
    case retry(at: Date)
    /// That was the last allowed attempt: the message is in the archive as dead, with its errors.
    case dead
    /// The lease was no longer current (it lapsed and the message was claimed again, or it was finished): nothing
    /// changed.
    case leaseLost
}

/// One pending message as an operator sees it (`precursorctl admin queue peek`).
public struct PendingMessage: Sendable, Equatable, Codable {
    public let id: Int64
    public let priority: Int
    public let attempts: Int
    public let maxAttempts: Int
    public let enqueuedAt: Date
    public let visibleAt: Date
    /// Whether a consumer holds it right now.
    public let leased: Bool
    public let lastError: String?
    public let payload: String
}

/// Per-topic figures for dashboards and `/metrics`.
public struct QueueTopicMetrics: Sendable, Equatable, Codable {
    public let topic: String
    /// Every pending message: waiting, leased or backing off.
    public let depth: Int
    /// Messages a claim would hand out now.
    public let visibleDepth: Int
    /// Messages a consumer holds right now.
    public let leased: Int
    /// Age in seconds of the oldest pending message; nil when the topic is empty.
    public let oldestAgeSeconds: Double?
    /// Age in seconds of the newest pending message; nil when the topic is empty.
    public let newestAgeSeconds: Double?
    /// Dead messages in the archive (awaiting replay or a decision).
    public let dead: Int
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
