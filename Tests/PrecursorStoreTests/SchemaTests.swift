import Foundation
import Logging
import PostgresNIO
import PrecursorCore
import TestSupport
import Testing

@testable import PrecursorStore

/// The schema's constraints do the work: these tests hit them with real SQL.
@Suite struct SchemaTests {
    let logger = Logger(label: "test")

    func sqlState<T>(_ body: () async throws -> T) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch StoreError.database(let state, _, _) {
            return state
        } catch {
            return "other: \(error)"
        }
    }

    @Test func taxCodeCheckAgreesWithTheSwiftValidator() async throws {
        try await TestDatabase.withMigrated("mst") { db in
            var candidates = ["0100233488", "0314409058-002", "0314409058-000", "0100000000", "0101243150", "0100000050", "abc", "01002334880"]
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<300 { candidates.append(String(format: "%010llu", UInt64.random(in: 0..<10_000_000_000, using: &generator))) }
            let rows = try await db.rows("SELECT c, mst_is_valid(c) FROM unnest(\(candidates)::text[]) AS c")
            for row in rows {
                let (code, valid) = try row.decode((String, Bool).self)
                let swift = (try? TaxCode(code))?.value == code
                #expect(valid == swift, "\(code)")
            }
        }
    }

    /// The embedded cluster (the demo's, the tests', a daemon's without DATABASE_URL) collates by bytes and maps case
    /// as C.UTF-8: names sort by code point, as C.UTF-8 sorts them, and Vietnamese letters still fold.
    @Test func theEmbeddedClusterSortsByCodePointAndFoldsVietnameseCase() async throws {
        try await TestDatabase.withMigrated("collation") { db in
            let settings = try await db.rows(
                "SELECT datcollate, datctype, lower('ĐÔNG Á HÓA CHẤT'), 'CÔNG TY' ILIKE '%công%' FROM pg_database WHERE datname = current_database()")
            let (collate, ctype, lowered, folded) = try settings[0].decode((String, String, String, Bool).self)
            #expect(collate == "C")
            #expect(ctype == "C.UTF-8")
            #expect(lowered == "đông á hóa chất")
            #expect(folded)
            let names = ["Đức Thịnh", "Dược Sài Gòn", "Công ty", "Cong ty", "CÔNG", "ăn", "Ắc quy", "an", "Z-1", "z_2", "10"]
            let rows = try await db.rows("SELECT n FROM unnest(\(names)::text[]) AS n ORDER BY n")
            let sorted = try rows.map { try $0.decode(String.self) }
            #expect(sorted == names.sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) })
        }
    }

    @Test func unitTableMatchesTheSwiftUnits() async throws {
        try await TestDatabase.withMigrated("units") { db in
            let rows = try await db.rows("SELECT code, dimension, factor::text FROM unit_of_measure")
            #expect(rows.count == UnitCode.allCases.count)
            for row in rows {
                let (code, dimension, factor) = try row.decode((String, String, String).self)
                let unit = try #require(UnitCode(rawValue: code))
                #expect(unit.dimension.rawValue == dimension)
                #expect(Decimal(string: factor) == unit.factor, "\(code)")
            }
        }
    }

    @Test func periodFunctionsMatchTheSwiftPeriods() async throws {
        let periods = ["2026", "2026-Q1", "2026-Q4", "2024-02", "2026-02", "2026-12", "2100-02"]
        try await TestDatabase.withMigrated("periods") { db in
            let rows = try await db.rows("SELECT p, period_start(p)::text, period_end(p)::text FROM unnest(\(periods)::text[]) AS p")
            for row in rows {
                let (text, start, end) = try row.decode((String, String, String).self)
                let period = try Period(text)
                #expect(period.start.description == start)
                #expect(period.end.description == end)
            }
            let bad = try await db.rows("SELECT period_start('2026-13') IS NULL")
            #expect(try bad.first?.decode(Bool.self) == true)
        }
    }

    @Test func constraintsRefuseImpossibleRows() async throws {
        try await TestDatabase.withMigrated("constraints") { db in
            try await db.transaction { c in
                try await c.run(
                    "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233488', 'Công ty A', 'pharma_manufacturer', 'Hà Nội')",
                    logger: logger)
            }
            let cases: [(String, PostgresQuery)] = [
                ("23514", "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233489', 'B', 'pharma_manufacturer', 'Hà Nội')"),
                ("23514", "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0314409058', 'B', 'bakery', 'Hà Nội')"),
                ("23514", "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0314409058', 'Co\u{0302}ng ty', 'other', 'Hà Nội')"),
                ("23505", "INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233488', 'dup', 'other', 'Hà Nội')"),
                (
                    "23514",
                    "INSERT INTO licence (licence_no, firm_id, authority, activity, valid_from, valid_until) SELECT 'L1', id, 'MOIT', 'import', '2026-05-01', '2026-04-01' FROM firm"
                ),
                (
                    "23514",
                    "INSERT INTO licence (licence_no, firm_id, authority, activity, valid_from, valid_until) SELECT 'L1', id, 'NOBODY', 'import', '2026-01-01', '2026-04-01' FROM firm"
                ),
                ("23503", "INSERT INTO facility (firm_id, code, kind, name, province) VALUES (999999, 'F1', 'factory', 'x', 'y')"),
                (
                    "23514",
                    "INSERT INTO self_report (firm_id, period, substance_id, opening_kg, imported_kg, purchased_kg, produced_kg, used_kg, sold_kg, exported_kg, lost_kg, closing_kg, source, submitted_by) VALUES (1, '2026-13', 1, 0,0,0,0,0,0,0,0,0, 'import', 'x')"
                ),
                (
                    "23514",
                    "INSERT INTO api_token (prefix, secret_sha256, role, name, created_by) VALUES ('prk_abcd', sha256('x'), 'enterprise', 'n', 'x')"
                ),
            ]
            for (expected, query) in cases {
                let state = await sqlState { try await db.transaction { c in try await c.run(query, logger: logger) } }
                #expect(state == expected, "\(query.sql)")
            }
        }
    }

    @Test func auditLogIsAppendOnlyAndHashChained() async throws {
        try await TestDatabase.withMigrated("audit") { db in
            try await db.transaction { c in
                for i in 1...3 {
                    try await c.audit(
                        AuditEntry(actor: .cliOperator, action: "test", entityType: "thing", entityID: "\(i)", after: #"{"n": \#(i)}"#),
                        logger: logger)
                }
            }
            let intact = try await db.rows("SELECT broken_id, rows_checked FROM audit_verify()")
            let (broken, checked) = try intact[0].decode((Int64?, Int64).self)
            #expect(broken == nil)
            #expect(checked == 3)

            #expect(
                await sqlState { try await db.transaction { c in try await c.run("UPDATE audit_log SET actor = 'mallory'", logger: logger) } }
                    == "42501")
            #expect(await sqlState { try await db.transaction { c in try await c.run("DELETE FROM audit_log", logger: logger) } } == "42501")
            #expect(await sqlState { try await db.transaction { c in try await c.run("TRUNCATE audit_log", logger: logger) } } == "42501")

            // A superuser who bypasses the trigger is still caught by the chain.
            try await db.transaction { c in
                try await c.run("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", logger: logger)
                try await c.run("UPDATE audit_log SET after = '{\"n\": 99}' WHERE entity_id = '2'", logger: logger)
                try await c.run("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only", logger: logger)
            }
            let tampered = try await db.rows("SELECT broken_id, problem FROM audit_verify()")
            let (id, problem) = try tampered[0].decode((Int64?, String?).self)
            let second = try await db.rows("SELECT id FROM audit_log WHERE entity_id = '2'")
            #expect(id == (try second[0].decode(Int64.self)))
            #expect(problem?.contains("altered") == true)
        }
    }

    @Test func oneOpenAlertPerFirmSubstanceAndFamily() async throws {
        try await TestDatabase.withMigrated("alerts") { db in
            try await db.transaction { c in
                try await c.run("INSERT INTO firm (tax_code, name, sector, province) VALUES ('0100233488', 'A', 'other', 'Hà Nội')", logger: logger)
                try await c.run("INSERT INTO substance (code, name_en, kind) VALUES ('EPHEDRINE', 'Ephedrine', 'precursor')", logger: logger)
            }
            let insert: PostgresQuery = """
                INSERT INTO alert (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key)
                SELECT f.id, s.id, 'licence', 'licence_invalid', 'critical', 10, '{}', 'k' FROM firm f, substance s
                """
            try await db.transaction { c in try await c.run(insert, logger: logger) }
            #expect(await sqlState { try await db.transaction { c in try await c.run(insert, logger: logger) } } == "23505")
            try await db.transaction { c in
                try await c.run("UPDATE alert SET state = 'closed', disposition = 'explained', closed_at = now()", logger: logger)
                try await c.run(insert, logger: logger)
            }
            let count = try await db.rows("SELECT count(*) FROM alert")
            #expect(try count[0].decode(Int.self) == 2)
        }
    }
}
