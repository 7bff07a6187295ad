/// Firms and facilities.
extension IngestStatements {
    static let sectors = [
        "pharma_manufacturer", "pharma_distributor", "chemical_manufacturer", "chemical_distributor", "user_industry",
        "laboratory", "other",
    ]

    func loadFirms() async throws -> Int {
        try await execute(
            """
            CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
            SELECT s.line, s.tax_code, s.name, s.sector, s.province, ingest_date(s.registered_on) AS registered_on,
                   coalesce(s.status, 'active') AS status, coalesce(s.key_enterprise = 'true', false) AS key_enterprise,
                   false AS duplicate,
                   array_remove(ARRAY[
                       mst_problem(s.tax_code),
                       \(Self.required("name")),
                       \(Self.oneOf("sector", Self.sectors)),
                       \(Self.required("province")),
                       \(Self.date("registered_on", optional: true)),
                       \(Self.oneOf("status", ["active", "suspended", "dissolved"], optional: true)),
                       \(Self.oneOf("key_enterprise", ["true", "false"], optional: true))
                   ], NULL) AS reasons
              FROM ingest_stage s
            """)
        try await markDuplicates(
            DuplicateKey(
                columns: ["c.tax_code"],
                content: ["c.name", "c.sector", "c.province", "c.registered_on", "c.status", "c.key_enterprise"],
                shown: ["tax_code"]))
        let loaded = try await count(
            """
            WITH up AS (
                INSERT INTO firm AS t (tax_code, name, sector, province, registered_on, status, key_enterprise, import_batch_id)
                SELECT tax_code, name, sector, province, registered_on, status, key_enterprise, $1
                  FROM ingest_checked WHERE cardinality(reasons) = 0 AND NOT duplicate
                ON CONFLICT (tax_code) DO UPDATE
                   SET name = excluded.name, sector = excluded.sector, province = excluded.province,
                       registered_on = excluded.registered_on, status = excluded.status,
                       key_enterprise = excluded.key_enterprise, import_batch_id = excluded.import_batch_id,
                       updated_at = now()
                 WHERE (t.name, t.sector, t.province, t.registered_on, t.status, t.key_enterprise)
                       IS DISTINCT FROM (excluded.name, excluded.sector, excluded.province, excluded.registered_on,
                                         excluded.status, excluded.key_enterprise)
                RETURNING 1)
            SELECT count(*) FROM up
            """, batch: true)
        // Every firm reports: annually (due 15 February) by default, monthly by the 15th for key enterprises.
        try await execute(
            """
            INSERT INTO reporting_obligation (firm_id, frequency, due_days)
            SELECT f.id, CASE WHEN f.key_enterprise THEN 'monthly' ELSE 'annual' END,
                   CASE WHEN f.key_enterprise THEN 15 ELSE 46 END
              FROM ingest_checked c JOIN firm f ON f.tax_code = c.tax_code
             WHERE cardinality(c.reasons) = 0 AND NOT c.duplicate
            ON CONFLICT (firm_id) DO NOTHING
            """)
        return loaded
    }

    func loadFacilities() async throws -> Int {
        try await execute(
            """
            CREATE TEMP TABLE ingest_checked ON COMMIT DROP AS
            SELECT s.line, f.id AS firm_id, s.facility_code, s.kind, s.name, z.id AS zone_id, s.province, s.address,
                   false AS duplicate,
                   array_remove(ARRAY[
                       \(Self.firmReason),
                       CASE WHEN s.facility_code IS NULL THEN 'facility_code is empty'
                            WHEN s.facility_code !~ '^[A-Za-z0-9_.-]{1,32}$'
                            THEN format('facility_code %s: use 1 to 32 letters, digits, dots, hyphens or underscores', s.facility_code) END,
                       \(Self.oneOf("kind", ["factory", "warehouse", "workshop", "lab", "office"])),
                       \(Self.required("name")),
                       CASE WHEN s.zone_code IS NOT NULL AND z.id IS NULL THEN format('zone_code %s: unknown zone', s.zone_code) END,
                       \(Self.required("province"))
                   ], NULL) AS reasons
              FROM ingest_stage s
              LEFT JOIN firm f ON f.tax_code = s.tax_code
              LEFT JOIN zone z ON z.code = s.zone_code
            """)
        try await markDuplicates(
            DuplicateKey(
                columns: ["c.firm_id", "c.facility_code"],
                content: ["c.kind", "c.name", "c.zone_id", "c.province", "c.address"], shown: ["tax_code", "facility_code"]))
        return try await count(
            """
            WITH up AS (
                INSERT INTO facility AS t (firm_id, code, kind, name, zone_id, province, address, import_batch_id)
                SELECT firm_id, facility_code, kind, name, zone_id, province, address, $1
                  FROM ingest_checked WHERE cardinality(reasons) = 0 AND NOT duplicate
                ON CONFLICT (firm_id, code) DO UPDATE
                   SET kind = excluded.kind, name = excluded.name, zone_id = excluded.zone_id,
                       province = excluded.province, address = excluded.address,
                       import_batch_id = excluded.import_batch_id, updated_at = now()
                 WHERE (t.kind, t.name, t.zone_id, t.province, t.address)
                       IS DISTINCT FROM (excluded.kind, excluded.name, excluded.zone_id, excluded.province, excluded.address)
                RETURNING 1)
            SELECT count(*) FROM up
            """, batch: true)
    }
}
