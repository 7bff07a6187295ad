import PostgresNIO

/// Everything that can go wrong in the store, worded for the person who must act.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The database cannot be reached or refused the connection.
    case unreachable(String)
    /// A configuration value (DATABASE_URL, a folder) is wrong.
    case configuration(String)
    /// An applied migration file was edited afterwards.
    case migrationEdited(name: String, applied: String, onDisk: String)
    /// A migration file failed to apply.
    case migrationFailed(name: String, statement: Int, reason: String)
    /// The database has migrations this build does not know.
    case unknownMigration(String)
    /// A reference-data or input file is wrong at a line.
    case invalidFile(path: String, line: Int?, field: String?, reason: String)
    /// The embedded PostgreSQL could not be set up, started or stopped.
    case embedded(String)
    /// A database error with its SQLSTATE.
    case database(sqlState: String, message: String, detail: String?)

    public var description: String {
        switch self {
        case .unreachable(let why): "cannot reach the database: \(why)"
        case .configuration(let why): why
        case .migrationEdited(let name, let applied, let onDisk):
            "migration \(name) was edited after it was applied (applied checksum \(applied.prefix(12))…, file now \(onDisk.prefix(12))…); "
                + "migrations are never edited: restore the file and add a new numbered migration instead"
        case .migrationFailed(let name, let statement, let reason):
            "migration \(name) failed at statement \(statement): \(reason); nothing of this file was applied"
        case .unknownMigration(let name):
            "the database has migration \(name) applied, which this build does not have: run a newer precursord"
        case .invalidFile(let path, let line, let field, let reason):
            [path + (line.map { ":\($0)" } ?? ""), field.map { "field \($0)" }, reason].compactMap { $0 }.joined(separator: ": ")
        case .embedded(let why): "embedded PostgreSQL: \(why)"
        case .database(let state, let message, let detail):
            "database error \(state): \(message)" + (detail.map { " (\($0))" } ?? "")
        }
    }

    /// Maps a PostgresNIO error to a store error that carries the SQLSTATE and server message.
    public static func from(_ error: any Error) -> StoreError {
        if let store = error as? StoreError { return store }
        if let transaction = error as? PostgresTransactionError {
            return from(transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error)
        }
        if let psql = error as? PSQLError {
            if let server = psql.serverInfo, let state = server[.sqlState] {
                return .database(sqlState: state, message: server[.message] ?? "", detail: server[.detail])
            }
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
                return .unreachable(String(reflecting: psql.underlying ?? psql))
            default:
                return .unreachable(String(reflecting: psql))
            }
        }
        return .unreachable(String(describing: error))
    }
}
