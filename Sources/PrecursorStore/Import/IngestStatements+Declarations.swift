import Foundation

/// Customs declaration lines: resolved against the registry and the catalogue, converted to kg of pure substance.
extension IngestStatements {
    /// The parsed values of each staged declaration line (`p` in `checkedDeclarations`). `OFFSET 0` keeps the
    /// subquery from being pulled up, so each field is parsed once per row rather than once per reference to it.
    private static let parsedDeclarations = """
        SELECT s.line, s.declaration_no, s.line_no AS line_no_text,
               CASE WHEN s.line_no ~ '^[0-9]+$' AND length(ltrim(s.line_no, '0')) BETWEEN 1 AND 3 THEN s.line_no::int END AS line_no,
               s.declared_on AS declared_on_text, ingest_date(s.declared_on) AS declared_on,
               s.direction, s.tax_code, f.id AS firm_id, s.customs_office, co.id AS customs_office_id,
               s.transport_mode, s.country, s.hs_code AS hs_code_text, h.hs AS hs_code,
               coalesce(me.substances, m6.substances, 0) AS hs_substances, coalesce(me.codes, m6.codes) AS hs_codes,
               s.substance AS substance_text, sc.id IS NULL AND sn.id IS NULL AS substance_unknown,
               CASE WHEN s.substance IS NOT NULL THEN coalesce(sc.id, sn.id)
                    WHEN coalesce(me.substances, m6.substances) = 1 THEN coalesce(me.substance_id, m6.substance_id)
               END AS substance_id,
               s.quantity AS quantity_text, ingest_numeric(s.quantity) AS quantity, s.unit,
               s.concentration_pct AS concentration_text, ingest_numeric(s.concentration_pct) AS concentration_number,
               s.licence_no, l.id AS licence_id, s.value_usd AS value_text, ingest_numeric(s.value_usd) AS value_usd
          FROM ingest_stage s
          CROSS JOIN LATERAL (SELECT replace(s.hs_code, '.', '') AS hs) h
          LEFT JOIN firm f ON f.tax_code = s.tax_code
          LEFT JOIN customs_office co ON co.code = s.customs_office
          LEFT JOIN ingest_hs me ON me.hs = h.hs
          LEFT JOIN ingest_hs m6 ON length(h.hs) = 8 AND m6.hs = left(h.hs, 6)
          \(substanceJoins)
          LEFT JOIN licence l ON l.licence_no = s.licence_no
        OFFSET 0
        """

    /// The reason for an amount of `p` that is empty (when required), not a number, negative or implausibly large,
    /// from its text (`NAME_text`) and its parsed value (`NAME`).
    private static func parsedAmount(_ column: String, text: String, optional: Bool = false) -> String {
        let empty = optional ? "WHEN p.\(text) IS NULL THEN NULL" : "WHEN p.\(text) IS NULL THEN '\(column) is empty'"
        return """
            CASE \(empty)
                 WHEN p.\(column) IS NULL
                      THEN format('\(column) %s: not a number (digits with an optional decimal point)', p.\(text))
                 WHEN p.\(column) < 0 THEN format('\(column) %s: negative', p.\(text))
                 WHEN p.\(column) >= 1e12 THEN format('\(column) %s: too large', p.\(text)) END
            """
    }

    /// The concentration as stored (empty means 100 %).
    private static let storedConcentration =
        "round(CASE WHEN p.concentration_text IS NULL THEN 100 ELSE p.concentration_number END, 4)"

