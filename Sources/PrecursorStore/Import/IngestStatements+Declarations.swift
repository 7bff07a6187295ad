import Foundation

/// Customs declaration lines. Unlike the other kinds, each line arrives already checked and resolved
/// (`DeclarationCheck`): `ingest_stage` holds the file's staged text, `reasons` (NULL for a good line) and the
/// resolved `line_number`, `firm_id`, `customs_office_id`, `substance_id`, `hs_digits`, `kg_pure` and `licence_id`.
extension IngestStatements {
    /// Every stored column of `declaration_line` (besides the key) and its value for a good staged line `s`.
    private static let stored: [(column: String, value: String)] = [
        ("firm_id", "s.firm_id"), ("declared_on", "s.declared_on::date"), ("direction", "s.direction"),
        ("customs_office_id", "s.customs_office_id"), ("transport_mode", "s.transport_mode"), ("country", "s.country"),
        ("hs_code", "s.hs_digits"), ("substance_id", "s.substance_id"), ("quantity", "s.quantity::numeric"),
        ("unit", "s.unit"), ("concentration_pct", "round(coalesce(s.concentration_pct::numeric, 100), 4)"),
        ("kg_pure", "s.kg_pure"), ("licence_no", "s.licence_no"), ("licence_id", "s.licence_id"),
        ("value_usd", "s.value_usd::numeric"),
    ]

    /// Loads the `goodRows` good staged lines; returns how many were inserted or changed, and whether some key appeared
    /// on several lines (lines that may have been rejected for it). `unresolvedKg` good lines have no
    /// `kg_pure` yet (the exact product outgrew 128 bits in Swift).
    func loadDeclarations(
        references: DeclarationCheck.References, goodRows: Int, unresolvedKg: Int
    ) async throws -> (loaded: Int, repeatedKeys: Bool) {
        if unresolvedKg > 0 {
            try await execute(
                """
                UPDATE ingest_stage s
                   SET kg_pure = round(s.quantity::numeric * u.factor * CASE WHEN u.dimension = 'volume' THEN sd.density_kg_per_l ELSE 1 END
                                       * round(coalesce(s.concentration_pct::numeric, 100), 4) / 100, 6)
                  FROM unit_of_measure u, substance sd
                 WHERE s.reasons IS NULL AND s.kg_pure IS NULL AND u.code = s.unit AND sd.id = s.substance_id
                """)
        }
        // The keys already stored are found before anything is written. An INSERT … WHERE NOT EXISTS over
        // declaration_line itself would probe the table it is filling, and when its statistics say "empty" (a vacuumed
        // empty table) the planner picks a sequential scan per row: quadratic, minutes at 200,000 lines.
        let existing = try await execute(
            """
            CREATE TEMP TABLE ingest_existing ON COMMIT DROP AS
            SELECT s.line FROM ingest_stage s
              JOIN declaration_line t ON t.declaration_no = s.declaration_no AND t.line_no = s.line_number
             WHERE s.reasons IS NULL
            """)
        var changed = 0
        var repeated = false
        if existing > 0 {
            repeated = try await markDeclarationDuplicates()
            // Existing keys whose content changed; unchanged rows are left alone (their updated_at included).
            changed = try await execute(
                """
                UPDATE declaration_line t
                   SET (\(Self.columns), import_batch_id, updated_at) = (\(Self.values), $1, now())
                  FROM ingest_existing e JOIN ingest_stage s ON s.line = e.line
                 WHERE t.declaration_no = s.declaration_no AND t.line_no = s.line_number AND \(Self.good)
                   AND (\(Self.stored.map { "t.\($0.column)" }.joined(separator: ", "))) IS DISTINCT FROM (\(Self.values))
                """, batch: true)
        }
        let trusted = try await mayBypassForeignKeyTriggers()
        if trusted { try await lockReferences(references) }
        let bulk = try await bulkIndexes(newRows: goodRows)
        if existing > 0 {
            return try await (changed + insertNew(trusted: trusted, bulk: bulk, skipping: true), repeated)
        }
        // No key of the file is stored yet: keys repeated within the file are rare, so the insert goes first and the
        // unique key of declaration_line finds them; only then are they compared (a GROUP BY over every line saved).
        try await execute("SAVEPOINT ingest_insert")
        do {
            let inserted = try await insertNew(trusted: trusted, bulk: bulk, skipping: false)
            try await execute("RELEASE SAVEPOINT ingest_insert")
            return (inserted, false)
        } catch StoreError.database(sqlState: "23505", _, _) {
            try await execute("ROLLBACK TO SAVEPOINT ingest_insert")
            repeated = try await markDeclarationDuplicates()
            return try await (insertNew(trusted: trusted, bulk: bulk, skipping: false), repeated)
        }
    }

