import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered schema file from `sql/`.
public struct Migration: Sendable, Equatable {
    /// The file name, e.g. `0001_reference.sql`.
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Loads `NNNN_name.sql` files from a folder, in order of their number.
    public static func load(from folder: String) throws(StoreError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw .configuration("cannot read the migrations folder \(folder): \(error.localizedDescription)")
        }
        let files = names.filter { $0.hasSuffix(".sql") }.sorted()
        var migrations: [Migration] = []
        var numbers: Set<Substring> = []
        for name in files {
            let number = name.prefix { $0.isNumber }
            guard number.count == 4, name.dropFirst(4).first == "_" else {
                throw .invalidFile(path: folder + "/" + name, line: nil, field: nil, reason: "migration files are named NNNN_description.sql")
            }
            guard numbers.insert(number).inserted else {
                throw .invalidFile(path: folder + "/" + name, line: nil, field: nil, reason: "another migration has number \(number)")
            }
            guard let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else {
                throw .invalidFile(path: folder + "/" + name, line: nil, field: nil, reason: "not readable as UTF-8")
            }
            migrations.append(Migration(name: name, sql: text))
        }
        return migrations
    }
}

/// Where the database stands against the migrations this build carries.
public struct MigrationStatus: Sendable, Equatable {
    public var applied: [String] = []
    public var pending: [String] = []
    /// Applied files whose checksum no longer matches the file.
    public var edited: [String] = []
    /// Applied files this build does not have.
    public var unknown: [String] = []

    /// The schema is exactly what this build expects.
    public var isCurrent: Bool { pending.isEmpty && edited.isEmpty && unknown.isEmpty }
}

/// Applies pending migrations in order, each in its own transaction, under an advisory lock so that several
/// daemons starting together do not race; refuses to run when an applied file was edited.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    private let logger: Logger

    /// The advisory lock key that serialises migrators (an arbitrary constant: "precursor" in ASCII, folded).
    static let lockKey: Int64 = 0x7072_6563_7572_736F

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// A migrator for the `sql/` folder found by `ResourceLocator`.
    public static func fromDefaultFolder(logger: Logger) throws(StoreError) -> Migrator {
        Migrator(migrations: try Migration.load(from: ResourceLocator.sqlDirectory()), logger: logger)
    }

    /// Applies what is pending; returns the names applied (empty when the schema was current).
    @discardableResult
    public func migrate(_ database: Database) async throws -> [String] {
        try await database.client.withConnection { connection in
            try await connection.run("SELECT pg_advisory_lock(\(Migrator.lockKey))", logger: logger)
            do {
                let applied = try await migrateLocked(connection)
                try await connection.run("SELECT pg_advisory_unlock(\(Migrator.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.run("SELECT pg_advisory_unlock(\(Migrator.lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Compares the database with this build's migrations without changing anything.
    public func status(_ database: Database) async throws -> MigrationStatus {
        try await database.client.withConnection { connection in
            try await status(connection)
        }
    }

    private func status(_ connection: PostgresConnection) async throws -> MigrationStatus {
        let exists = try await connection.rows("SELECT to_regclass('public.schema_migration') IS NOT NULL", logger: logger)
        var applied: [String: String] = [:]
        var order: [String] = []
        if try exists.first?.decode(Bool.self) == true {
            for row in try await connection.rows("SELECT name, checksum FROM schema_migration ORDER BY name", logger: logger) {
                let (name, checksum) = try row.decode((String, String).self)
                applied[name] = checksum
                order.append(name)
            }
        }
        var status = MigrationStatus()
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        for name in order {
            guard let migration = known[name] else {
                status.unknown.append(name)
                continue
            }
            status.applied.append(name)
            if migration.checksum != applied[name] { status.edited.append(name) }
        }
        status.pending = migrations.map(\.name).filter { applied[$0] == nil }
        return status
    }

    private func migrateLocked(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.run(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        let current = try await status(connection)
        if let name = current.edited.first, let migration = migrations.first(where: { $0.name == name }) {
            let rows = try await connection.rows("SELECT checksum FROM schema_migration WHERE name = \(name)", logger: logger)
            throw StoreError.migrationEdited(name: name, applied: try rows.first?.decode(String.self) ?? "?", onDisk: migration.checksum)
        }
        if let name = current.unknown.first { throw StoreError.unknownMigration(name) }

        var appliedNow: [String] = []
        for migration in migrations where current.pending.contains(migration.name) {
            let started = ContinuousClock.now
            try await connection.transaction(logger: logger) {
                for (index, statement) in SQLScript.statements(migration.sql).enumerated() {
                    do {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch let error as StoreError {
                        throw StoreError.migrationFailed(name: migration.name, statement: index + 1, reason: error.description)
                    }
                }
                try await connection.run(
                    "INSERT INTO schema_migration (name, checksum) VALUES (\(migration.name), \(migration.checksum))",
                    logger: logger)
            }
            appliedNow.append(migration.name)
            logger.info(
                "migration applied",
                metadata: ["migration": "\(migration.name)", "duration": "\(ContinuousClock.now - started)"])
        }
        return appliedNow
    }
}
