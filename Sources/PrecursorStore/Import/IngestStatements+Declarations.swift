import Foundation

/// Customs declaration lines: resolved against the registry and the catalogue, converted to kg of pure substance.
extension IngestStatements {
    /// The parsed values of each staged declaration line (`p` in `checkedDeclarations`).
    private static let parsedDeclarations = """
        SELECT s.line, s.declaration_no, s.line_no AS line_no_text,
               CASE WHEN s.line_no ~ '^0*[1-9][0-9]{0,2}$' THEN s.line_no::int END AS line_no,
               s.declared_on AS declared_on_text, ingest_date(s.declared_on) AS declared_on,
               s.direction, s.tax_code, f.id AS firm_id, s.customs_office, co.id AS customs_office_id,
               s.transport_mode, s.country, s.hs_code AS hs_code_text, replace(s.hs_code, '.', '') AS hs_code,
               coalesce(me.substances, m6.substances, 0) AS hs_substances, coalesce(me.codes, m6.codes) AS hs_codes,
               s.substance AS substance_text,
               CASE WHEN s.substance IS NOT NULL THEN coalesce(sc.id, sn.id)
                    WHEN coalesce(me.substances, m6.substances) = 1 THEN coalesce(me.substance_id, m6.substance_id)
               END AS substance_id,
               s.quantity AS quantity_text, ingest_numeric(s.quantity) AS quantity, s.unit,
               s.concentration_pct AS concentration_text, \(concentrationValue) AS concentration_pct,
               s.licence_no, l.id AS licence_id, s.value_usd AS value_text, ingest_numeric(s.value_usd) AS value_usd,
               \(duplicateFlag), array_remove(ARRAY[
                   \(firmReason),
                   \(substanceReason),
                   \(amount("quantity")),
                   \(concentration),
                   \(amount("value_usd", optional: true)),
                   \(duplicateReason(["declaration_no", "line_no"]))
               ], NULL) AS staged_reasons
          FROM ingest_stage s
          LEFT JOIN firm f ON f.tax_code = s.tax_code
          LEFT JOIN customs_office co ON co.code = s.customs_office
          LEFT JOIN ingest_hs me ON me.hs = replace(s.hs_code, '.', '')
          LEFT JOIN ingest_hs m6 ON length(replace(s.hs_code, '.', '')) = 8 AND m6.hs = left(replace(s.hs_code, '.', ''), 6)
          \(substanceJoins)
          LEFT JOIN licence l ON l.licence_no = s.licence_no
          \(duplicateJoin(["declaration_no", "line_no"]))
        """

    private static let checkedDeclarations = """
        CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
        SELECT p.line, p.firm_id, p.declaration_no, p.line_no, p.declared_on, p.direction, p.customs_office_id,
               p.transport_mode, p.country, p.hs_code, p.substance_id, p.quantity, p.unit, p.concentration_pct,
               round(p.quantity * u.factor * CASE WHEN u.dimension = 'volume' THEN sd.density_kg_per_l ELSE 1 END
                     * p.concentration_pct / 100, 6) AS kg_pure,
               p.licence_no, p.licence_id, p.value_usd, p.duplicate,
               array_remove(ARRAY[
                   CASE WHEN p.declaration_no IS NULL THEN 'declaration_no is empty'
                        WHEN p.declaration_no !~ '^[A-Za-z0-9/_-]{1,32}$'
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
                        WHEN p.hs_code !~ '^[0-9]{6}([0-9]{2})?$'
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
                        THEN format('quantity %s %s: too large', p.quantity_text, p.unit) END
               ], NULL) || p.staged_reasons AS reasons
          FROM (\(parsedDeclarations)) p
          LEFT JOIN unit_of_measure u ON u.code = p.unit
          LEFT JOIN substance sd ON sd.id = p.substance_id
        """

    func loadDeclarations() async throws -> Int {
        try await execute("CREATE TEMP TABLE ingest_hs ON COMMIT DROP AS SELECT * FROM hs_code_match")
        try await markDuplicates(["declaration_no", "line_no"])
        try await execute(Self.checkedDeclarations)
        let columns = """
            firm_id, declared_on, direction, customs_office_id, transport_mode, country, hs_code, substance_id, quantity,
            unit, concentration_pct, kg_pure, licence_no, licence_id, value_usd
            """
        let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return try await count(
            """
            WITH up AS (
                INSERT INTO declaration_line AS t (declaration_no, line_no, \(columns), import_batch_id)
                SELECT declaration_no, line_no, \(columns), $1
                  FROM ingest_checked WHERE cardinality(reasons) = 0 AND NOT duplicate
                ON CONFLICT (declaration_no, line_no) DO UPDATE
                   SET \(names.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")),
                       import_batch_id = excluded.import_batch_id, updated_at = now()
                 WHERE (\(names.map { "t.\($0)" }.joined(separator: ", ")))
                       IS DISTINCT FROM (\(names.map { "excluded.\($0)" }.joined(separator: ", ")))
                RETURNING 1)
            SELECT count(*) FROM up
            """, batch: true)
    }
}
