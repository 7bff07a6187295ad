import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// The direct load of a declarations file: when none of its keys is stored (a first load, a new month's extract), the
/// lines that pass their checks are copied straight into declaration_line in binary, each value in its column's type,
/// and only rejected lines are staged. The staging path's COPY of every line and its INSERT … SELECT are one COPY.
///
/// A key repeated within the file, or a stored key the first lines did not show, is found by the unique key of
/// declaration_line (while copying, or when a bulk load builds it again): everything the direct load wrote is then
/// rolled back to a savepoint and the file is read again through the staging path, which compares the lines. Files
/// read from standard input always take the staging path (they cannot be read twice).
extension ImportRun {
    /// How a direct load writes: the indexes it builds afresh (a bulk load) and whether it skips the foreign-key
    /// triggers.
    struct DirectPlan {
        let bulk: [IngestStatements.IndexDefinition]
        let trusted: Bool
    }

    /// The first lines of a file, read on their own before the import streams it.
    struct Probe {
        var numbers: [String] = []
        var lines: [Int] = []
        /// The number of data lines the file holds: exact for a short file, else from its size and the mean length of
        /// the lines probed.
        var estimatedLines = 0
    }

    /// Whether this file may be loaded directly, and how; nil for the staging path.
    func directPlan(header: CSVHeader, statements: IngestStatements) async throws -> DirectPlan? {
        guard let probe = probe(header: header) else { return nil }
        // A file whose first keys are stored is a re-import or a correction: the staging path compares it.
        if try await statements.storesAnyKey(numbers: probe.numbers, lines: probe.lines) { return nil }
        let bulk = try await statements.bulkIndexes(newRows: probe.estimatedLines)
        return DirectPlan(bulk: bulk, trusted: try await statements.mayBypassForeignKeyTriggers())
    }

    /// Reads up to the first 1,000 data lines of a regular file through a second handle: their keys (those with a
    /// valid line number) and the file's line count. Nil for standard input, a pipe, or a file that does not parse
    /// there (the import itself then reports the problem).
    private func probe(header: CSVHeader, sample: Int = 1_000) -> Probe? {
        guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int,
            let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        var reader = CSVReader(handle: handle, chunkSize: 1 << 16)
        var record = RawCSVRecord()
        let positions = ImportKind.declarations.columns.map { header.index[$0]! }
        var probe = Probe()
        var bytes = 0
        var count = 0
        var exhausted = false
        do {
            guard try reader.next(into: &record) else { return nil }  // the header
            while count < sample {
                guard try reader.next(into: &record) else {
                    exhausted = true
                    break
                }
                guard record.count == header.width else { return nil }
                count += 1
                bytes += record.bytes.count + record.count
                let fields = StagedFields(record: record, positions: positions)
                let lineNo = fields.bytes(1)
                let digits = lineNo.drop { $0 == UInt8(ascii: "0") }
                if let number = fields.text(0), !digits.isEmpty, digits.count <= 3,
                    digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                {
                    probe.numbers.append(number)
                    probe.lines.append(Self.lineNumber(record, position: positions[1]))
                }
            }
        } catch {
            return nil
        }
        probe.estimatedLines = exhausted || bytes == 0 ? count : Int(Double(size) * Double(count) / Double(bytes))
        return probe
    }

    /// Streams the file straight into declaration_line; returns rows read, loaded and rejected, or nil when the load
    /// was rolled back for the staging path (the source is then rewound to its first data line).
    func loadDirect(
        _ connection: PostgresConnection, header: CSVHeader, columns: [String], catalog: DeclarationCatalog,
        plan: DirectPlan, statements: IngestStatements
    ) async throws -> (read: Int, loaded: Int, rejected: Int)? {
        try await statements.execute("SAVEPOINT ingest_direct")
        do {
            let counts = try await copyDirect(connection, header: header, columns: columns, catalog: catalog, plan: plan, statements: statements)
            try await statements.execute("RELEASE SAVEPOINT ingest_direct")
            logger.debug(
                "declarations loaded directly",
                metadata: ["import_id": "\(statements.batchID)", "bulk": "\(!plan.bulk.isEmpty)", "trusted": "\(plan.trusted)"])
            return counts
        } catch let error where Self.needsStaging(error) {
            logger.debug(
                "declarations: the direct load found a repeated or stored key; staging the file", metadata: ["import_id": "\(statements.batchID)"])
            try await statements.execute("ROLLBACK TO SAVEPOINT ingest_direct")
            do {
                try source.rewind()
                _ = try readHeader()
            } catch {
                throw fileError("cannot be read a second time: \(error)")
            }
            return nil
        }
    }

    /// Thrown while streaming a line the direct load cannot write (its kg of pure substance needs SQL).
    private struct NeedsStaging: Error {}

    private static func needsStaging(_ error: any Error) -> Bool {
        if error is NeedsStaging { return true }
        if case .database(sqlState: "23505", _, _) = StoreError.from(error) { return true }
        return false
    }

