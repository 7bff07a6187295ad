import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// The connection pool to one PostgreSQL database, with the transaction and error mapping the store relies on.
///
/// `PostgresClient` is a service: its `run()` must be running while queries are made. A daemon puts it in its
/// `ServiceGroup`; a one-off command uses `Database.with(url:…)`, which runs it for the duration of a closure.
public final class Database: Sendable {
    public let client: PostgresClient
    public let url: DatabaseURL
    /// The pool's size: a sweep uses a second connection for part of its work when there is one.
    public let maximumConnections: Int
    let logger: Logger

    /// `backgroundLogger` is the pool's own (the queries log to `logger`); nil uses `logger`.
    public init(url: DatabaseURL, logger: Logger, maximumConnections: Int = 20, backgroundLogger: Logger? = nil) throws(StoreError) {
        var configuration = try url.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        self.url = url
        self.maximumConnections = maximumConnections
        self.logger = logger
        client = PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger ?? logger)
    }

    /// Runs `body` with a database whose pool runs for exactly that long; fails fast (exit code 3 in the CLI) when
    /// the server cannot be reached.
    public static func with<T: Sendable>(
        url: DatabaseURL, logger: Logger, maximumConnections: Int = 4,
        _ body: (Database) async throws -> T
    ) async throws -> T {
        try await Database.checkReachable(url, logger: logger)
        // The pool's task and `body` start together, and a lease asked for a moment before `run()` begins is
        // served all the same, but PostgresNIO warns about it on the command's standard error (1 run in 3 to 40;
        // no signal from the task can close that window, as `run()` marks itself running only once called). That
        // is the pool logger's only warning, so a one-off command's pool logs from errors up unless debugging.
        var poolLogger = logger
        if logger.logLevel > .debug { poolLogger.logLevel = max(logger.logLevel, .error) }
        let database = try Database(
            url: url, logger: logger, maximumConnections: maximumConnections, backgroundLogger: poolLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Opens and closes one connection, so that an unreachable server is reported at once with its reason.
    public static func checkReachable(_ url: DatabaseURL, logger: Logger) async throws(StoreError) {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: url.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            let mapped = StoreError.from(error)
            if case .database(let state, let message, _) = mapped {
                throw .unreachable("\(url): \(message) (SQLSTATE \(state))")
            }
            throw .unreachable("\(url): \(StoreError.describeConnectionFailure(error))")
        }
    }

    /// Runs `body` inside one transaction on one connection: committed when it returns, rolled back when it throws.
    /// The error thrown is the one `body` threw, mapped to a `StoreError` when it came from PostgreSQL.
    public func transaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        try await client.withConnection(isolation: isolation) { connection in
            do {
                return try await connection.transaction(logger: logger) { try await body(connection) }
            } catch {
                throw error is PSQLError ? StoreError.from(error) : error
            }
        }
    }

    /// Runs one query and returns all its rows.
    public func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await client.query(query, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw StoreError.from(error)
        }
    }
}

extension PostgresConnection {
    /// Runs one query and returns all its rows, mapping PostgreSQL errors to `StoreError`.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await self.query(query, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Runs `body` in a transaction of this connection: opened by `begin` (say `BEGIN ISOLATION LEVEL REPEATABLE READ`),
    /// then `settings` in order (`SET LOCAL …`, `SET TRANSACTION SNAPSHOT …`); committed when `keep` holds for the
    /// value (a dry run or a sweep whose slot was taken keeps nothing), else rolled back; rolled back when anything
    /// throws, the error rethrown as it was. PostgresNIO's `withTransaction` knows only a plain `BEGIN` and wraps
    /// every error in its own type.
    public func transaction<T>(
        _ begin: String = "BEGIN", settings: [String] = [], logger: Logger, keep: (T) -> Bool = { _ in true },
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> sending T
    ) async throws -> sending T {
        try await run(PostgresQuery(unsafeSQL: begin), logger: logger)
        do {
            for setting in settings { try await run(PostgresQuery(unsafeSQL: setting), logger: logger) }
            let value = try await body()
            try await run(keep(value) ? "COMMIT" : "ROLLBACK", logger: logger)
            return value
        } catch {
            _ = try? await run("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Runs one statement, discarding rows; returns the number of rows it affected where the server says so.
    @discardableResult
    public func run(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        do {
            let result = try await self.query(query, logger: logger).get()
            return result.metadata.rows ?? 0
        } catch {
            throw StoreError.from(error)
        }
    }
}

extension DatabaseURL {
    /// A single-connection configuration for this URI.
    public func connectionConfiguration() throws(StoreError) -> PostgresConnection.Configuration {
        if isUnixSocket {
            return .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        }
        var tls: PostgresConnection.Configuration.TLS = .disable
        if sslMode != "disable" {
            var c = TLSConfiguration.makeClientConfiguration()
            c.certificateVerification = sslMode.hasPrefix("verify") ? .fullVerification : .none
            if let root = sslRootCert { c.trustRoots = .file(root) }
            do {
                let context = try NIOSSLContext(configuration: c)
                tls = sslMode == "prefer" || sslMode == "allow" ? .prefer(context) : .require(context)
            } catch {
                throw .configuration("DATABASE_URL TLS settings: \(error)")
            }
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

extension StoreError {
    static func describeConnectionFailure(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let underlying = psql.underlying { return String(describing: underlying) }
            return String(reflecting: psql)
        }
        return String(describing: error)
    }
}
