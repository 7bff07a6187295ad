import Foundation
import Logging
import PostgresNIO

/// An alert a sweep raises: the business record's fields. One open alert exists per (firm, substance, rule family).
public struct AlertRaise: Sendable, Equatable {
    public var firmID: Int64
    public var substanceID: Int32?
    /// `licence`, `volume`, `reconciliation`, `route`, `value`, `data_quality` or `exploration`.
    public var ruleFamily: String
    public var rule: String
    /// `info`, `low`, `medium`, `high` or `critical`; also sets the message priority (critical first).
    public var severity: String
    public var score: Double
    /// Why: observed, expected, threshold, source record ids (JSON object text).
    public var payload: String
    public var evidenceKey: String

    public init(
        firmID: Int64, substanceID: Int32?, ruleFamily: String, rule: String, severity: String, score: Double,
        payload: String, evidenceKey: String
    ) {
        self.firmID = firmID
        self.substanceID = substanceID
        self.ruleFamily = ruleFamily
        self.rule = rule
        self.severity = severity
        self.score = score
        self.payload = payload
        self.evidenceKey = evidenceKey
    }
}

/// What `Outbox.raiseAlert` did.
public struct RaisedAlert: Sendable, Equatable {
    public let alertID: Int64
    /// The queue message that delivers this raise.
    public let messageID: Int64
    /// 1 when the alert was new; more when an open alert was raised again.
    public let raiseCount: Int
}

/// The transactional outbox: the alert row and its queue message are written in the caller's transaction, so that
/// either both exist or neither (a sweep that rolls back leaves no message behind, and no alert goes undelivered).
public enum Outbox {
    /// Inserts the alert (or updates the open one for its firm, substance and rule family) and enqueues its JSON on
    /// `topic` (default: `data_quality` for that family, else `alerts`), on `connection` inside the caller's
    /// transaction.
    public static func raiseAlert(
        _ raise: AlertRaise, on connection: PostgresConnection, topic: String? = nil, now: Date? = nil, logger: Logger
    ) async throws -> RaisedAlert {
        try await raiseAlerts([raise], on: connection, topic: topic, now: now, logger: logger)[0]
    }

    /// Raises many alerts in one statement (one round trip, `queue_raise_alerts`: the alerts written by one insert and
    /// their messages by one more), each as `raiseAlert` would, in the caller's transaction; results come back in the
    /// order given. The raises must be for distinct (firm, substance, family) groups.
    public static func raiseAlerts(
        _ raises: [AlertRaise], on connection: PostgresConnection, topic: String? = nil, now: Date? = nil, logger: Logger
    ) async throws -> [RaisedAlert] {
        guard !raises.isEmpty else { return [] }
        let rows = try await connection.rows(
            """
            SELECT r.alert_id, r.message_id, r.raise_count
              FROM queue_raise_alerts(
                       \(raises.map(\.firmID)),
                       array(SELECT nullif(u.s, 0) FROM unnest(\(raises.map { $0.substanceID ?? 0 })) WITH ORDINALITY u(s, n) ORDER BY u.n),
                       \(raises.map(\.ruleFamily)), \(raises.map(\.rule)), \(raises.map(\.severity)), \(raises.map(\.score))::numeric[],
                       \(raises.map(\.payload))::jsonb[], \(raises.map(\.evidenceKey)), \(topic), coalesce(\(now)::timestamptz, now())) r
             ORDER BY r.ord
            """,
            logger: logger)
        return try rows.map { row in
            let (alert, message, count) = try row.decode((Int64, Int64, Int32).self)
            return RaisedAlert(alertID: alert, messageID: message, raiseCount: Int(count))
        }
    }
}
