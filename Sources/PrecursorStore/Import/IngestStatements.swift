import Logging
import PostgresNIO

/// The set-based SQL of an import, run after the file is in `ingest_stage` (line integer, one text column per
/// header column, NULL for empty fields). Each kind builds `ingest_checked`: one row per staged line with the parsed
/// values, `reasons text[]` (every problem, worded for the sender: field, value, why) and `duplicate` (an identical
/// repeat of an earlier line, skipped); then it upserts the good rows on their natural key and returns how many rows
/// it inserted or changed.
struct IngestStatements {
    let connection: PostgresConnection
    let batchID: Int
    let actor: Principal
    let logger: Logger
    /// Declarations: the fewest new lines for which a load into a table no larger than the file rebuilds its indexes.
    var bulkMinimumRows = 100_000

    /// Validates and loads the staged rows of `kind`; returns the number of rows loaded (inserted or changed).
    func load(_ kind: ImportKind) async throws -> Int {
        switch kind {
        case .firms: try await loadFirms()
        case .facilities: try await loadFacilities()
        case .licences: try await loadLicences()
        // Declarations are checked while they stream and load through `ImportRun.loadDeclarations`.
        case .declarations: preconditionFailure("declarations are loaded by ImportRun.loadDeclarations")
        case .reports: try await loadReports()
        }
    }

    /// Copies every row with reasons into `ingest_reject`; returns how many.
    func insertRejects() async throws -> Int {
        try await execute(
            """
            INSERT INTO ingest_reject (import_batch_id, line, fields, reasons)
            SELECT $1, c.line, to_jsonb(s) - 'line', c.reasons
              FROM ingest_checked c JOIN ingest_stage s ON s.line = c.line
             WHERE cardinality(c.reasons) > 0
             ORDER BY c.line
            """, batch: true)
    }

    // MARK: - Running statements

    /// Runs one statement; `$1` is the import batch id when `batch`, `$2` the actor's name when `actor`.
    @discardableResult
    func execute(_ sql: String, batch: Bool = false, actor useActor: Bool = false) async throws -> Int {
        try await connection.run(query(sql, batch: batch, actor: useActor), logger: logger)
    }

    /// Runs one statement that returns a single count.
    func count(_ sql: String, batch: Bool = false, actor useActor: Bool = false) async throws -> Int {
        try await connection.rows(query(sql, batch: batch, actor: useActor), logger: logger).first?.decode(Int.self) ?? 0
    }

