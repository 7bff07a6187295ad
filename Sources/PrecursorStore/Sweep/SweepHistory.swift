import Foundation
import Logging
import PostgresNIO

/// A recorded sweep (`sweep_run`), for the sweeps listing.
public struct SweepRecord: Sendable, Equatable, Codable {
    public let id: Int64
    public let kind: String
    public let scope: String
    public let asOf: String
    public let status: String
    public let startedAt: Date
    public let finishedAt: Date?
    public let findingCount: Int
    public let alertCount: Int
    public let error: String?

    /// The most recent sweeps, newest first.
    public static func recent(_ limit: Int, database: Database) async throws -> [SweepRecord] {
        try await database.rows(
            """
            SELECT id, kind, scope, to_char(as_of, 'YYYY-MM-DD'), status, started_at, finished_at, finding_count,
                   alert_count, error
              FROM sweep_run ORDER BY id DESC LIMIT \(limit)
            """
        ).map { row in
            let (id, kind, scope, asOf, status, started, finished, findings, alerts, error) =
                try row.decode((Int64, String, String, String, String, Date, Date?, Int, Int, String?).self)
            return SweepRecord(
                id: id, kind: kind, scope: scope, asOf: asOf, status: status, startedAt: started, finishedAt: finished,
                findingCount: findings, alertCount: alerts, error: error)
        }
    }
}