    private func copyDirect(
        _ connection: PostgresConnection, header: CSVHeader, columns: [String], catalog: DeclarationCatalog,
        plan: DirectPlan, statements: IngestStatements
    ) async throws -> (read: Int, loaded: Int, rejected: Int) {
        if plan.trusted { try await statements.execute("SET LOCAL session_replication_role = replica") }
        try await statements.drop(plan.bulk)
        let firstID = plan.bulk.isEmpty ? nil : try await statements.nextDeclarationID()
        var check = DeclarationCheck(catalog: catalog, header: header)
        let spool = RejectSpool()
        var loaded = 0
        let batchID = statements.batchID
        let positions = check.positions
        let read = try await stream(
            into: connection, table: "declaration_line", columns: (firstID == nil ? [] : ["id"]) + IngestStatements.directColumns,
            encoder: BinaryCopyEncoder(), width: header.width
        ) { encoder, record in
            let outcome = check.check(record)
            if outcome.reasons.isEmpty {
                try CopyEncoder.validate(record)
                let id = firstID.map { $0 + loaded }
                guard Self.encode(record, outcome, id: id, positions: positions, batchID: batchID, into: &encoder) else { throw NeedsStaging() }
                loaded += 1
            } else {
                try Self.stage(record, outcome, lineNumberAt: positions[1], into: &spool.encoder)
                try spool.spillIfLarge()
            }
        }
        if plan.trusted { try await statements.lockReferences(check.references) }
        try await statements.create(plan.bulk)
        if let firstID, loaded > 0 { try await statements.advanceDeclarationIDs(through: firstID + loaded - 1) }
        if plan.trusted { try await statements.execute("SET LOCAL session_replication_role = origin") }
        let rejected = read - loaded
        guard rejected > 0 else { return (read, loaded, 0) }
        try await createDeclarationStage(connection, columns: columns)
        try await connection.copyFrom(table: "ingest_stage", columns: Self.declarationStageColumns(columns), logger: logger) { writer in
            try spool.rewind()
            while let chunk = try spool.next() { try await writer.write(chunk) }
        }
        return (read, loaded, try await statements.insertDeclarationRejects(columns: ImportKind.declarations.columns))
    }

    /// Appends a line without reasons as a row of `IngestStatements.directColumns`, preceded by its `id` when the
    /// load sends the ids; false when its kg of pure substance is unknown (the exact product outgrew 128 bits).
    private static func encode(
        _ record: borrowing RawCSVRecord, _ outcome: DeclarationCheck.Outcome, id: Int?, positions: [Int], batchID: Int,
        into encoder: inout BinaryCopyEncoder
    ) -> Bool {
        guard let kgPure = outcome.kgPure, let percent = outcome.percent else { return false }
        let fields = StagedFields(record: record, positions: positions)
        let number = fields.bytes(0)
        let direction = fields.bytes(3)
        let mode = fields.bytes(6)
        let country = fields.bytes(7)
        let texts =
            number.count + direction.count + mode.count + country.count + (outcome.hsDigits?.utf8.count ?? 0)
            + (outcome.unit?.utf8.count ?? 0) + (outcome.licenceNo?.utf8.count ?? 0)
        let width = IngestStatements.directColumns.count + (id == nil ? 0 : 1)
        let capacity = width * 12 + 4 * BinaryRow.numericCapacity + texts
        encoder.appendRow(fields: width, capacity: capacity) { row in
            if let id { row.int64(id) }
            row.text(number)
            row.int32(lineNumber(record, position: positions[1]))
            row.int64(outcome.firmID)
            row.date(fields.bytes(2))
            row.text(direction)
            row.int32(outcome.officeID!)
            row.text(mode)
            row.text(country)
            row.text(outcome.hsDigits)
            row.int32(outcome.substanceID!)
            row.numeric(outcome.quantity)
            row.text(outcome.unit)
            row.numeric(percent)
            row.numeric(kgPure)
            row.text(outcome.licenceNo)
            row.int64(outcome.licenceID)
            row.numeric(outcome.valueUSD)
            row.int64(batchID)
        }
        return true
    }
}

/// The rejected lines of a direct load as `ingest_stage` rows (COPY text format), kept until the direct COPY is done:
/// in memory up to 4 MB, then in an unlinked temporary file, so memory stays flat however many lines are rejected.
final class RejectSpool {
    var encoder = CopyEncoder(capacity: 1 << 16)
    private var file: FileHandle?

    deinit { try? file?.close() }

    /// Moves the encoded rows to the temporary file once they pass 4 MB.
    func spillIfLarge() throws {
        guard encoder.pendingBytes >= 4 << 20 else { return }
        if file == nil {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("precursor-rejects-\(UUID().uuidString)").path
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forUpdatingAtPath: path) else {
                throw StoreError.invalidFile(path: path, line: nil, field: nil, reason: "cannot write a temporary file for rejected lines")
            }
            unlink(path)
            file = handle
        }
        var chunk = encoder.take()
        try file!.write(contentsOf: chunk.readData(length: chunk.readableBytes)!)
    }

    /// Makes `next()` start from the first spooled row.
    func rewind() throws {
        try file?.seek(toOffset: 0)
    }

    /// The next chunk of spooled rows, nil after the last.
    func next() throws -> ByteBuffer? {
        if let file, let data = try file.read(upToCount: 1 << 20), !data.isEmpty { return ByteBuffer(data: data) }
        return encoder.pendingBytes > 0 ? encoder.take() : nil
    }
}
