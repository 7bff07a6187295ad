import Crypto
import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// An enterprise's report submission or amendment over the API, validated exactly as the importer validates the
/// admin bulk form (it runs the importer on the firm's lines), with all reasons per line; stored only when every line
/// is valid. The balance equation is checked and reported as warnings, not refusals. An `Idempotency-Key` makes a
/// retried request answer from the first and store nothing twice.
public struct ReportSubmission: Sendable {
    public enum Mode: String, Sendable, Codable { case submit, amend }

    /// One line's problem or warning.
    public struct LineProblem: Sendable, Codable, Equatable {
        public var line: Int?
        public var field: String
        public var value: String?
        public var reason: String
    }

    /// What a successful submission stored.
    public struct Outcome: Sendable, Codable {
        public var importID: Int64
        public var lines: Int
        public var stored: Int
        public var unchanged: Int
        public var versions: [FirmDirectory.ReportVersion]
        public var warnings: [LineProblem]
        public var replayed: Bool
    }

    /// Why nothing was stored.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case invalid([LineProblem])
        case conflict([LineProblem])
        case tooManyLines(limit: Int)
        case keyReused(String)

        public var description: String {
            switch self {
            case .invalid(let p): "the report has \(p.count) problem(s); nothing was stored"
            case .conflict(let p): "\(p.count) line(s) conflict with what is already stored; nothing was stored"
            case .tooManyLines(let limit): "a report may have at most \(limit) lines"
            case .keyReused(let key): "Idempotency-Key '\(key)' was already used for a different request"
            }
        }
    }

    private let database: Database
    private let logger: Logger
    private let maximumLines: Int

    public init(database: Database, logger: Logger, maximumLines: Int = 5000) {
        self.database = database
        self.logger = logger
        self.maximumLines = maximumLines
    }

    /// Validates and stores a report CSV (DESIGN §4 self-report format) for the firm.
    public func submit(
        firmID: Int64, taxCode: String, csv: [UInt8], mode: Mode, idempotencyKey: String?, actor: Principal, requestID: String?
    ) async throws -> Outcome {
        let digest = SHA256.hash(data: Data(csv)).map { String(format: "%02x", $0) }.joined() + mode.rawValue
        let requestHash = SHA256.hash(data: Data(digest.utf8)).map { String(format: "%02x", $0) }.joined()
        if let key = idempotencyKey, var previous = try await replay(firmID: firmID, key: key, hash: requestHash, mode: mode) {
            previous.replayed = true
            return previous
        }
        let (records, problems) = try parse(csv)
        guard problems.isEmpty else { throw Failure.invalid(problems) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precursor-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.csv").path
        try write(records, taxCode: taxCode, to: path)

        let importer = Importer(database: database, logger: logger)
        var options = Importer.Options(actor: actor, dryRun: true, source: "api")
        options.pauseAfterRows = nil
        let check = try await importer.run(.reports, path: path, options: options)
        if check.rowsRejected > 0 { throw Failure.invalid(try rejects(check.rejectsFile, lines: records.map(\.line))) }
        try await checkVersions(firmID: firmID, records: records, mode: mode)

        options.dryRun = false
        let summary = try await importer.run(.reports, path: path, options: options)
        let versions = try await ReportDesk(database: database, logger: logger).versions(firmID: firmID)
            .filter { version in records.contains { $0.period == version.period && $0.matches(version) } }
        var outcome = Outcome(
            importID: Int64(summary.importID), lines: records.count, stored: summary.rowsLoaded, unchanged: summary.rowsUnchanged,
            versions: Self.latest(versions), warnings: records.compactMap(\.balanceWarning), replayed: false)
        if let key = idempotencyKey {
            outcome = try await remember(firmID: firmID, key: key, hash: requestHash, mode: mode, outcome: outcome)
        }
        return outcome
    }

    // MARK: - Parsing

    struct Record {
        let line: Int
        let values: [String: String]
        var period: String { values["period"] ?? "" }
        var substance: String { values["substance"] ?? "" }
        var facility: String? { values["facility_code"].flatMap { $0.isEmpty ? nil : $0 } }

        func matches(_ version: FirmDirectory.ReportVersion) -> Bool {
            version.facility == facility && (version.substance == substance.uppercased() || version.substance == substance)
        }

        /// opening + imported + purchased + produced − used − sold − exported − lost should equal closing.
        var balanceWarning: LineProblem? {
            func number(_ column: String) -> Decimal? { values[column].flatMap { Decimal(string: $0) } }
            let inflows = ["opening_kg", "imported_kg", "purchased_kg", "produced_kg"].map(number)
            let outflows = ["used_kg", "sold_kg", "exported_kg", "lost_kg"].map(number)
            guard let closing = number("closing_kg"), inflows.allSatisfy({ $0 != nil }), outflows.allSatisfy({ $0 != nil }) else { return nil }
            let expected = inflows.reduce(Decimal(0)) { $0 + $1! } - outflows.reduce(Decimal(0)) { $0 + $1! }
            let gap = closing - expected
            guard abs(gap) > Decimal(string: "0.001")! else { return nil }
            return LineProblem(
                line: line, field: "closing_kg", value: "\(closing)",
                reason:
                    "opening + imported + purchased + produced − used − sold − exported − lost = \(expected) kg, but closing is \(closing) kg (gap \(gap) kg)"
            )
        }
    }

    func parse(_ csv: [UInt8]) throws -> ([Record], [LineProblem]) {
        var reader = CSVReader(bytes: csv)
        var problems: [LineProblem] = []
        let header: CSVHeader
        do {
            guard let first = try reader.next() else { return ([], [LineProblem(line: 1, field: "header", reason: "the report is empty")]) }
            header = try CSVHeader(first.fields, required: ReportDesk.columns)
        } catch let error as CSVHeader.Problem {
            return ([], [LineProblem(line: 1, field: "header", reason: error.description)])
        } catch let error as CSVError {
            return ([], [LineProblem(line: error.line, field: "line", reason: error.description)])
        }
        var records: [Record] = []
        do {
            while let record = try reader.next() {
                if records.count >= maximumLines { throw Failure.tooManyLines(limit: maximumLines) }
                guard record.fields.count == header.width else {
                    problems.append(
                        LineProblem(line: record.line, field: "line", reason: "has \(record.fields.count) fields, the header has \(header.width)"))
                    continue
                }
                var values: [String: String] = [:]
                for column in ReportDesk.columns { values[column] = header.value(column, in: record).trimmingCharacters(in: .whitespaces) }
                records.append(Record(line: record.line, values: values))
            }
        } catch let error as CSVError {
            problems.append(LineProblem(line: error.line, field: "line", reason: error.description))
        }
        if records.isEmpty && problems.isEmpty { problems.append(LineProblem(line: 2, field: "line", reason: "the report has no lines")) }
        return (records, problems)
    }

    /// Writes the admin bulk form (leading tax_code), one record per physical line, so line n+1 is record n.
    func write(_ records: [Record], taxCode: String, to path: String) throws {
        func quote(_ value: String) -> String {
            value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\""
                    + value.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(
                        of: "\n", with: " ") + "\"" : value
        }
        var text = (["tax_code"] + ReportDesk.columns).joined(separator: ",") + "\n"
        for record in records {
            text += ([taxCode] + ReportDesk.columns.map { record.values[$0] ?? "" }).map(quote).joined(separator: ",") + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Maps the importer's rejects file back to the submitter's line numbers and fields.
    func rejects(_ path: String?, lines: [Int]) throws -> [LineProblem] {
        guard let path, let handle = FileHandle(forReadingAtPath: path) else {
            return [LineProblem(field: "line", reason: "some lines were rejected")]
        }
        defer { try? handle.close() }
        var reader = CSVReader(handle: handle)
        _ = try reader.next()
        var problems: [LineProblem] = []
        while let record = try reader.next(), record.fields.count >= 2 {
            let written = Int(record.fields[0]) ?? 0
            let line = written >= 2 && written - 2 < lines.count ? lines[written - 2] : nil
            for reason in record.fields[1].components(separatedBy: "; ") {
                let field = reason.split(separator: " ").first.map(String.init).flatMap { ReportDesk.columns.contains($0) ? $0 : nil } ?? "line"
                problems.append(LineProblem(line: line, field: field, reason: reason))
            }
        }
        return problems
    }

    // MARK: - Versions and idempotency

    /// Submit refuses lines that already have a version; amend refuses lines that have none.
    func checkVersions(firmID: Int64, records: [Record], mode: Mode) async throws {
        let rows = try await database.rows(
            """
            SELECT DISTINCT u.n FROM unnest(\(records.map(\.period))::text[], \(records.map(\.substance))::text[],
                                            \(records.map { $0.facility ?? "" })::text[]) WITH ORDINALITY AS u(period, substance, facility, n)
              JOIN substance s ON upper(s.code) = upper(u.substance) OR s.cas = u.substance
              JOIN self_report r ON r.firm_id = \(firmID) AND r.period = u.period AND r.substance_id = s.id
              LEFT JOIN facility fa ON fa.id = r.facility_id
             WHERE coalesce(fa.code, '') = u.facility
            """)
        let existing = Set(try rows.map { Int(try $0.decode(Int64.self)) - 1 })
        var problems: [LineProblem] = []
        for (index, record) in records.enumerated() {
            if mode == .submit, existing.contains(index) {
                problems.append(
                    LineProblem(
                        line: record.line, field: "period", value: record.period,
                        reason: "a report for \(record.period) \(record.substance) is already stored; send changes with `report amend`"))
            } else if mode == .amend, !existing.contains(index) {
                problems.append(
                    LineProblem(
                        line: record.line, field: "period", value: record.period,
                        reason: "nothing to amend: no report for \(record.period) \(record.substance) was submitted"))
            }
        }
        if !problems.isEmpty { throw mode == .submit ? Failure.conflict(problems) : Failure.invalid(problems) }
    }

    func replay(firmID: Int64, key: String, hash: String, mode: Mode) async throws -> Outcome? {
        let rows = try await database.rows(
            "SELECT request_sha256, operation, response::text FROM api_idempotency WHERE firm_id = \(firmID) AND key = \(key)")
        guard let row = rows.first else { return nil }
        let (stored, operation, response) = try row.decode((String, String, String).self)
        guard stored == hash, operation == mode.rawValue else { throw Failure.keyReused(key) }
        return try JSONDecoder.iso8601.decode(Outcome.self, from: Data(response.utf8))
    }

    func remember(firmID: Int64, key: String, hash: String, mode: Mode, outcome: Outcome) async throws -> Outcome {
        let response = try jsonText(outcome)
        let rows = try await database.rows(
            """
            INSERT INTO api_idempotency (firm_id, key, operation, request_sha256, response)
            VALUES (\(firmID), \(key), \(mode.rawValue), \(hash), \(response)::jsonb)
            ON CONFLICT (firm_id, key) DO NOTHING RETURNING 1
            """)
        if rows.isEmpty, var first = try await replay(firmID: firmID, key: key, hash: hash, mode: mode) {
            first.replayed = true
            return first
        }
        return outcome
    }

    /// The newest version of each (period, facility, substance).
    static func latest(_ versions: [FirmDirectory.ReportVersion]) -> [FirmDirectory.ReportVersion] {
        var seen = Set<String>()
        return versions.filter { seen.insert("\($0.period)|\($0.facility ?? "")|\($0.substance)").inserted }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
