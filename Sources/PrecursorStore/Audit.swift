import Foundation
import Logging
import PostgresNIO

/// Who is acting: a CLI operator, an API token holder, or the daemon itself.
public struct Principal: Sendable, Equatable {
    public let name: String
    public let role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }

    /// The operator running an admin command on this host.
    public static var cliOperator: Principal {
        let user = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return Principal(name: "cli:\(user)", role: "admin")
    }

    /// The daemon (scheduled sweeps, inbox imports, migrations).
    public static let daemon = Principal(name: "precursord", role: "system")
}

/// One entry of the append-only, hash-chained audit log.
public struct AuditEntry: Sendable {
    public var actor: Principal
    public var action: String
    public var entityType: String
    public var entityID: String?
    public var requestID: String?
    /// JSON text of the state before and after, where it applies.
    public var before: String?
    public var after: String?

    public init(
        actor: Principal, action: String, entityType: String, entityID: String? = nil, requestID: String? = nil,
        before: String? = nil, after: String? = nil
    ) {
        self.actor = actor
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.requestID = requestID
        self.before = before
        self.after = after
    }
}

extension PostgresConnection {
    /// Appends an audit entry in the caller's transaction (so it commits or rolls back with the change).
    public func audit(_ entry: AuditEntry, logger: Logger) async throws {
        try await run(
            """
            INSERT INTO audit_log (actor, role, action, entity_type, entity_id, request_id, before, after, prev_hash, hash)
            VALUES (\(entry.actor.name), \(entry.actor.role), \(entry.action), \(entry.entityType), \(entry.entityID),
                    \(entry.requestID), \(entry.before)::jsonb, \(entry.after)::jsonb, '\\x', '\\x')
            """,
            logger: logger)
    }
}