    /// Shapes are checked with star-only patterns, lengths and translate(): the same tests as counted repetitions
    /// (`{1,32}`), which cost several times more per row in PostgreSQL's regex engine.
    private static let checkedDeclarations = """
        CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
        SELECT p.line, p.firm_id, p.declaration_no, p.line_no, p.declared_on, p.direction, p.customs_office_id,
               p.transport_mode, p.country, p.hs_code, p.substance_id, p.quantity, p.unit, \(storedConcentration) AS concentration_pct,
               round(p.quantity * u.factor * CASE WHEN u.dimension = 'volume' THEN sd.density_kg_per_l ELSE 1 END
                     * \(storedConcentration) / 100, 6) AS kg_pure,
               p.licence_no, p.licence_id, p.value_usd, false AS duplicate,
               array_remove(ARRAY[
                   CASE WHEN p.declaration_no IS NULL THEN 'declaration_no is empty'
                        WHEN p.declaration_no !~ '^[A-Za-z0-9/_-]+$' OR length(p.declaration_no) > 32
                        THEN format('declaration_no %s: use 1 to 32 letters, digits, /, _ or -', p.declaration_no) END,
                   CASE WHEN p.line_no IS NULL
                        THEN format('line_no %s: expected a whole number from 1 to 999', coalesce(p.line_no_text, '(empty)')) END,
                   CASE WHEN p.declared_on IS NULL
                        THEN format('declared_on %s: not a real date written YYYY-MM-DD', coalesce(p.declared_on_text, '(empty)')) END,
                   CASE WHEN p.direction IS NULL OR p.direction NOT IN ('import', 'export')
                        THEN format('direction %s: expected import or export', coalesce(p.direction, '(empty)')) END,
                   CASE WHEN p.customs_office_id IS NULL
                        THEN format('customs_office %s: unknown customs office code', coalesce(p.customs_office, '(empty)')) END,
                   CASE WHEN p.transport_mode IS NULL OR p.transport_mode NOT IN ('air', 'sea', 'road', 'rail', 'express', 'post')
                        THEN format('transport_mode %s: expected air, sea, road, rail, express or post',
                                    coalesce(p.transport_mode, '(empty)')) END,
                   CASE WHEN p.country IS NULL OR p.country !~ '^[A-Z]{2}$'
                        THEN format('country %s: expected a two-letter ISO 3166 code in capitals', coalesce(p.country, '(empty)')) END,
                   CASE WHEN p.hs_code_text IS NULL THEN 'hs_code is empty'
                        WHEN translate(p.hs_code, '0123456789', '0000000000') NOT IN ('000000', '00000000')
                        THEN format('hs_code %s: expected 6 or 8 digits (dots allowed)', p.hs_code_text)
                        WHEN p.substance_text IS NULL AND p.hs_substances = 0
                        THEN format('hs_code %s maps to no substance in the catalogue; fill in substance', p.hs_code_text)
                        WHEN p.substance_text IS NULL AND p.hs_substances > 1
                        THEN format('hs_code %s maps to %s substances (%s); fill in substance', p.hs_code_text,
                                    p.hs_substances, p.hs_codes) END,
                   CASE WHEN p.unit IS NULL THEN 'unit is empty'
                        WHEN u.code IS NULL
                        THEN format('unit %s: unknown unit; use KGM, GRM, MGM, TNE, LTR, MLT or MTQ', p.unit)
                        WHEN u.dimension = 'volume' AND sd.id IS NOT NULL AND sd.density_kg_per_l IS NULL
                        THEN format('unit %s: %s has no density in the catalogue; declare in KGM', p.unit, sd.code) END,
                   CASE WHEN p.quantity * u.factor * coalesce(sd.density_kg_per_l, 1) >= 1e12
                        THEN format('quantity %s %s: too large', p.quantity_text, p.unit) END,
                   CASE WHEN p.firm_id IS NULL THEN coalesce(mst_problem(p.tax_code),
                        format('tax_code %s: unknown firm; import it with a firms file first', p.tax_code)) END,
                   CASE WHEN p.substance_text IS NOT NULL AND p.substance_unknown
                        THEN format('substance %s: unknown substance code or CAS number', p.substance_text) END,
                   \(parsedAmount("quantity", text: "quantity_text")),
                   CASE WHEN p.concentration_text IS NULL THEN NULL
                        WHEN p.concentration_number IS NULL THEN format('concentration_pct %s: not a number', p.concentration_text)
                        WHEN p.concentration_number <= 0 OR p.concentration_number > 100
                        THEN format('concentration_pct %s: outside 0-100 (more than 0, at most 100)', p.concentration_text) END,
                   \(parsedAmount("value_usd", text: "value_text", optional: true))
               ], NULL) AS reasons
          FROM (\(parsedDeclarations)) p
          LEFT JOIN unit_of_measure u ON u.code = p.unit
          LEFT JOIN substance sd ON sd.id = p.substance_id
        """

    private static let stored = [
        "firm_id", "declared_on", "direction", "customs_office_id", "transport_mode", "country", "hs_code", "substance_id",
        "quantity", "unit", "concentration_pct", "kg_pure", "licence_no", "licence_id", "value_usd",
    ]

