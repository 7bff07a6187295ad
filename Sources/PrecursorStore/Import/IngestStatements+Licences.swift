/// Licences (one row per licence line; rows sharing licence_no form one licence) and historical self-reports.
extension IngestStatements {
    private static let licenceFields = ["tax_code", "authority", "activity", "valid_from", "valid_until", "status"]

    func loadLicences() async throws -> Int {
        // Licence-level fields must agree across the rows of one licence.
        let differs = Self.licenceFields.map { "CASE WHEN count(DISTINCT coalesce(\($0), '')) > 1 THEN '\($0)' END" }
        try await execute(
            """
            CREATE TEMP TABLE ingest_licence_group ON COMMIT DROP AS
            SELECT licence_no, array_to_string(array_remove(ARRAY[\(differs.joined(separator: ", "))], NULL), ', ') AS differs,
                   string_agg(line::text, ', ' ORDER BY line) AS lines
              FROM ingest_stage WHERE licence_no IS NOT NULL
             GROUP BY licence_no
            HAVING \(Self.licenceFields.map { "count(DISTINCT coalesce(\($0), '')) > 1" }.joined(separator: " OR "))
            """)
        try await execute(
            """
            CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
            SELECT s.line, s.licence_no, f.id AS firm_id, s.authority, s.activity, coalesce(sc.id, sn.id) AS substance_id,
                   \(Self.concentrationValue) AS concentration_pct, round(ingest_numeric(s.quantity_kg), 3) AS quantity_kg,
                   ingest_date(s.valid_from) AS valid_from, ingest_date(s.valid_until) AS valid_until,
                   coalesce(s.status, 'active') AS status, false AS duplicate,
                   array_remove(ARRAY[
                       CASE WHEN s.licence_no IS NULL THEN 'licence_no is empty'
                            WHEN length(s.licence_no) > 64 THEN format('licence_no %s: longer than 64 characters', s.licence_no) END,
                       \(Self.firmReason),
                       \(Self.oneOf("authority", ["MOIT", "MOH", "MPS", "MAE", "DOIT"])),
                       \(Self.oneOf("activity", ["import", "export", "produce", "trade", "use"])),
                       \(Self.required("substance")),
                       \(Self.substanceReason),
                       \(Self.concentration),
                       \(Self.amount("quantity_kg")),
                       \(Self.date("valid_from")),
                       \(Self.date("valid_until")),
                       CASE WHEN ingest_date(s.valid_from) > ingest_date(s.valid_until)
                            THEN format('valid_from %s is after valid_until %s', s.valid_from, s.valid_until) END,
                       \(Self.oneOf("status", ["active", "suspended", "revoked", "expired"], optional: true)),
                       CASE WHEN g.licence_no IS NOT NULL
                            THEN format('licence %s: %s differ between its lines %s; the lines of one licence must agree on them',
                                        s.licence_no, g.differs, g.lines) END
                   ], NULL) AS reasons
              FROM ingest_stage s
              LEFT JOIN firm f ON f.tax_code = s.tax_code
              \(Self.substanceJoins)
              LEFT JOIN ingest_licence_group g ON g.licence_no = s.licence_no
            """)
        try await markDuplicates(
            DuplicateKey(
                columns: ["c.licence_no", "c.substance_id", "c.concentration_pct"],
                content: ["c.firm_id", "c.authority", "c.activity", "c.quantity_kg", "c.valid_from", "c.valid_until", "c.status"],
                shown: ["licence_no", "substance", "concentration_pct"]))
        // A licence loads whole or not at all: a bad line rejects its sibling lines too.
        try await execute(
            """
            UPDATE ingest_checked c
               SET reasons = c.reasons || format('licence %s: line(s) %s of this licence were rejected, so none of its lines is loaded',
                                                 c.licence_no, b.lines)
              FROM (SELECT licence_no, string_agg(line::text, ', ' ORDER BY line) AS lines
                      FROM ingest_checked WHERE cardinality(reasons) > 0 AND licence_no IS NOT NULL GROUP BY licence_no) b
             WHERE b.licence_no = c.licence_no AND cardinality(c.reasons) = 0
            """)
        return try await upsertLicences()
    }

    private func upsertLicences() async throws -> Int {
        try await execute(
            """
            CREATE TEMP TABLE ingest_changed ON COMMIT DROP AS
            WITH up AS (
                INSERT INTO licence AS t (licence_no, firm_id, authority, activity, valid_from, valid_until, status, import_batch_id)
                SELECT DISTINCT ON (licence_no) licence_no, firm_id, authority, activity, valid_from, valid_until, status, $1
                  FROM ingest_checked WHERE cardinality(reasons) = 0 ORDER BY licence_no, line
                ON CONFLICT (licence_no) DO UPDATE
                   SET firm_id = excluded.firm_id, authority = excluded.authority, activity = excluded.activity,
                       valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
                       import_batch_id = excluded.import_batch_id, updated_at = now()
                 WHERE (t.firm_id, t.authority, t.activity, t.valid_from, t.valid_until, t.status)
                       IS DISTINCT FROM (excluded.firm_id, excluded.authority, excluded.activity, excluded.valid_from,
                                         excluded.valid_until, excluded.status)
                RETURNING t.licence_no)
            SELECT licence_no, NULL::integer AS substance_id, NULL::numeric AS concentration_pct FROM up
            """, batch: true)
        try await execute(
            """
            WITH up AS (
                INSERT INTO licence_line AS t (licence_id, firm_id, substance_id, concentration_pct, quantity_kg)
                SELECT l.id, c.firm_id, c.substance_id, c.concentration_pct, c.quantity_kg
                  FROM ingest_checked c JOIN licence l ON l.licence_no = c.licence_no
                 WHERE cardinality(c.reasons) = 0 AND NOT c.duplicate
                ON CONFLICT (licence_id, substance_id, concentration_pct) DO UPDATE
                   SET quantity_kg = excluded.quantity_kg, firm_id = excluded.firm_id
                 WHERE (t.quantity_kg, t.firm_id) IS DISTINCT FROM (excluded.quantity_kg, excluded.firm_id)
                RETURNING t.licence_id, t.substance_id, t.concentration_pct),
            gone AS (
                DELETE FROM licence_line ll USING licence l
                 WHERE ll.licence_id = l.id
                   AND l.licence_no IN (SELECT licence_no FROM ingest_checked WHERE cardinality(reasons) = 0)
                   AND NOT EXISTS (SELECT 1 FROM ingest_checked c
                                    WHERE cardinality(c.reasons) = 0 AND c.licence_no = l.licence_no
                                      AND c.substance_id = ll.substance_id AND c.concentration_pct = ll.concentration_pct)
                RETURNING l.licence_no)
            INSERT INTO ingest_changed
            SELECT l.licence_no, up.substance_id, up.concentration_pct FROM up JOIN licence l ON l.id = up.licence_id
            UNION ALL SELECT licence_no, NULL, NULL FROM gone
            """)
        return try await count(
            """
            SELECT count(*) FROM ingest_checked c
             WHERE cardinality(c.reasons) = 0 AND NOT c.duplicate
               AND EXISTS (SELECT 1 FROM ingest_changed x
                            WHERE x.licence_no = c.licence_no
                              AND (x.substance_id IS NULL OR (x.substance_id = c.substance_id
                                                              AND x.concentration_pct = c.concentration_pct)))
            """)
    }
}
