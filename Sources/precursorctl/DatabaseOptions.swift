import ArgumentParser
import Foundation
import Logging
import PrecursorStore

/// How admin commands find the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"), help: "libpq URI of the database (default: $DATABASE_URL, else the embedded cluster in the data folder).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "precursord's data folder, for the embedded cluster (default: $PRECURSOR_DATA_DIR or .precursor).")
    var dataDirectory: String?

    var logger: Logger { Logger(label: "precursor.cli") }

    /// The database to use: the option, `DATABASE_URL`, or a running embedded cluster.
    func resolve() throws -> DatabaseURL {
        let env = ProcessInfo.processInfo.environment
        if let text = databaseURL ?? env["DATABASE_URL"], !text.isEmpty {
            return try DatabaseURL(text)
        }
        let folder = (dataDirectory ?? env["PRECURSOR_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".precursor") + "/pg"
        var options = EmbeddedPostgres.Options(dataDirectory: folder)
        if let port = env["PRECURSOR_PG_PORT"].flatMap(Int.init) { options.port = port }
        let cluster = try EmbeddedPostgres(options: options, logger: logger)
        guard cluster.isRunning else {
            throw StoreError.unreachable(
                "DATABASE_URL is not set and no embedded PostgreSQL is running in \(cluster.dataDirectory); "
                    + "start precursord (make demo) or set DATABASE_URL")
        }
        return cluster.databaseURL
    }

    func withDatabase<T: Sendable>(_ body: (Database) async throws -> T) async throws -> T {
        try await Database.with(url: try resolve(), logger: logger, body)
    }
}

/// `--format table|json` for commands that print results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