    func loadDeclarations() async throws -> Int {
        // Declaration imports are the only writers of declaration_line; taking them one at a time lets new keys be
        // inserted with a plain INSERT (no speculative insertion) without racing another file for the same key.
        try await execute("SELECT pg_advisory_xact_lock(hashtext('precursor.import.declarations'))")
        try await execute("CREATE TEMP TABLE ingest_hs ON COMMIT DROP AS SELECT * FROM hs_code_match")
        try await execute("ANALYZE ingest_hs")
        try await execute(Self.checkedDeclarations)
        try await execute("ANALYZE ingest_checked")
        try await markDuplicates(
            DuplicateKey(
                columns: ["c.declaration_no", "c.line_no"], content: Self.stored.map { "c.\($0)" },
                shown: ["declaration_no", "line_no"]))
        let columns = Self.stored.joined(separator: ", ")
        let fromChecked = Self.stored.map { "c.\($0)" }.joined(separator: ", ")
        let good = "cardinality(c.reasons) = 0 AND NOT c.duplicate"
        // Existing keys whose content changed; unchanged rows are left alone (their updated_at included).
        let changed = try await execute(
            """
            UPDATE declaration_line t
               SET (\(columns), import_batch_id, updated_at) = (\(fromChecked), $1, now())
              FROM ingest_checked c
             WHERE \(good) AND t.declaration_no = c.declaration_no AND t.line_no = c.line_no
               AND (\(Self.stored.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(fromChecked))
            """, batch: true)
        let trusted = try await lockReferences(good: good)
        if trusted { try await execute("SET LOCAL session_replication_role = replica") }
        let inserted = try await execute(
            """
            INSERT INTO declaration_line (declaration_no, line_no, \(columns), import_batch_id)
            SELECT c.declaration_no, c.line_no, \(fromChecked), $1
              FROM ingest_checked c
             WHERE \(good)
               AND NOT EXISTS (SELECT 1 FROM declaration_line t WHERE t.declaration_no = c.declaration_no AND t.line_no = c.line_no)
            """, batch: true)
        if trusted { try await execute("SET LOCAL session_replication_role = origin") }
        return changed + inserted
    }

    /// The foreign keys of `declaration_line` are per-row triggers: six index probes and row locks per inserted
    /// line, most of the cost of a large file. Validation already resolved every reference; when this session may
    /// set `session_replication_role` (a superuser, or `GRANT SET ON PARAMETER session_replication_role`), this takes
    /// the same `FOR KEY SHARE` locks the triggers would, once per referenced row, checks that every referenced row is
    /// still there, and returns true: the caller then inserts with the triggers skipped. The constraints stay in the
    /// schema and still guard every other writer. Returns false (triggers fire as usual) for any other role.
    private func lockReferences(good: String) async throws -> Bool {
        let trusted = try await count(
            """
            SELECT (current_setting('is_superuser')::boolean
                    OR has_parameter_privilege('session_replication_role', 'SET'))::int
            """)
        guard trusted == 1 else { return false }
        try await execute(
            """
            CREATE TEMP TABLE ingest_refs ON COMMIT DROP AS
            SELECT c.firm_id, c.customs_office_id, c.substance_id, c.unit, c.licence_id
              FROM ingest_checked c WHERE \(good)
             GROUP BY 1, 2, 3, 4, 5
            """)
        let missing = try await count(
            """
            WITH f AS (SELECT id FROM firm WHERE id IN (SELECT firm_id FROM ingest_refs) FOR KEY SHARE),
                 co AS (SELECT id FROM customs_office WHERE id IN (SELECT customs_office_id FROM ingest_refs) FOR KEY SHARE),
                 s AS (SELECT id FROM substance WHERE id IN (SELECT substance_id FROM ingest_refs) FOR KEY SHARE),
                 u AS (SELECT code FROM unit_of_measure WHERE code IN (SELECT unit FROM ingest_refs) FOR KEY SHARE),
                 l AS (SELECT id FROM licence WHERE id IN (SELECT licence_id FROM ingest_refs) FOR KEY SHARE),
                 b AS (SELECT id FROM import_batch WHERE id = $1 FOR KEY SHARE)
            SELECT (SELECT count(DISTINCT firm_id) - (SELECT count(*) FROM f)
                         + count(DISTINCT customs_office_id) - (SELECT count(*) FROM co)
                         + count(DISTINCT substance_id) - (SELECT count(*) FROM s)
                         + count(DISTINCT unit) - (SELECT count(*) FROM u)
                         + count(DISTINCT licence_id) - (SELECT count(*) FROM l)
                         + 1 - (SELECT count(*) FROM b)
                      FROM ingest_refs)::int
            """, batch: true)
        guard missing == 0 else {
            throw StoreError.database(
                sqlState: "23503", message: "a firm, licence or catalogue row named by the file was deleted during the import; import the file again",
                detail: nil)
        }
        return true
    }
}