    /// Declaration imports are the only writers of declaration_line; taking them one at a time (until the import
    /// commits) lets new keys be inserted with a plain INSERT or COPY (no speculative insertion) without racing another
    /// file for the same key.
    func lockDeclarationImports() async throws {
        try await execute("SELECT pg_advisory_xact_lock(hashtext('precursor.import.declarations'))")
    }

    /// Whether any of these keys (declaration_no, line number) is stored in declaration_line.
    func storesAnyKey(numbers: [String], lines: [Int]) async throws -> Bool {
        try await !connection.rows(
            """
            SELECT 1 FROM declaration_line t JOIN unnest(\(numbers)::text[], \(lines)::int[]) k(no, line)
                ON t.declaration_no = k.no AND t.line_no = k.line
             LIMIT 1
            """, logger: logger
        ).isEmpty
    }

    /// The columns a direct load copies into `declaration_line`, in the order `ImportRun` encodes them.
    static let directColumns = [
        "declaration_no", "line_no", "firm_id", "declared_on", "direction", "customs_office_id", "transport_mode", "country",
        "hs_code", "substance_id", "quantity", "unit", "concentration_pct", "kg_pure", "licence_no", "licence_id", "value_usd",
        "import_batch_id",
    ]

    private static let columns = stored.map(\.column).joined(separator: ", ")
    private static let values = stored.map(\.value).joined(separator: ", ")
    private static let good = "s.reasons IS NULL AND NOT s.duplicate"

    /// Inserts the good staged lines (`skipping` those whose key is stored); returns how many.
    private func insertNew(trusted: Bool, bulk: [IndexDefinition], skipping: Bool) async throws -> Int {
        if trusted { try await execute("SET LOCAL session_replication_role = replica") }
        try await drop(bulk)
        let new = skipping ? "AND NOT EXISTS (SELECT 1 FROM ingest_existing e WHERE e.line = s.line)" : ""
        let inserted = try await execute(
            """
            INSERT INTO declaration_line (declaration_no, line_no, \(Self.columns), import_batch_id)
            SELECT s.declaration_no, s.line_number, \(Self.values), $1
              FROM ingest_stage s
             WHERE \(Self.good) \(new)
            """, batch: true)
        try await create(bulk)
        if trusted { try await execute("SET LOCAL session_replication_role = origin") }
        return inserted
    }

    /// A secondary index of declaration_line (or the unique constraint it backs), as statements to drop and create it.
    struct IndexDefinition {
        let drop: String
        let create: String
    }

    /// Drops the indexes of a bulk load before its rows are written.
    func drop(_ indexes: [IndexDefinition]) async throws {
        for index in indexes { try await execute(index.drop) }
    }

    /// Builds the indexes of a bulk load afresh, a sort each (the unique key fails with 23505 on a repeated key).
    func create(_ indexes: [IndexDefinition]) async throws {
        guard !indexes.isEmpty else { return }
        try await execute("SET LOCAL maintenance_work_mem = '256MB'")
        for index in indexes { try await execute(index.create) }
    }

