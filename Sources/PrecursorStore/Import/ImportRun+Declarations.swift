import Logging
import PostgresNIO
import PrecursorCore

/// Declarations, the large files: each line is checked and resolved in Swift while it streams (`DeclarationCheck`).
/// A file whose keys are new goes straight into declaration_line (`loadDirect`); otherwise, or when the unique key
/// finds a key repeated within the file, the staging table receives every line's reasons and resolved ids beside its
/// staged text, and SQL only does what needs the database: keys repeated within the file, the upsert with unchanged
/// detection, and the rejects.
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
        var statements = IngestStatements(connection: connection, batchID: batchID, actor: options.actor, logger: logger)
        statements.bulkMinimumRows = options.bulkMinimumRows
        try await statements.lockDeclarationImports()
        if let plan = try await directPlan(header: header, statements: statements),
            let counts = try await loadDirect(connection, header: header, columns: columns, catalog: catalog, plan: plan, statements: statements)
        {
            return counts
        }
        return try await loadStaged(connection, header: header, columns: columns, catalog: catalog, statements: statements)
    }

    /// Creates `ingest_stage` for a declarations file: the line, the file's columns as text, every line's reasons and
    /// resolved values.
    func createDeclarationStage(_ connection: PostgresConnection, columns: [String]) async throws {
        let stage =
            "CREATE TEMP TABLE ingest_stage (line integer NOT NULL, "
            + (columns.map { "\($0) text" } + Self.resolvedDeclarationColumns).joined(separator: ", ")
            + ", duplicate boolean NOT NULL DEFAULT false) ON COMMIT DROP"
        try await connection.run(PostgresQuery(unsafeSQL: stage), logger: logger)
    }

    /// The columns of `ingest_stage` a declarations file is copied into.
    static func declarationStageColumns(_ columns: [String]) -> [String] {
        ["line"] + columns + resolvedDeclarationColumns.map { String($0.prefix { $0 != " " }) }
    }

    /// Appends one line to a COPY of `ingest_stage`: its staged fields, its reasons and its resolved values (NULL for
    /// a line with reasons).
    static func stage(
        _ record: borrowing RawCSVRecord, _ outcome: DeclarationCheck.Outcome, lineNumberAt position: Int,
        into encoder: inout CopyEncoder
    ) throws(CopyEncoder.Problem) {
        encoder.beginRow(line: record.line)
        for index in 0..<record.count { try encoder.appendField(record, index) }
        encoder.appendTextArray(outcome.reasons)
        if outcome.reasons.isEmpty {
            encoder.appendInteger(lineNumber(record, position: position))
            encoder.appendInteger(outcome.firmID)
            encoder.appendInteger(outcome.officeID)
            encoder.appendInteger(outcome.substanceID)
            encoder.appendText(outcome.hsDigits)
            encoder.appendText(outcome.kgPure?.text)
            encoder.appendInteger(outcome.licenceID)
        } else {
            for _ in 1..<resolvedDeclarationColumns.count { encoder.appendInteger(nil) }
        }
        encoder.endRow()
    }

    /// Stages every line, then loads with set-based SQL (stored keys, keys repeated within the file).
    private func loadStaged(
        _ connection: PostgresConnection, header: CSVHeader, columns: [String], catalog: DeclarationCatalog,
        statements: IngestStatements
    ) async throws -> (read: Int, loaded: Int, rejected: Int) {
        try await createDeclarationStage(connection, columns: columns)
        var check = DeclarationCheck(catalog: catalog, header: header)
        var unresolvedKg = 0
        var rejected = 0
        let read = try await stream(
            into: connection, table: "ingest_stage", columns: Self.declarationStageColumns(columns), encoder: CopyEncoder(),
            width: header.width
        ) { encoder, record in
            let outcome = check.check(record)
            if !outcome.reasons.isEmpty {
                rejected += 1
            } else if outcome.kgPure == nil {
                unresolvedKg += 1
            }
            try Self.stage(record, outcome, lineNumberAt: check.positions[1], into: &encoder)
        }
        try await analyzeStage(connection)
        let (loaded, repeatedKeys) = try await statements.loadDeclarations(
            references: check.references, goodRows: read - rejected, unresolvedKg: unresolvedKg)
        // Without rejected lines and repeated keys, scanning a million staged lines for reasons finds nothing.
        guard rejected > 0 || repeatedKeys else { return (read, loaded, 0) }
        let rejects = try await statements.insertDeclarationRejects(columns: ImportKind.declarations.columns)
        return (read, loaded, rejects)
    }

    /// The line number of a line that passed its checks (1 to 999, leading zeros allowed).
    static func lineNumber(_ record: borrowing RawCSVRecord, position: Int) -> Int {
        var value = 0
        let start = record.fieldStart(position)
        for index in start..<record.ends[position] {
            let byte = record.bytes[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
        }
        return value
    }
}
