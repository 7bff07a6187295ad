import Crypto
import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// Imports one CSV file of firms, facilities, licences, customs declarations or historical reports (DESIGN §4).
///
/// The file streams through `COPY … FROM STDIN` into a staging table that keeps each row's line number; set-based SQL
/// then collects every reason for every bad row, writes bad rows to `ingest_reject` (and `FILE.rejects.csv` beside
/// the input) and upserts the good rows on their natural keys. Declarations are checked in Swift while they stream,
/// and a file of new declarations goes straight into `declaration_line` (`ImportRun.loadDirect`). All of it happens in one transaction: a file-level
/// error (header, malformed CSV) or a killed process leaves nothing of the file behind, and loading the same file
/// twice changes nothing. Memory stays flat in the file size.
public struct Importer: Sendable {
    /// How to run one import.
    public struct Options: Sendable {
        /// Validate only: everything is rolled back at the end (the rejects file is still written).
        public var dryRun = false
        /// `cli` or `inbox`, recorded in `import_batch.source`.
        public var source = "cli"
        public var actor: Principal
        /// Testing aid (`PRECURSOR_IMPORT_PAUSE_AFTER_ROWS`): after streaming this many rows, print "paused" to
        /// standard error and wait forever, so that a test can kill the process mid-import.
        public var pauseAfterRows: Int?
        /// Declarations: the fewest new lines that make a load into a table no larger than the file a bulk load
        /// (secondary indexes built afresh). Testing aid: `PRECURSOR_IMPORT_BULK_ROWS`.
        public var bulkMinimumRows = 100_000

        public init(actor: Principal, dryRun: Bool = false, source: String = "cli") {
            self.actor = actor
            self.dryRun = dryRun
            self.source = source
            pauseAfterRows = ProcessInfo.processInfo.environment["PRECURSOR_IMPORT_PAUSE_AFTER_ROWS"].flatMap { Int($0) }
            if let rows = ProcessInfo.processInfo.environment["PRECURSOR_IMPORT_BULK_ROWS"].flatMap({ Int($0) }) {
                bulkMinimumRows = rows
            }
        }
    }

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The SHA-256 of a file's bytes, in hex (the inbox uses it to skip files already imported).
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.invalidFile(path: path, line: nil, field: nil, reason: "cannot be opened")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a file with this SHA-256 was already imported (dry runs leave no record, so they do not count).
    public func alreadyImported(sha256: String) async throws -> Bool {
        try await !database.rows("SELECT 1 FROM import_batch WHERE sha256 = \(sha256) AND kind <> 'seed' LIMIT 1").isEmpty
    }

    /// Imports `path` (`-` for standard input) as `kind`. Throws `StoreError.invalidFile` for a file-level error
    /// (nothing loaded); rejected rows are not errors: they are counted in the summary.
    public func run(_ kind: ImportKind, path: String, options: Options) async throws -> ImportSummary {
        let started = ContinuousClock.now
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else if let file = FileHandle(forReadingAtPath: path) {
            handle = file
        } else {
            throw StoreError.invalidFile(path: path, line: nil, field: nil, reason: "cannot be opened")
        }
        defer { if path != "-" { try? handle.close() } }
        let rejectsPath = path == "-" ? nil : path + ".rejects.csv"
        let partPath = rejectsPath.map { $0 + ".part" }
        let logger = self.logger
        var summary = try await database.client.withConnection { connection in
            let run = ImportRun(
                kind: kind, path: path, options: options, source: RecordSource(handle: handle), rejectsPart: partPath,
                logger: logger)
            // Staging tables of large files stay in memory; refused (harmlessly, outside the transaction) by a
            // pooled connection that already used temporary tables.
            _ = try? await connection.run("SET temp_buffers = '256MB'", logger: logger)
            // One statement per step over up to millions of rows: compiling their wide expressions costs more than it
            // saves (at a million lines JIT inlining and optimisation alone took seconds). A dry run keeps nothing.
            do {
                return try await connection.transaction(
                    settings: ["SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off"], logger: logger, keep: { _ in !options.dryRun }
                ) {
                    try await run.load(connection)
                }
            } catch {
                if let partPath { try? FileManager.default.removeItem(atPath: partPath) }
                throw StoreError.from(error)
            }
        }
        if let rejectsPath, let partPath {
            try? FileManager.default.removeItem(atPath: rejectsPath)
            if summary.rowsRejected > 0 {
                try FileManager.default.moveItem(atPath: partPath, toPath: rejectsPath)
                summary.rejectsFile = rejectsPath
            }
        }
        let elapsed = ContinuousClock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info(
            "import finished",
            metadata: [
                "import_id": "\(summary.importID)", "kind": "\(kind.rawValue)", "rows_read": "\(summary.rowsRead)",
                "rows_loaded": "\(summary.rowsLoaded)", "rows_rejected": "\(summary.rowsRejected)",
            ])
        return summary
    }
}

/// The file being read: the CSV reader and a running SHA-256 of the exact bytes.
final class RecordSource {
    private final class Hash {
        var hasher = SHA256()
    }
    private var hash = Hash()
    private let handle: FileHandle
    var reader: CSVReader

    init(handle: FileHandle) {
        self.handle = handle
        let hash = self.hash
        reader = CSVReader(handle: handle, observe: { hash.hasher.update(bufferPointer: $0) })
    }

    /// Starts reading again from the first byte, with a fresh checksum (only for a regular file).
    func rewind() throws {
        try handle.seek(toOffset: 0)
        hash = Hash()
        let hash = self.hash
        reader = CSVReader(handle: handle, observe: { hash.hasher.update(bufferPointer: $0) })
    }

    /// The hex SHA-256 of everything read so far (the whole file once the reader reached its end).
    var sha256: String { hash.hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
