import Foundation
import Logging
import PostgresNIO

/// Firms ordered for review by risk (the `firm_risk` view): the sum of each firm's three strongest open alerts,
/// ×1.25 when a hot route is involved, with the top reasons.
public struct FirmRisk: Sendable, Codable, Equatable {
    public let taxCode: String
    public let name: String
    public let sector: String
    public let score: Double
    public let openAlerts: Int
    public let hotRoute: Bool
    public let reasons: [String]
    public let reasonsVI: [String]

    enum CodingKeys: String, CodingKey {
        case taxCode = "tax_code", name, sector, score, openAlerts = "open_alerts", hotRoute = "hot_route", reasons
        case reasonsVI = "reasons_vi"
    }

    /// The `limit` riskiest firms, highest score first.
    public static func top(_ limit: Int, database: Database) async throws -> [FirmRisk] {
        try await database.rows(
            """
            SELECT f.tax_code, f.name, f.sector, r.score::float8, r.open_alerts, r.hot_route,
                   coalesce(r.reasons, '{}'), coalesce(r.reasons_vi, '{}')
              FROM firm_risk r JOIN firm f ON f.id = r.firm_id
             ORDER BY r.score DESC, f.tax_code
             LIMIT \(limit)
            """
        ).map { row in
            let (taxCode, name, sector, score, open, hot, reasons, reasonsVI) =
                try row.decode((String, String, String, Double, Int, Bool, [String], [String]).self)
            return FirmRisk(
                taxCode: taxCode, name: name, sector: sector, score: score, openAlerts: open, hotRoute: hot, reasons: reasons,
                reasonsVI: reasonsVI)
        }
    }
}
