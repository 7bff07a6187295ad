import Logging
import PostgresNIO

/// Cluster-level chores run over a connection to the maintenance database: creating databases (from a template,
/// which is how each test suite gets a migrated database in milliseconds) and dropping them.
public struct DatabaseAdmin: Sendable {
    /// Any database on the server; the chores connect to its `postgres` database.
    public let server: DatabaseURL
    let logger: Logger

    public init(server: DatabaseURL, logger: Logger) {
        self.server = server
        self.logger = logger
    }

    /// Creates `name` unless it exists, optionally as a copy of `template`. Returns whether it was created.
    @discardableResult
    public func createDatabase(_ name: String, template: String? = nil) async throws -> Bool {
        try Self.checkName(name)
        if let template { try Self.checkName(template) }
        return try await withMaintenanceConnection { connection in
            let exists = try await connection.rows("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
            if !exists.isEmpty { return false }
            let sql = "CREATE DATABASE \"\(name)\"" + (template.map { " TEMPLATE \"\($0)\"" } ?? "")
            do {
                try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
            } catch StoreError.database(let state, _, _) where state == "42P04" || state == "23505" {
                return false  // created concurrently by someone else
            }
            return true
        }
    }

    /// Drops `name` if it exists, disconnecting its sessions.
    public func dropDatabase(_ name: String) async throws {
        try Self.checkName(name)
        try await withMaintenanceConnection { connection in
            try await connection.run(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: logger)
        }
    }

    private func withMaintenanceConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: server.with(database: "postgres").connectionConfiguration(), id: 1, logger: logger)
        } catch {
            throw StoreError.unreachable("\(server.with(database: "postgres")): \(StoreError.describeConnectionFailure(error))")
        }
        do {
            let value = try await body(connection)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Database names are interpolated into DDL, so only plain identifiers are accepted.
    static func checkName(_ name: String) throws(StoreError) {
        guard !name.isEmpty, name.count <= 63,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else {
            throw .configuration("database name '\(name)' must be 1-63 lower-case letters, digits or underscores")
        }
    }
}

extension EmbeddedPostgres {
    /// Creates the cluster's database on first start.
    public func ensureDatabase() async throws {
        try await DatabaseAdmin(server: databaseURL, logger: logger).createDatabase(options.database)
    }
}
