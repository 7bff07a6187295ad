import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// One file's import inside its transaction: header, batch row, COPY into staging, validation and upsert, rejects.
struct ImportRun {
    let kind: ImportKind
    let path: String
    let options: Importer.Options
    let source: RecordSource
    let rejectsPart: String?
    let logger: Logger

    func load(_ connection: PostgresConnection) async throws -> ImportSummary {
        let header = try readHeader()
        let columns = header.index.sorted { $0.value < $1.value }.map(\.key)
        let batchID = try await connection.rows(
            """
            INSERT INTO import_batch (kind, file_name, sha256, source, actor)
            VALUES (\(kind.rawValue), \(path), repeat('0', 64), \(options.source), \(options.actor.name)) RETURNING id
            """, logger: logger
        ).first!.decode(Int.self)
        let rowsRead: Int
        let loaded: Int
        let rejected: Int
        if kind == .declarations {
            (rowsRead, loaded, rejected) = try await loadDeclarations(connection, header: header, columns: columns, batchID: batchID)
        } else {
            let stage =
                "CREATE TEMP TABLE ingest_stage (line integer NOT NULL, "
                + columns.map { "\($0) text" }.joined(separator: ", ") + ") ON COMMIT DROP"
            try await connection.run(PostgresQuery(unsafeSQL: stage), logger: logger)
            rowsRead = try await stream(
                into: connection, table: "ingest_stage", columns: ["line"] + columns, encoder: CopyEncoder(), width: header.width
            ) { encoder, record in
                try encoder.append(record)
            }
            try await analyzeStage(connection)
            let statements = IngestStatements(connection: connection, batchID: batchID, actor: options.actor, logger: logger)
            loaded = try await statements.load(kind)
            rejected = try await statements.insertRejects()
        }
        if rejected > 0, let rejectsPart {
            try await RejectsFile.write(
                to: rejectsPart, columns: columns, batchID: batchID, connection: connection, logger: logger)
        }

        var summary = ImportSummary(importID: batchID, kind: kind, file: path, sha256: source.sha256, dryRun: options.dryRun)
        summary.rowsRead = rowsRead
        summary.rowsRejected = rejected
        summary.rowsLoaded = loaded
        summary.rowsUnchanged = rowsRead - rejected - loaded
        try await connection.run(
            """
            UPDATE import_batch SET sha256 = \(summary.sha256), rows_read = \(rowsRead), rows_loaded = \(loaded),
                   rows_unchanged = \(summary.rowsUnchanged), rows_rejected = \(rejected), finished_at = clock_timestamp()
             WHERE id = \(batchID)
            """, logger: logger)
        if loaded > 0 {
            let counts = try JSONEncoder.sorted.encode([
                "rows_read": rowsRead, "rows_loaded": loaded, "rows_unchanged": summary.rowsUnchanged, "rows_rejected": rejected,
            ])
            try await connection.audit(
                AuditEntry(
                    actor: options.actor, action: "import.\(kind.rawValue)", entityType: "import_batch", entityID: "\(batchID)",
                    after: String(decoding: counts, as: UTF8.self)),
                logger: logger)
        }
        return summary
    }

    func fileError(_ reason: String) -> StoreError {
        .invalidFile(path: path == "-" ? "(standard input)" : path, line: nil, field: nil, reason: reason)
    }

    func readHeader() throws -> CSVHeader {
        let first: CSVRecord?
        do { first = try source.reader.next() } catch { throw fileError(error.description) }
        guard let first else { throw fileError("the file is empty; a header row is required") }
        do {
            return try CSVHeader(first.fields, required: kind.columns)
        } catch {
            throw fileError("\(error.description) (a \(kind.rawValue) file has: \(kind.columns.joined(separator: ",")))")
        }
    }

    /// The staging tables only need row counts and rough distributions for join planning: a 3,000-row sample
    /// (statistics target 10) rather than the default 30,000 (0.45 s per ANALYZE at a million rows).
    func analyzeStage(_ connection: PostgresConnection) async throws {
        try await connection.run("SET LOCAL default_statistics_target = 10", logger: logger)
        try await connection.run("ANALYZE ingest_stage", logger: logger)
    }

    /// Streams every data record into `table` (`columns`), each encoded by `encode` (nothing for a record it
    /// leaves out); returns how many records there were. A binary encoder's rows go in PostgreSQL's binary COPY format.
    func stream<Encoder: CopyRows>(
        into connection: PostgresConnection, table: String, columns: [String], encoder: Encoder, width: Int,
        encode: (inout Encoder, borrowing RawCSVRecord) throws -> Void
    ) async throws -> Int {
        var rows = 0
        // PostgresNIO's copyFrom appends `FORMAT text` to the statement it builds from the table name; the binary
        // format is asked for by ending the statement before that clause. Table and column names are this module's
        // constants, never input.
        let target =
            Encoder.isBinary
            ? table + "\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") FROM STDIN WITH (FORMAT binary) --"
            : table
        try await connection.copyFrom(table: target, columns: Encoder.isBinary ? [] : columns, logger: logger) { writer in
            var encoder = encoder
            var record = RawCSVRecord()
            while try next(&record) {
                guard record.count == width else {
                    throw fileError("line \(record.line) has \(record.count) field(s), the header has \(width); nothing was loaded")
                }
                do {
                    try encode(&encoder, record)
                } catch let problem as CopyEncoder.Problem {
                    switch problem {
                    case .invalidUTF8(let line): throw fileError("line \(line): the bytes are not valid UTF-8; save the file as UTF-8")
                    case .nulByte(let line): throw fileError("line \(line): contains a NUL byte")
                    }
                }
                rows += 1
                if encoder.pendingBytes >= 1 << 18 { try await writer.write(encoder.take()) }
                if rows == options.pauseAfterRows {
                    try await writer.write(encoder.take())
                    FileHandle.standardError.write(Data("paused\n".utf8))
                    try await Task.sleep(for: .seconds(86_400))
                }
            }
            encoder.finish()
            if encoder.pendingBytes > 0 { try await writer.write(encoder.take()) }
        }
        return rows
    }

    private func next(_ record: inout RawCSVRecord) throws -> Bool {
        do {
            return try source.reader.next(into: &record)
        } catch {
            throw fileError(error.description + "; nothing was loaded")
        }
    }
}
