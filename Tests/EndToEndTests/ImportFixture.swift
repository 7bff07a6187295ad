import Foundation
import Logging
import PostgresNIO
import PrecursorStore
import TestSupport

/// A migrated, seeded database and a scratch folder for import files, driven through the real `precursorctl`.
struct ImportFixture {
    let url: DatabaseURL
    let folder: String

    static let firmsHeader = "tax_code,name,sector,province,registered_on,status,key_enterprise"
    static let declarationsHeader =
        "declaration_no,line_no,declared_on,direction,tax_code,customs_office,transport_mode,country,hs_code,substance,quantity,unit,concentration_pct,licence_no,value_usd"
    static let licencesHeader = "licence_no,tax_code,authority,activity,substance,concentration_pct,quantity_kg,valid_from,valid_until,status"
    /// Two registered firms (0100233488 a key enterprise) and one valid tax code left unregistered (0100233495).
    static let firms = """
        \(firmsHeader)
        0100233488,Công ty Hóa chất Đông Á,chemical_distributor,Hà Nội,2015-04-01,active,true
        0100233505,Dược phẩm Miền Nam,pharma_distributor,Hồ Chí Minh,,active,false

        """

    static func make(_ label: String) async throws -> ImportFixture {
        let url = try await TestDatabase.migrated(label)
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            _ = try await ReferenceDataLoader(folder: TestDatabase.repositoryRoot + "/seeds", logger: Logger(label: "test"))
                .load(into: db, actor: .cliOperator)
        }
        let folder = NSTemporaryDirectory() + "precursor-import-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return ImportFixture(url: url, folder: folder)
    }

    /// Writes a file into the scratch folder; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs `precursorctl admin import KIND PATH …` against the fixture's database.
    func importFile(_ kind: String, _ path: String, _ extra: [String] = [], stdin: Data? = nil) async throws -> CommandResult {
        try await runCommand(["admin", "import", kind, path] + extra, environment: ["DATABASE_URL": url.uri], stdin: stdin)
    }

    /// Imports and decodes the JSON summary.
    func importJSON(_ kind: String, _ path: String, _ extra: [String] = []) async throws -> (CommandResult, Summary) {
        let result = try await importFile(kind, path, ["--format", "json"] + extra)
        let summary = try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
        return (result, summary)
    }

    /// `--format json` summary of an import (its snake_case keys are the CLI's contract).
    struct Summary: Decodable {
        let importID: Int
        let rowsRead: Int
        let rowsLoaded: Int
        let rowsUnchanged: Int
        let rowsRejected: Int
        let rejectsFile: String?
        let sha256: String

        enum CodingKeys: String, CodingKey {
            case importID = "import_id"
            case rowsRead = "rows_read"
            case rowsLoaded = "rows_loaded"
            case rowsUnchanged = "rows_unchanged"
            case rowsRejected = "rows_rejected"
            case rejectsFile = "rejects_file"
            case sha256
        }
    }

    /// Loads the standard firms.
    func loadFirms() async throws {
        let result = try await importFile("firms", try write("firms.csv", Self.firms))
        precondition(result.status == 0, result.stderr + result.stdout)
    }

    /// Runs SQL statements as the fixture's (superuser) role.
    func execute(_ sql: String) async throws {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            _ = try await db.rows(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// Every index of declaration_line with its definition (to compare before and after a bulk load).
    func declarationIndexes() async throws -> [[String]] {
        try await strings("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'declaration_line' ORDER BY 1")
    }

    /// Every index of declaration_line with its object id (a dropped and rebuilt index gets a new one).
    func declarationIndexOIDs() async throws -> [String: String] {
        let rows = try await strings(
            "SELECT indexrelid::regclass::text, indexrelid::text FROM pg_index WHERE indrelid = 'declaration_line'::regclass")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0[1]) })
    }

    /// The plan of a query (EXPLAIN) and its rows, as strings, planned without sequential scans: whether an index can
    /// serve the query, and what it returns through that index.
    func throughIndexes(_ sql: String) async throws -> (plan: String, rows: [[String]]) {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.transaction { connection in
                let logger = Logger(label: "test")
                try await connection.run("SET LOCAL enable_seqscan = off", logger: logger)
                let plan = try await connection.rows(PostgresQuery(unsafeSQL: "EXPLAIN " + sql), logger: logger)
                    .map { try $0.decode(String.self) }.joined(separator: "\n")
                let rows = try await connection.rows(PostgresQuery(unsafeSQL: sql), logger: logger).map { row in
                    try row.makeRandomAccess().map { try $0.decode(String?.self) ?? "" }
                }
                return (plan, rows)
            }
        }
    }

    /// One integer from a query.
    func scalar(_ sql: String) async throws -> Int {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows(PostgresQuery(unsafeSQL: sql)).first!.decode(Int.self)
        }
    }

    /// Every row of a query, as strings.
    func strings(_ sql: String) async throws -> [[String]] {
        try await Database.with(url: url, logger: Logger(label: "test")) { db in
            try await db.rows(PostgresQuery(unsafeSQL: sql)).map { row in
                try row.makeRandomAccess().map { try $0.decode(String?.self) ?? "" }
            }
        }
    }
}
