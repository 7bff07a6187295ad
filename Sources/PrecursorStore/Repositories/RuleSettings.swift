import Foundation
import Logging
import PostgresNIO

/// Rule thresholds (`rule_config`): read by the sweeps, changed by supervisors and admins, every change audited.
public struct RuleSettings: Sendable {
    public struct Setting: Sendable, Codable, Equatable {
        public let rule: String
        public let key: String
        public let value: Double
        public let description: String
        public let updatedAt: Date
        public let updatedBy: String
    }

    public enum Problem: Error, Equatable, CustomStringConvertible, Sendable {
        case unknown(rule: String, key: String)
        case notFinite

        public var description: String {
            switch self {
            case .unknown(let rule, let key): "no threshold \(key) for rule \(rule); list them with `admin rules list`"
            case .notFinite: "the value must be a finite number"
            }
        }
    }

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func list() async throws -> [Setting] {
        try await database.rows(
            "SELECT rule, key, value::float8, description, updated_at, updated_by FROM rule_config ORDER BY rule, key"
        ).map(Self.setting)
    }

    /// Changes one threshold and returns it; the old and new values go to the audit log in the same transaction.
    public func set(rule: String, key: String, value: Double, actor: Principal, requestID: String?) async throws -> Setting {
        guard value.isFinite else { throw Problem.notFinite }
        return try await database.transaction { connection in
            let before = try await connection.rows(
                "SELECT value::float8 FROM rule_config WHERE rule = \(rule) AND key = \(key) FOR UPDATE", logger: logger)
            guard let old = try before.first?.decode(Double.self) else { throw Problem.unknown(rule: rule, key: key) }
            let rows = try await connection.rows(
                """
                UPDATE rule_config SET value = \(value)::float8::numeric, updated_at = now(), updated_by = \(actor.name)
                 WHERE rule = \(rule) AND key = \(key)
                RETURNING rule, key, value::float8, description, updated_at, updated_by
                """, logger: logger)
            try await connection.audit(
                AuditEntry(
                    actor: actor, action: "rule_config.set", entityType: "rule_config", entityID: "\(rule).\(key)",
                    requestID: requestID, before: try jsonText(["value": old]), after: try jsonText(["value": value])),
                logger: logger)
            return try Self.setting(rows[0])
        }
    }

    static func setting(_ row: PostgresRow) throws -> Setting {
        let (rule, key, value, description, at, by) = try row.decode((String, String, Double, String, Date, String).self)
        return Setting(rule: rule, key: key, value: value, description: description, updatedAt: at, updatedBy: by)
    }
}
