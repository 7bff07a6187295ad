/// Historical self-reports (the admin form, with a leading tax_code): amendments never overwrite, so a row whose
/// content differs from the current version of its (firm, facility, period, substance) becomes a new version.
extension IngestStatements {
    static let reportAmounts = [
        "opening_kg", "imported_kg", "purchased_kg", "produced_kg", "used_kg", "sold_kg", "exported_kg", "lost_kg", "closing_kg",
    ]

    func loadReports() async throws -> Int {
        let amounts = Self.reportAmounts
        try await execute(
            """
            CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
            SELECT s.line, f.id AS firm_id, fa.id AS facility_id, s.period, coalesce(sc.id, sn.id) AS substance_id,
                   \(amounts.map { "round(ingest_numeric(s.\($0)), 3) AS \($0)" }.joined(separator: ", ")),
                   s.note, false AS duplicate,
                   array_remove(ARRAY[
                       \(Self.firmReason),
                       CASE WHEN s.period IS NULL THEN 'period is empty'
                            WHEN period_start(s.period) IS NULL
                            THEN format('period %s: expected YYYY, YYYY-Qn or YYYY-MM', s.period) END,
                       CASE WHEN s.facility_code IS NOT NULL AND f.id IS NOT NULL AND fa.id IS NULL
                            THEN format('facility_code %s: unknown facility of firm %s', s.facility_code, s.tax_code) END,
                       \(Self.required("substance")),
                       \(Self.substanceReason),
                       \(amounts.map { Self.amount($0) }.joined(separator: ",\n"))
                   ], NULL) AS reasons
              FROM ingest_stage s
              LEFT JOIN firm f ON f.tax_code = s.tax_code
              LEFT JOIN facility fa ON fa.firm_id = f.id AND fa.code = s.facility_code
              \(Self.substanceJoins)
            """)
        try await markDuplicates(
            DuplicateKey(
                columns: ["c.firm_id", "c.period", "coalesce(c.facility_id, 0)", "c.substance_id"],
                content: (amounts + ["note"]).map { "c.\($0)" }, shown: ["tax_code", "period", "facility_code", "substance"]))
        let stored = amounts + ["note"]
        return try await count(
            """
            WITH good AS (
                SELECT g.*, r.version AS current_version,
                       r.id IS NOT NULL AND (\(stored.map { "r.\($0)" }.joined(separator: ", ")))
                           IS NOT DISTINCT FROM (\(stored.map { "g.\($0)" }.joined(separator: ", "))) AS same
                  FROM ingest_checked g
                  LEFT JOIN LATERAL (
                      SELECT * FROM self_report r
                       WHERE r.firm_id = g.firm_id AND r.facility_id IS NOT DISTINCT FROM g.facility_id
                         AND r.period = g.period AND r.substance_id = g.substance_id
                       ORDER BY r.version DESC LIMIT 1) r ON true
                 WHERE cardinality(g.reasons) = 0 AND NOT g.duplicate),
            ins AS (
                INSERT INTO self_report (firm_id, facility_id, period, substance_id, \(stored.joined(separator: ", ")),
                                         version, source, submitted_by, import_batch_id)
                SELECT firm_id, facility_id, period, substance_id, \(stored.joined(separator: ", ")),
                       coalesce(current_version, 0) + 1, 'import', $2, $1
                  FROM good WHERE NOT same
                RETURNING 1)
            SELECT count(*) FROM ins
            """, actor: true)
    }
}