    /// Bulk loads: when the file brings at least `bulkMinimumRows` (100,000) new lines and at least as many as declaration_line holds
    /// (a first load, a backfill), building its secondary indexes afresh after the INSERT (a sort each) costs a
    /// fraction of maintaining them row by row (at a million lines into an empty table, 3 s against 12 s here). This
    /// needs the table's owner and holds its ACCESS EXCLUSIVE lock until the import commits, so readers of
    /// declaration_line wait for a bulk import; smaller files into a larger table keep their indexes. Returns the
    /// indexes to drop and create around the INSERT, unique ones first (none when not a bulk load; partial indexes and
    /// those a foreign key depends on are never among them).
    func bulkIndexes(newRows: Int) async throws -> [IndexDefinition] {
        guard newRows >= bulkMinimumRows else { return [] }
        // The planner's row estimate (pages × density), without counting a large table.
        let stored = try await count(
            """
            SELECT CASE WHEN pg_has_role(c.relowner, 'USAGE')
                        THEN (pg_relation_size(c.oid) / 8192 * CASE WHEN c.relpages > 0 THEN c.reltuples / c.relpages ELSE 50 END)::bigint
                        ELSE -1 END
              FROM pg_class c WHERE c.oid = 'declaration_line'::regclass
            """)
        guard stored >= 0, stored <= newRows else { return [] }
        // The primary key too: maintained row by row it was a fifth of the COPY's time, built afresh from ids that
        // arrive in order it takes a fraction of a second. An index a foreign key depends on stays, and so does a
        // partial index: it holds the exceptions (the citations of licences not loaded yet), which cost a predicate
        // test per line to maintain, while building it afresh reads the whole table again (0.2 s at a million lines).
        // The unique indexes come first: a key repeated in the file stops the load before the others are built (and
        // before their builds set the table's page and row counts, which a rollback does not restore).
        let rows = try await connection.rows(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
              FROM pg_index i
              LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
             WHERE i.indrelid = 'declaration_line'::regclass AND i.indpred IS NULL
               AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
             ORDER BY i.indisunique DESC, 1
            """, logger: logger)
        return try rows.map { row in
            let (index, definition, constraint, constraintDefinition) = try row.decode((String, String, String?, String?).self)
            if let constraint, let constraintDefinition {
                return IndexDefinition(
                    drop: "ALTER TABLE declaration_line DROP CONSTRAINT \(constraint)",
                    create: "ALTER TABLE declaration_line ADD CONSTRAINT \(constraint) \(constraintDefinition)")
            }
            return IndexDefinition(drop: "DROP INDEX \(index)", create: definition)
        }
    }

    /// The id the next row of declaration_line would draw from its identity sequence, when the sequence counts up by
    /// one; nil otherwise. A bulk load holds the table's ACCESS EXCLUSIVE lock, so no other writer draws from the
    /// sequence until it commits: it sends the ids itself (`nextval` per row was a tenth of the COPY's time) and moves
    /// the sequence past them with `advanceDeclarationIDs(through:)`, leaving exactly what `nextval` would have left.
    func nextDeclarationID() async throws -> Int? {
        let sequence = try await connection.rows(
            """
            SELECT pg_get_serial_sequence('declaration_line', 'id'),
                   (SELECT seqincrement FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('declaration_line', 'id')::regclass)
            """, logger: logger
        ).first?.decode((String?, Int?).self)
        guard let sequence, let name = sequence.0, sequence.1 == 1 else { return nil }
        // The name comes from the catalogue, quoted where it needs to be.
        return try await count("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM \(name)")
    }

    /// Sets the identity sequence of declaration_line to `id`, the last id a bulk load sent, as `nextval` would have.
    func advanceDeclarationIDs(through id: Int) async throws {
        try await connection.run("SELECT setval(pg_get_serial_sequence('declaration_line', 'id'), \(id))", logger: logger)
    }

    /// Marks good lines whose key (declaration_no, line number) appears on several lines: an identical repeat of an
    /// earlier line is flagged `duplicate` (loaded once, counted unchanged); lines that differ all get a reason.
    /// Content is compared after parsing and resolution (`01` and `1`, a substance by code or by CAS number).
    @discardableResult
    private func markDeclarationDuplicates() async throws -> Bool {
        let repeated = try await execute(
            """
            CREATE TEMP TABLE ingest_dup ON COMMIT DROP AS
            SELECT s.declaration_no AS k0, s.line_number AS k1 FROM ingest_stage s WHERE s.reasons IS NULL
             GROUP BY 1, 2 HAVING count(*) > 1
            """)
        guard repeated > 0 else { return false }
        let content = Self.stored.map(\.value).joined(separator: ", ")
        try await execute(
            """
            UPDATE ingest_stage s
               SET duplicate = NOT g.conflicting AND s.line <> g.first_line,
                   reasons = CASE WHEN g.conflicting THEN ARRAY[g.reason] END
              FROM (SELECT g.*, format('declaration_no %s line_no %s appears on lines %s with different content',
                                       coalesce(f.declaration_no, '(empty)'), coalesce(f.line_no, '(empty)'), g.lines) AS reason
                      FROM (SELECT d.k0, d.k1, min(s.line) AS first_line,
                                   string_agg(s.line::text, ', ' ORDER BY s.line) AS lines,
                                   count(DISTINCT ROW(\(content))) > 1 AS conflicting
                              FROM ingest_stage s JOIN ingest_dup d ON (s.declaration_no, s.line_number) = (d.k0, d.k1)
                             WHERE s.reasons IS NULL
                             GROUP BY d.k0, d.k1) g
                      JOIN ingest_stage f ON f.line = g.first_line) g
             WHERE s.reasons IS NULL AND (s.declaration_no, s.line_number) = (g.k0, g.k1)
            """)
        return true
    }

    /// Copies every staged line with reasons into `ingest_reject`, its fields as staged; returns how many.
    func insertDeclarationRejects(columns: [String]) async throws -> Int {
        let fields = columns.map { "'\($0)', s.\($0)" }.joined(separator: ", ")
        return try await execute(
            """
            INSERT INTO ingest_reject (import_batch_id, line, fields, reasons)
            SELECT $1, s.line, jsonb_build_object(\(fields)), s.reasons
              FROM ingest_stage s
             WHERE s.reasons IS NOT NULL
             ORDER BY s.line
            """, batch: true)
    }

    /// The foreign keys of `declaration_line` are per-row triggers: six index probes and row locks per inserted
    /// line, most of the cost of a large file. Every reference was resolved while the file streamed; when this session
    /// may set `session_replication_role` (a superuser, or `GRANT SET ON PARAMETER session_replication_role`), the
    /// caller writes with the triggers skipped and takes their locks once per referenced row (`lockReferences`) before
    /// the import commits. The constraints stay in the schema and still guard every other writer. False (triggers fire
    /// as usual) for any other role.
    func mayBypassForeignKeyTriggers() async throws -> Bool {
        try await count(
            """
            SELECT (current_setting('is_superuser')::boolean
                    OR has_parameter_privilege('session_replication_role', 'SET'))::int
            """) == 1
    }

    /// Takes the `FOR KEY SHARE` locks the foreign-key triggers would, once per referenced row, and checks that every
    /// referenced row is still there (from then on none can go before the import commits).
    func lockReferences(_ references: DeclarationCheck.References) async throws {
        let firms = Array(references.firms)
        let offices = Array(references.offices)
        let substances = Array(references.substances)
        let units = Array(references.units)
        let licences = Array(references.licences)
        let locked = try await connection.rows(
            """
            WITH f AS (SELECT id FROM firm WHERE id = ANY(\(firms)) FOR KEY SHARE),
                 co AS (SELECT id FROM customs_office WHERE id = ANY(\(offices)) FOR KEY SHARE),
                 s AS (SELECT id FROM substance WHERE id = ANY(\(substances)) FOR KEY SHARE),
                 u AS (SELECT code FROM unit_of_measure WHERE code = ANY(\(units)) FOR KEY SHARE),
                 l AS (SELECT id FROM licence WHERE id = ANY(\(licences)) FOR KEY SHARE),
                 b AS (SELECT id FROM import_batch WHERE id = \(batchID) FOR KEY SHARE)
            SELECT (SELECT count(*) FROM f)::int, (SELECT count(*) FROM co)::int, (SELECT count(*) FROM s)::int,
                   (SELECT count(*) FROM u)::int, (SELECT count(*) FROM l)::int, (SELECT count(*) FROM b)::int
            """, logger: logger
        ).first!.decode((Int, Int, Int, Int, Int, Int).self)
        let expected = (firms.count, offices.count, substances.count, units.count, licences.count, 1)
        guard locked == expected else {
            throw StoreError.database(
                sqlState: "23503", message: "a firm, licence or catalogue row named by the file was deleted during the import; import the file again",
                detail: nil)
        }
    }
}
