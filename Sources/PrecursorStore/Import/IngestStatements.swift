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

    /// Validates and loads the staged rows of `kind`; returns the number of rows loaded (inserted or changed).
    func load(_ kind: ImportKind) async throws -> Int {
        switch kind {
        case .firms: try await loadFirms()
        case .facilities: try await loadFacilities()
        case .licences: try await loadLicences()
        case .declarations: try await loadDeclarations()
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

    /// Creates `ingest_dup`: the keys that appear on several lines, with those lines and whether their content differs.
    func markDuplicates(_ key: [String]) async throws {
        let plain = key.joined(separator: ", ")
        let staged = key.map { "s.\($0)" }.joined(separator: ", ")
        let repeated = key.map { "d.\($0)" }.joined(separator: ", ")
        try await execute(
            """
            CREATE TEMP TABLE ingest_dup ON COMMIT DROP AS
            WITH d AS (SELECT \(plain) FROM ingest_stage GROUP BY \(plain) HAVING count(*) > 1)
            SELECT \(staged), min(s.line) AS first_line, string_agg(s.line::text, ', ' ORDER BY s.line) AS lines,
                   count(DISTINCT to_jsonb(s) - 'line') > 1 AS conflicting
              FROM ingest_stage s JOIN d ON (\(staged)) = (\(repeated))
             GROUP BY \(staged)
            """)
    }

    /// Joins `ingest_dup` as `dup` onto the staged row `s`.
    static func duplicateJoin(_ key: [String]) -> String {
        let keys = key.map { "dup.\($0) = s.\($0)" }.joined(separator: " AND ")
        return "LEFT JOIN ingest_dup dup ON \(keys)"
    }

    /// True for an identical repeat of an earlier line (loaded once, counted as unchanged).
    static let duplicateFlag = "coalesce(NOT dup.conflicting AND s.line <> dup.first_line, false) AS duplicate"

    /// The reason for a key that appears on several lines with different content.
    static func duplicateReason(_ key: [String]) -> String {
        let names = key.map { "\($0) %s" }.joined(separator: " ")
        let values = key.map { "coalesce(s.\($0), '(empty)')" }.joined(separator: ", ")
        return "CASE WHEN dup.conflicting THEN format('\(names) appears on lines %s with different content', \(values), dup.lines) END"
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
