import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// Loads a generated demo world (`precursorctl admin demo generate`) through the real importers, in the order the
/// files depend on each other, and declares the world's reporting cadence.
public struct DemoWorldLoader: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The files in load order.
    public static let files: [ImportKind] = [.firms, .facilities, .licences, .declarations, .reports]

    /// Imports the world's files from `folder` (all of them, or all but the reports) and sets the obligation of its
    /// non-key firms to quarterly, due 30 days after the quarter — the cadence the generator simulates. The firms
    /// importer gives them the annual obligation of the regulations (domain notes §2.5) and stays that way: the
    /// demo world's cadence is a choice of the simulation, declared here, not a rule of the registry.
    public func load(folder: String, reports: Bool = true, actor: Principal) async throws -> [ImportSummary] {
        var summaries: [ImportSummary] = []
        for kind in Self.files where reports || kind != .reports {
            let summary = try await Importer(database: database, logger: logger)
                .run(kind, path: folder + "/\(kind.rawValue).csv", options: .init(actor: actor))
            summaries.append(summary)
            if kind == .firms { try await declareQuarterlyReporting(actor: actor) }
        }
        return summaries
    }

    /// Non-key firms report quarterly, due 30 days after the quarter (audited); returns how many changed.
    @discardableResult
    public func declareQuarterlyReporting(actor: Principal) async throws -> Int {
        try await database.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE reporting_obligation o SET frequency = 'quarterly', due_days = 30
                  FROM firm f
                 WHERE f.id = o.firm_id AND NOT f.key_enterprise AND (o.frequency, o.due_days) <> ('quarterly', 30)
                RETURNING o.firm_id
                """, logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            if count > 0 {
                try await connection.audit(
                    AuditEntry(
                        actor: actor, action: "demo.reporting_obligation", entityType: "reporting_obligation",
                        after: "{\"frequency\": \"quarterly\", \"due_days\": 30, \"firms\": \(count)}"),
                    logger: logger)
            }
            return count
        }
    }
}
