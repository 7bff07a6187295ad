import Foundation
import Logging
import PostgresNIO

/// Read models of firms for analysts and enterprises: risk ranking, dossier, licences with their drawdown.
public struct FirmDirectory: Sendable {
    public struct Firm: Sendable, Codable, Equatable {
        public let id: Int64
        public let taxCode: String
        public let name: String
        public let sector: String
        public let province: String
        public let status: String
        public let keyEnterprise: Bool
        public let registeredOn: String?
        public let reportingFrequency: String?
    }

    public struct LicenceLine: Sendable, Codable, Equatable {
        public let substance: String
        public let concentrationPct: Double
        public let grantedKg: Double
        public let drawnKg: Double
        public var remainingKg: Double { grantedKg - drawnKg }
    }

    public struct Licence: Sendable, Codable, Equatable {
        public let licenceNo: String
        public let authority: String
        public let activity: String
        public let validFrom: String
        public let validUntil: String
        public let extendedUntil: String?
        public let shipmentsAllowed: Int?
        public let shipmentsUsed: Int
        public let status: String
        public var lines: [LicenceLine]
    }

    public struct Risk: Sendable, Codable, Equatable {
        public let taxCode: String
        public let name: String
        public let sector: String
        public let province: String
        public let score: Double
        public let openAlerts: Int
        public let hotRoute: Bool
        /// The top three reasons, in English and in Vietnamese.
        public let reasons: [String]
        public let reasonsVI: [String]

        enum CodingKeys: String, CodingKey {
            case taxCode = "tax_code"
            case name, sector, province, score
            case openAlerts = "open_alerts"
            case hotRoute = "hot_route"
            case reasons
            case reasonsVI = "reasons_vi"
        }
    }

    public struct Facility: Sendable, Codable, Equatable {
        public let code, kind, name, province: String
        public let zone, address: String?
    }

    public struct MonthlyVolume: Sendable, Codable, Equatable {
        public let month, substance, direction: String
        public let kg: Double
        public let shipments: Int
    }

    public struct ReportVersion: Sendable, Codable, Equatable {
        public let id: Int64
        public let period: String
        public let facility: String?
        public let substance: String
        public let version: Int
        public let submittedAt: Date
        public let submittedBy: String
        public let openingKg, importedKg, closingKg: Double
    }

    public struct Dossier: Sendable {
        public let firm: Firm
        public let facilities: [Facility]
        public let licences: [Licence]
        public let monthlyVolumes: [MonthlyVolume]
        public let reports: [ReportVersion]
        public let alerts: [AlertReview.Alert]
    }

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The firm with this tax code, or nil.
    public func firm(taxCode: String) async throws -> Firm? {
        try await database.rows(
            """
            SELECT f.id, f.tax_code, f.name, f.sector, f.province, f.status, f.key_enterprise, f.registered_on::text, o.frequency
              FROM firm f LEFT JOIN reporting_obligation o ON o.firm_id = f.id WHERE f.tax_code = \(taxCode)
            """
        ).first.map(Self.firm)
    }

