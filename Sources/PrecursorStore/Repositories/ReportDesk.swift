import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// An enterprise's side of periodic reporting: the template to fill in, its submitted versions, and which periods
/// are due or late under its reporting obligation.
public struct ReportDesk: Sendable {
    /// One period's standing.
    public struct Due: Sendable, Codable, Equatable {
        public let period: String
        public let dueOn: String
        /// `submitted`, `due` (period over, not yet due), `late` (past due, nothing submitted) or `open` (period running).
        public let status: String
        public let submittedVersions: Int
    }

    /// The self-report columns (DESIGN §4), in order.
    public static let columns = [
        "period", "facility_code", "substance", "opening_kg", "imported_kg", "purchased_kg", "produced_kg", "used_kg",
        "sold_kg", "exported_kg", "lost_kg", "closing_kg", "note",
    ]

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The firm's obligation (its default when none was recorded).
    public func obligation(firmID: Int64) async throws -> ReportingObligation {
        let rows = try await database.rows(
            """
            SELECT o.frequency, o.due_days, f.key_enterprise FROM firm f LEFT JOIN reporting_obligation o ON o.firm_id = f.id
             WHERE f.id = \(firmID)
            """)
        guard let row = rows.first else { return .annualDefault }
        let (frequency, dueDays, key) = try row.decode((String?, Int?, Bool).self)
        if let frequency, let dueDays, let parsed = Period.Frequency(rawValue: frequency) {
            return ReportingObligation(frequency: parsed, dueDays: dueDays)
        }
        return .default(keyEnterprise: key)
    }

    /// A CSV with the right header and one row per licensed substance for the period, opening stock pre-filled
    /// from the last closing stock reported.
    public func template(firmID: Int64, period: Period) async throws -> String {
        let rows = try await database.rows(
            """
            SELECT s.code,
                   (SELECT r.closing_kg::text FROM self_report_current r
                     WHERE r.firm_id = \(firmID) AND r.substance_id = s.id AND r.period_end < \(period.start.description)::date
                     ORDER BY r.period_end DESC LIMIT 1)
              FROM substance s
             WHERE s.id IN (SELECT ll.substance_id FROM licence_line ll WHERE ll.firm_id = \(firmID))
             ORDER BY s.code
            """)
        var lines = [Self.columns.joined(separator: ",")]
        for row in rows {
            let (code, opening) = try row.decode((String, String?).self)
            lines.append("\(period),,\(code),\(opening ?? "0"),0,0,0,0,0,0,0,,")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The firm's report versions, newest period first.
    public func versions(firmID: Int64, limit: Int = 500) async throws -> [FirmDirectory.ReportVersion] {
        try await database.rows(
            """
            SELECT r.id, r.period, fa.code, s.code, r.version, r.submitted_at, r.submitted_by,
                   r.opening_kg::float8, r.imported_kg::float8, r.closing_kg::float8
              FROM self_report r JOIN substance s ON s.id = r.substance_id LEFT JOIN facility fa ON fa.id = r.facility_id
             WHERE r.firm_id = \(firmID)
             ORDER BY r.period_start DESC, s.code, r.version DESC LIMIT \(limit)
            """
        ).map { row in
            let (id, period, facility, substance, version, at, by, opening, imported, closing) =
                try row.decode((Int64, String, String?, String, Int, Date, String, Double, Double, Double).self)
            return FirmDirectory.ReportVersion(
                id: id, period: period, facility: facility, substance: substance, version: version, submittedAt: at,
                submittedBy: by, openingKg: opening, importedKg: imported, closingKg: closing)
        }
    }

    /// The periods of the last two years (and the one running) with their due dates and standing as of `today`.
    public func due(firmID: Int64, today: CivilDate) async throws -> [Due] {
        let obligation = try await obligation(firmID: firmID)
        let submitted = try await database.rows(
            "SELECT period, count(*)::int FROM self_report WHERE firm_id = \(firmID) GROUP BY period")
        var counts: [String: Int] = [:]
        for row in submitted {
            let (period, count) = try row.decode((String, Int).self)
            counts[period] = count
        }
        var period = Period.containing(today.adding(days: -730), frequency: obligation.frequency)
        var result: [Due] = []
        while period.start <= today {
            let dueOn = period.dueDate(dueDays: obligation.dueDays)
            let count = counts[period.description] ?? 0
            let status: String
            if count > 0 {
                status = "submitted"
            } else if period.end >= today {
                status = "open"
            } else if dueOn < today {
                status = "late"
            } else {
                status = "due"
            }
            result.append(Due(period: period.description, dueOn: dueOn.description, status: status, submittedVersions: count))
            period = period.next
        }
        return result.reversed()
    }
}
