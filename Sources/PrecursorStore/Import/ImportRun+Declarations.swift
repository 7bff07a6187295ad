import Logging
import PostgresNIO
import PrecursorCore

/// Declarations, the large files: each line is checked and resolved in Swift while it streams (`DeclarationCheck`),
/// so the staging table receives every line's reasons and resolved ids beside its staged text, and SQL only does what
/// needs the database: keys repeated within the file, the upsert with unchanged detection, and the rejects.
extension ImportRun {
    /// The columns `ingest_stage` has for a declarations file beyond the line and the file's own columns.
    static let resolvedDeclarationColumns = [
        "reasons text[]", "line_number integer", "firm_id bigint", "customs_office_id integer", "substance_id integer",
        "hs_digits text", "kg_pure numeric", "licence_id bigint",
    ]

    /// Loads a declarations file; returns rows read, loaded (inserted or changed) and rejected.
    func loadDeclarations(
        _ connection: PostgresConnection, header: CSVHeader, columns: [String], batchID: Int
    ) async throws -> (read: Int, loaded: Int, rejected: Int) {
        let catalog = try await DeclarationCatalog.load(connection, logger: logger)
        let resolved = Self.resolvedDeclarationColumns
        let stage = "CREATE TEMP TABLE ingest_stage (line integer NOT NULL, "
            + (columns.map { "\($0) text" } + resolved).joined(separator: ", ")
            + ", duplicate boolean NOT NULL DEFAULT false) ON COMMIT DROP"
        try await connection.run(PostgresQuery(unsafeSQL: stage), logger: logger)

        var check = DeclarationCheck(catalog: catalog, header: header)
        var unresolvedKg = 0, rejected = 0
        let names = ["line"] + columns + resolved.map { String($0.prefix { $0 != " " }) }
        let read = try await stream(into: connection, columns: names, width: header.width) { encoder, record in
            encoder.beginRow(line: record.line)
            for index in 0..<record.count { try encoder.appendField(record, index) }
            let outcome = check.check(record)
            encoder.appendTextArray(outcome.reasons)
            if outcome.reasons.isEmpty {
                if outcome.kgPure == nil { unresolvedKg += 1 }
                encoder.appendInteger(Self.lineNumber(record, position: check.positions[1]))
                encoder.appendInteger(outcome.firmID)
                encoder.appendInteger(outcome.officeID)
                encoder.appendInteger(outcome.substanceID)
                encoder.appendText(outcome.hsDigits)
                encoder.appendText(outcome.kgPure?.text)
                encoder.appendInteger(outcome.licenceID)
            } else {
                rejected += 1
                for _ in 1..<resolved.count { encoder.appendInteger(nil) }
            }
            encoder.endRow()
        }
        try await analyzeStage(connection)
        var statements = IngestStatements(connection: connection, batchID: batchID, actor: options.actor, logger: logger)
        statements.bulkMinimumRows = options.bulkMinimumRows
        let (loaded, repeatedKeys) = try await statements.loadDeclarations(
            references: check.references, goodRows: read - rejected, unresolvedKg: unresolvedKg)
        // Without rejected lines and repeated keys, scanning a million staged lines for reasons finds nothing.
        guard rejected > 0 || repeatedKeys else { return (read, loaded, 0) }
        let rejects = try await statements.insertDeclarationRejects(columns: ImportKind.declarations.columns)
        return (read, loaded, rejects)
    }

    /// The line number of a line that passed its checks (1 to 999, leading zeros allowed).
    private static func lineNumber(_ record: borrowing RawCSVRecord, position: Int) -> Int {
        var value = 0
        let start = record.fieldStart(position)
        for index in start..<record.ends[position] {
            let byte = record.bytes[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
        }
        return value
    }
}