    /// Firms ranked by risk, highest first; with `flaggedOnly` false, firms without open alerts follow with score 0.
    public func ranked(flaggedOnly: Bool, limit: Int, offset: Int) async throws -> [Risk] {
        try await database.rows(
            """
            SELECT f.tax_code, f.name, f.sector, f.province, coalesce(r.score, 0)::float8, coalesce(r.open_alerts, 0),
                   coalesce(r.hot_route, false), coalesce(r.reasons, '{}'), coalesce(r.reasons_vi, '{}')
              FROM firm f LEFT JOIN firm_risk r ON r.firm_id = f.id
             WHERE NOT \(flaggedOnly) OR r.firm_id IS NOT NULL
             ORDER BY coalesce(r.score, 0) DESC, f.tax_code
             LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (taxCode, name, sector, province, score, open, hot, reasons, reasonsVI) =
                try row.decode((String, String, String, String, Double, Int, Bool, [String], [String]).self)
            return Risk(
                taxCode: taxCode, name: name, sector: sector, province: province, score: score, openAlerts: open, hotRoute: hot,
                reasons: reasons, reasonsVI: reasonsVI)
        }
    }

    /// A firm's licences with granted, drawn (the firm's declared kg citing the licence, as licence_overdrawn sums it)
    /// and remaining quantities per line, and the firm's declarations citing each licence. The firm's lines are read
    /// once, through the (firm, substance, day) index; other firms citing its licences are not shown (migration 0031).
    public func licences(firmID: Int64) async throws -> [Licence] {
        let rows = try await database.rows(
            """
            WITH cited AS (
                SELECT d.licence_id, d.substance_id, d.declaration_no, d.kg_pure FROM declaration_line d
                 WHERE d.firm_id = \(firmID) AND d.licence_id IS NOT NULL
            ),
            used AS (SELECT licence_id, count(DISTINCT declaration_no)::int AS declarations FROM cited GROUP BY licence_id),
            drawn AS (SELECT licence_id, substance_id, sum(kg_pure) AS kg FROM cited GROUP BY licence_id, substance_id)
            SELECT l.licence_no, l.authority, l.activity, l.valid_from::text, l.valid_until::text, l.extended_until::text,
                   l.shipments_allowed, l.status, coalesce(u.declarations, 0),
                   s.code, ll.concentration_pct::float8, ll.quantity_kg::float8, coalesce(dr.kg, 0)::float8
              FROM licence l JOIN licence_line ll ON ll.licence_id = l.id JOIN substance s ON s.id = ll.substance_id
              LEFT JOIN used u ON u.licence_id = l.id
              LEFT JOIN drawn dr ON dr.licence_id = l.id AND dr.substance_id = ll.substance_id
             WHERE l.firm_id = \(firmID)
             ORDER BY l.valid_until DESC, l.licence_no, s.code
            """)
        var licences: [Licence] = []
        for row in rows {
            let (number, authority, activity, from, until, extended, allowed, status, used, substance, concentration, granted, drawn) =
                try row.decode((String, String, String, String, String, String?, Int?, String, Int, String, Double, Double, Double).self)
            let line = LicenceLine(substance: substance, concentrationPct: concentration, grantedKg: granted, drawnKg: drawn)
            if licences.last?.licenceNo == number {
                licences[licences.count - 1].lines.append(line)
            } else {
                licences.append(
                    Licence(
                        licenceNo: number, authority: authority, activity: activity, validFrom: from, validUntil: until,
                        extendedUntil: extended, shipmentsAllowed: allowed, shipmentsUsed: used, status: status, lines: [line]))
            }
        }
        return licences
    }

    /// Everything an analyst needs about one firm.
    public func dossier(taxCode: String) async throws -> Dossier? {
        guard let firm = try await firm(taxCode: taxCode) else { return nil }
        let facilities = try await database.rows(
            """
            SELECT fa.code, fa.kind, fa.name, fa.province, z.code, fa.address
              FROM facility fa LEFT JOIN zone z ON z.id = fa.zone_id WHERE fa.firm_id = \(firm.id) ORDER BY fa.code
            """
        ).map { row in
            let (code, kind, name, province, zone, address) = try row.decode((String, String, String, String, String?, String?).self)
            return Facility(code: code, kind: kind, name: name, province: province, zone: zone, address: address)
        }
        let volumes = try await database.rows(
            """
            SELECT to_char(date_trunc('month', d.declared_on), 'YYYY-MM'), s.code, d.direction, sum(d.kg_pure)::float8, count(*)::int
              FROM declaration_line d JOIN substance s ON s.id = d.substance_id
             WHERE d.firm_id = \(firm.id)
             GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3 LIMIT 600
            """
        ).map { row in
            let (month, substance, direction, kg, shipments) = try row.decode((String, String, String, Double, Int).self)
            return MonthlyVolume(month: month, substance: substance, direction: direction, kg: kg, shipments: shipments)
        }
        let reports = try await ReportDesk(database: database, logger: logger).versions(firmID: firm.id)
        var filter = AlertReview.Filter()
        filter.onlyFirmID = firm.id
        filter.limit = 200
        let alerts = try await AlertReview(database: database, logger: logger).list(filter)
        return Dossier(
            firm: firm, facilities: facilities, licences: try await licences(firmID: firm.id), monthlyVolumes: volumes,
            reports: reports, alerts: alerts)
    }

    static func firm(_ row: PostgresRow) throws -> Firm {
        let (id, taxCode, name, sector, province, status, key, registered, frequency) =
            try row.decode((Int64, String, String, String, String, String, Bool, String?, String?).self)
        return Firm(
            id: id, taxCode: taxCode, name: name, sector: sector, province: province, status: status, keyEnterprise: key,
            registeredOn: registered, reportingFrequency: frequency)
    }
}