    private func query(_ sql: String, batch: Bool, actor useActor: Bool) -> PostgresQuery {
        var binds = PostgresBindings()
        if batch || useActor { binds.append(batchID) }
        if useActor { binds.append(actor.name) }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    // MARK: - Shared SQL fragments

    /// A natural key as the importer compares it: after parsing and resolution, so that `01` and `1`, or a substance
    /// given once by code and once by CAS number, are the same key.
    struct DuplicateKey {
        /// Expressions over `ingest_checked c` that identify the stored row.
        let columns: [String]
        /// Expressions over `ingest_checked c`: what is stored for the key (equal content = an identical repeat).
        let content: [String]
        /// Staged columns naming the key in the reason (the values of the key's first line).
        let shown: [String]
    }

    /// Marks the loadable rows of `ingest_checked` whose key appears on several lines: an identical repeat of an
    /// earlier line is flagged `duplicate` (loaded once, counted unchanged); lines that differ all get a reason. Rows
    /// already rejected for their own reasons are not compared. Runs before anything is written.
    func markDuplicates(_ key: DuplicateKey) async throws {
        let keys = key.columns.indices.map { "k\($0)" }
        let repeated = try await execute(
            """
            CREATE TEMP TABLE ingest_dup ON COMMIT DROP AS
            SELECT \(keys.joined(separator: ", ")) FROM (
                SELECT \(zip(key.columns, keys).map { "\($0) AS \($1)" }.joined(separator: ", "))
                  FROM ingest_checked c WHERE cardinality(c.reasons) = 0) k
             GROUP BY \(keys.joined(separator: ", ")) HAVING count(*) > 1
            """)
        guard repeated > 0 else { return }
        let matches = "(\(key.columns.joined(separator: ", "))) = (\(keys.map { "d.\($0)" }.joined(separator: ", ")))"
        let names = key.shown.map { "\($0) %s" }.joined(separator: " ")
        let values = key.shown.map { "coalesce(s.\($0), '(empty)')" }.joined(separator: ", ")
        try await execute(
            """
            UPDATE ingest_checked c
               SET duplicate = NOT g.conflicting AND c.line <> g.first_line,
                   reasons = CASE WHEN g.conflicting THEN c.reasons || g.reason ELSE c.reasons END
              FROM (SELECT g.*, format('\(names) appears on lines %s with different content', \(values), g.lines) AS reason
                      FROM (SELECT \(keys.map { "d.\($0)" }.joined(separator: ", ")), min(c.line) AS first_line,
                                   string_agg(c.line::text, ', ' ORDER BY c.line) AS lines,
                                   count(DISTINCT ROW(\(key.content.joined(separator: ", ")))) > 1 AS conflicting
                              FROM ingest_checked c JOIN ingest_dup d ON \(matches)
                             WHERE cardinality(c.reasons) = 0
                             GROUP BY \(keys.map { "d.\($0)" }.joined(separator: ", "))) g
                      JOIN ingest_stage s ON s.line = g.first_line) g
             WHERE cardinality(c.reasons) = 0 AND \(matches.replacingOccurrences(of: "d.k", with: "g.k"))
            """)
    }

    /// The reason for an unknown firm (`f` joined on the staged tax code) or an invalid tax code.
    static let firmReason = """
        CASE WHEN f.id IS NULL THEN coalesce(mst_problem(s.tax_code),
            format('tax_code %s: unknown firm; import it with a firms file first', s.tax_code)) END
        """

    /// The reason for a required field left empty.
    static func required(_ column: String) -> String {
        "CASE WHEN s.\(column) IS NULL THEN '\(column) is empty' END"
    }

    /// The reason for a value outside an enumeration; `optional` accepts an empty field.
    static func oneOf(_ column: String, _ values: [String], optional: Bool = false) -> String {
        let list = values.map { "'\($0)'" }.joined(separator: ", ")
        let words = values.dropLast().joined(separator: ", ") + " or " + values.last!
        let test = optional ? "s.\(column) NOT IN (\(list))" : "s.\(column) IS NULL OR s.\(column) NOT IN (\(list))"
        return "CASE WHEN \(test) THEN format('\(column) %s: expected \(words)', coalesce(s.\(column), '(empty)')) END"
    }

    /// The reason for a date that is empty (when required) or not a real `YYYY-MM-DD` date.
    static func date(_ column: String, optional: Bool = false) -> String {
        let empty = optional ? "" : "WHEN s.\(column) IS NULL THEN '\(column) is empty' "
        return "CASE \(empty)WHEN s.\(column) IS NOT NULL AND ingest_date(s.\(column)) IS NULL "
            + "THEN format('\(column) %s: not a real date written YYYY-MM-DD', s.\(column)) END"
    }

    /// The reason for a quantity that is empty (when required), not a number, negative or implausibly large.
    static func amount(_ column: String, optional: Bool = false) -> String {
        let empty = optional ? "" : "WHEN s.\(column) IS NULL THEN '\(column) is empty' "
        return """
            CASE \(empty)WHEN s.\(column) IS NULL THEN NULL
                 WHEN ingest_numeric(s.\(column)) IS NULL
                      THEN format('\(column) %s: not a number (digits with an optional decimal point)', s.\(column))
                 WHEN ingest_numeric(s.\(column)) < 0 THEN format('\(column) %s: negative', s.\(column))
                 WHEN ingest_numeric(s.\(column)) >= 1e12 THEN format('\(column) %s: too large', s.\(column)) END
            """
    }

    /// The reason for a concentration outside 0–100 (empty means 100 %).
    static let concentration = """
        CASE WHEN s.concentration_pct IS NULL THEN NULL
             WHEN ingest_numeric(s.concentration_pct) IS NULL
                  THEN format('concentration_pct %s: not a number', s.concentration_pct)
             WHEN ingest_numeric(s.concentration_pct) <= 0 OR ingest_numeric(s.concentration_pct) > 100
                  THEN format('concentration_pct %s: outside 0-100 (more than 0, at most 100)', s.concentration_pct) END
        """

    /// The reason for a substance that is neither a catalogue code (`sc`) nor a CAS number (`sn`).
    static let substanceReason = """
        CASE WHEN s.substance IS NOT NULL AND sc.id IS NULL AND sn.id IS NULL
             THEN format('substance %s: unknown substance code or CAS number', s.substance) END
        """

    /// Joins the substance named by code (`sc`) or by CAS number (`sn`).
    static let substanceJoins = """
        LEFT JOIN substance sc ON sc.code = s.substance
        LEFT JOIN substance sn ON sn.cas = s.substance
        """

    /// The concentration as stored (empty means 100 %).
    static let concentrationValue =
        "round(CASE WHEN s.concentration_pct IS NULL THEN 100 ELSE ingest_numeric(s.concentration_pct) END, 4)"
}
