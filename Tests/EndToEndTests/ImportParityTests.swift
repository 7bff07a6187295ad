import Foundation
import PostgresNIO
import PrecursorCore
import PrecursorStore
import TestSupport
import Testing

/// Declarations are checked in Swift while the firms, facilities, licences and reports imports check in SQL: the
/// Swift parsers and reasons must accept, refuse and word exactly what the SQL helpers of sql/0008 do.
@Suite struct ImportParityTests {
    static let taxCodes = [
        "0100233488", "0100233489", "0100233495", "0100233488-001", "0100233488-000", "0100000009", "010023348",
        "01002334881", "0100233488-01", "01002334a8", "0100233488 ", "٠١٠٠٢٣٣٤٨٨", "3600000003", "0000000000",
    ]
    static let numbers = [
        "0", "-0", "+5", "5.", ".5", "-.5", ".", "+", "-", "1 000", "1,5", "1e3", "NaN", "123456789012345", "1234567890123456",
        "0000000000000001", "1.123456789", "1.1234567890", "999999999999.999999999", "--1", "+-1", "1.2.3", "١٢", "12a",
    ]
    static let dates = [
        "2026-03-10", "2026-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2026-02-30", "2026-13-01", "2026-00-10",
        "2026-04-31", "0999-01-01", "1000-01-01", "2026-1-10", "2026/03/10", "20260310", "2026-03-1a", "٢٠٢٦-٠٣-١٠",
    ]

    @Test func swiftChecksAgreeWithTheSQLHelpers() async throws {
        try await TestDatabase.withMigrated("parity") { db in
            for code in Self.taxCodes + [nil] {
                let sql = try await db.rows("SELECT mst_problem(\(code))").first!.decode(String?.self)
                #expect(TaxCode.problem(code) == sql, "tax code \(code ?? "NULL")")
            }
            for text in Self.numbers {
                let sql = try await db.rows("SELECT ingest_numeric(\(text))::text").first!.decode(String?.self)
                let swift = PlainDecimal(Array(text.utf8)[...])
                #expect((swift == nil) == (sql == nil), "number \(text): SQL \(sql ?? "NULL")")
                if let swift, let sql {
                    let same = try await db.rows("SELECT \(swift.text)::numeric = \(sql)::numeric").first!.decode(Bool.self)
                    #expect(same, "number \(text): Swift \(swift.text), SQL \(sql)")
                }
            }
            for text in Self.dates {
                let sql = try await db.rows("SELECT ingest_date(\(text)) IS NOT NULL").first!.decode(Bool.self)
                #expect(ISODate.isReal(Array(text.utf8)[...]) == sql, "date \(text)")
            }
        }
    }

    @Test(
        arguments: [
            ("10", "LTR", "0.791", "50", "3.955000"), ("2", "TNE", nil, "99", "1980.000000"), ("500", "GRM", nil, nil, "0.500000"),
            ("0.0000005", "KGM", nil, nil, "0.000001"), ("0.0000004", "KGM", nil, nil, "0.000000"), ("1.5", "MGM", nil, "33.33335", "0.000001"),
            ("999999999.123456789", "MLT", "1.049", "12.34565", "129506.392886"),
        ] as [(String, String, String?, String?, String)])
    func kilogramsOfPureSubstanceAreRoundedAsNumericRounds(quantity: String, unit: String, density: String?, percent: String?, kg: String) throws {
        let factor = try #require(PlainDecimal(UnitCode(rawValue: unit)!.factor.description))
        let volume = UnitCode(rawValue: unit)!.dimension == .volume
        let amount = try #require(PlainDecimal(Array(quantity.utf8)[...]))
        let concentration = try #require((percent.map { PlainDecimal(Array($0.utf8)[...]) } ?? .hundred)?.rounded(places: 4))
        var product = try #require(amount.multiplied(by: factor))
        if volume {
            let kilogramsPerLitre = try #require(density.flatMap { PlainDecimal($0) })
            product = try #require(product.multiplied(by: kilogramsPerLitre))
        }
        let result = try #require(product.multiplied(by: concentration)?.hundredth.rounded(places: 6))
        #expect(result.text == kg)
    }
}
