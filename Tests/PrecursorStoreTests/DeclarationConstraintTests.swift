import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorStore

/// The shape checks of declaration_line were rewritten for speed (0013, then 0025): each must still accept exactly the
/// values the patterns of 0003 accepted. Each value is written into a copy of the table with its CHECK constraints (no
/// foreign keys), the other columns valid, and compared with the 0003 pattern evaluated by PostgreSQL itself.
@Suite struct DeclarationConstraintTests {
    let logger = Logger(label: "test")

    static let shapes: [(column: String, pattern: String, values: [String])] = [
        (
            "country", "^[A-Z]{2}$",
            ["CN", "VN", "AA", "ZZ", "cn", "Cn", "C", "CNN", "", "C1", "1C", "C ", " C", "@A", "[A", "A@", "A[", "É", "ÉA", "AÉ", "Ａ", "\\101"]
        ),
        (
            "hs_code", "^[0-9]{6}([0-9]{2})?$",
            [
                "291524", "29152400", "000000", "99999999", "2915240", "29152", "291524000", "2915.2", "29152a", "a29152", "29152 ",
                " 29152", "+29152", "-29152", "２９１５２４", "29152４", "0x1234", "2_9152", "",
            ]
        ),
        (
            "declaration_no", "^[A-Za-z0-9/_-]{1,32}$",
            [
                "D-1/2_x", "A", "z", "0", "-", "/", "_", String(repeating: "9", count: 32), String(repeating: "9", count: 33),
                String(repeating: "é", count: 16), "", "D 1", "D.1", "Đ1", "D1\n", "D+1", "D\\1", "Ｄ1",
            ]
        ),
    ]

    @Test(arguments: shapes.indices)
    func aShapeCheckAcceptsWhatItsPatternOf0003Accepted(_ index: Int) async throws {
        let shape = Self.shapes[index]
        try await TestDatabase.withMigrated("dlshape") { db in
            try await db.transaction { c in
                try await c.run(
                    "CREATE TABLE probe (LIKE declaration_line INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", logger: logger)
            }
            for value in shape.values {
                let expected = try await db.rows("SELECT \(value) ~ \(shape.pattern)").first!.decode(Bool.self)
                var row = ["declaration_no": "D-1", "country": "CN", "hs_code": "291524"]
                row[shape.column] = value
                let accepted: Bool
                do {
                    try await db.transaction { c in
                        try await c.run(
                            """
                            INSERT INTO probe (id, firm_id, declaration_no, line_no, declared_on, direction, customs_office_id,
                                               transport_mode, country, hs_code, substance_id, quantity, unit, kg_pure)
                            VALUES (1, 1, \(row["declaration_no"]!), 1, '2026-01-05', 'import', 1, 'air', \(row["country"]!),
                                    \(row["hs_code"]!), 1, 1, 'KGM', 1)
                            """, logger: logger)
                    }
                    accepted = true
                } catch StoreError.database(sqlState: "23514", _, _) {
                    accepted = false
                }
                #expect(accepted == expected, "\(shape.column) = \(value.debugDescription)")
            }
        }
    }
}
