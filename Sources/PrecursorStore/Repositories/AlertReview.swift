import Foundation
import Logging
import PostgresNIO

/// What analysts do with alerts: list with filters, read one with its history, acknowledge, assign, escalate,
/// close with a disposition. Every action is recorded in `alert_action` and the audit log in one transaction.
public struct AlertReview: Sendable {
    /// An alert as an analyst sees it.
    public struct Alert: Sendable, Codable, Equatable {
        public let id: Int64
        public let firmTaxCode: String
        public let firmName: String
        public let substance: String?
        public let ruleFamily: String
        public let rule: String
        public let severity: String
        public let score: Double
        public let state: String
        public let disposition: String?
        public let assignedTo: String?
        public let firstRaisedAt: Date
        public let lastRaisedAt: Date
        public let raiseCount: Int
        /// The alert's JSON payload (observed, expected, threshold, records, reasons).
        public let payload: String
    }

    /// One recorded action.
    public struct Action: Sendable, Codable, Equatable {
        public let action: String
        public let disposition: String?
        public let assignedTo: String?
        public let note: String?
        public let actor: String
        public let at: Date
    }

    /// Filters for a listing; nil means any.
    public struct Filter: Sendable {
        public var state: String?
        public var rule: String?
        public var severity: String?
        public var firmTaxCode: String?
        public var substance: String?
        public var period: String?
        public var limit = 50
        public var offset = 0
        /// Restricts to one firm (enterprise callers).
        public var onlyFirmID: Int64?

        public init() {}
    }

    /// An action requested on an alert.
    public enum Request: Sendable, Equatable {
        case acknowledge(note: String?)
        case assign(to: String, note: String?)
        case escalate(note: String?)
        case close(disposition: String, note: String)
    }

    /// Why an action cannot be taken.
    public enum Problem: Error, Equatable, CustomStringConvertible, Sendable {
        case notFound(Int64)
        case closed(Int64)
        case invalid(field: String, reason: String)

        public var description: String {
            switch self {
            case .notFound(let id): "no alert with id \(id)"
            case .closed(let id): "alert \(id) is closed; a closed alert takes no further action"
            case .invalid(let field, let reason): "\(field): \(reason)"
            }
        }
    }

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        a.id, f.tax_code, f.name, s.code, a.rule_family, a.rule, a.severity, a.score::float8, a.state, a.disposition,
        a.assigned_to, a.first_raised_at, a.last_raised_at, a.raise_count, a.payload::text
        """

    /// Alerts matching the filter, most recently raised first.
    ///
    /// The default listings (every alert, or the alerts in one state) run as a prepared statement over a function
    /// whose plans suit every call, so PostgreSQL plans them once per connection. Other filters run as one-off
    /// statements, planned for their values (a single generic plan for the optional filters below would scan every
    /// alert).
    public func list(_ filter: Filter) async throws -> [Alert] {
        if Self.isDefaultPage(filter) {
            do {
                return try await collect(RecentPage(state: filter.state, limit: filter.limit, offset: filter.offset))
            } catch {
                throw StoreError.from(error)
            }
        }
        return try await database.rows(Self.filtered(filter, select: Self.columns)).map(Self.alert)
    }

    /// The listing as the body of `GET /v1/alerts`: `{"alerts":[…]}`, the alerts matching the filter, most recently
    /// raised first, each as `openapi.yaml`'s `Alert` (compact JSON, keys sorted, absent optionals left out).
    ///
    /// PostgreSQL joins the JSON that every alert keeps of itself (`alert.listing_json`, `sql/0018_alert_listing_json.sql`)
    /// in the statement that selects the page, so the answer is one text value, returned as received. The same
    /// statements as `list(_:)`: a prepared one for the default pages, one-off statements for other filters.
    public func listDocument(_ filter: Filter) async throws -> ByteBuffer {
        do {
            if Self.isDefaultPage(filter) {
                for try await document in try await database.client.execute(
                    RecentPageDocument(state: filter.state, limit: filter.limit, offset: filter.offset), logger: logger)
                {
                    return document
                }
                throw MissingColumn()
            }
            let rows = try await database.rows(
                Self.filtered(
                    filter, select: "a.listing_json, a.last_raised_at, a.id",
                    before: """
                        SELECT '{"alerts":[' || coalesce(string_agg(page.listing_json, ',' ORDER BY page.last_raised_at DESC, page.id DESC), '')
                               || ']}'
                          FROM (
                        """,
                    after: ") page"))
            guard let row = rows.first else { throw MissingColumn() }
            return try row.decode(ByteBuffer.self)
        } catch let error as MissingColumn {
            throw error
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Whether a listing is one of the default pages (every alert, or one state), served by a prepared statement.
    static func isDefaultPage(_ filter: Filter) -> Bool {
        filter.rule == nil && filter.severity == nil && filter.firmTaxCode == nil && filter.substance == nil
            && filter.period == nil && filter.onlyFirmID == nil
    }

    /// A page of the alerts matching any filter, selecting `select` (trusted SQL), optionally wrapped in a statement
    /// that reads the page as a subquery.
    static func filtered(_ filter: Filter, select: String, before: String = "", after: String = "") -> PostgresQuery {
        """
        \(unescaped: before)
        SELECT \(unescaped: select)
          FROM alert a JOIN firm f ON f.id = a.firm_id LEFT JOIN substance s ON s.id = a.substance_id
         WHERE (\(filter.state)::text IS NULL OR a.state = \(filter.state))
           AND (\(filter.rule)::text IS NULL OR a.rule = \(filter.rule))
           AND (\(filter.severity)::text IS NULL OR a.severity = \(filter.severity))
           AND (\(filter.firmTaxCode)::text IS NULL OR f.tax_code = \(filter.firmTaxCode))
           AND (\(filter.substance)::text IS NULL OR s.code = \(filter.substance))
           AND (\(filter.period)::text IS NULL OR a.payload->>'period' = \(filter.period))
           AND (\(filter.onlyFirmID)::bigint IS NULL OR a.firm_id = \(filter.onlyFirmID))
         ORDER BY a.last_raised_at DESC, a.id DESC
         LIMIT \(filter.limit) OFFSET \(filter.offset)
        \(unescaped: after)
        """
    }

    private func collect<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Alert]
    where Statement.Row == Alert {
        var alerts: [Alert] = []
        for try await alert in try await database.client.execute(statement, logger: logger) { alerts.append(alert) }
        return alerts
    }

    /// The binds of both default-page statements: state (nil for every state), page size, offset.
    static func pageBindings(state: String?, limit: Int, offset: Int) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(state)
        bindings.append(limit)
        bindings.append(offset)
        return bindings
    }

    /// A default page of the listing: every alert, or those in one state, most recently raised first. The SQL
    /// function (`sql/0014_api_perf.sql`) keeps one generic plan per connection that suits every page.
    struct RecentPage: PostgresPreparedStatement {
        static let sql = "SELECT * FROM alert_recent_page($1, $2, $3)"
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .int8]
        let state: String?
        let limit: Int
        let offset: Int

        func makeBindings() -> PostgresBindings { AlertReview.pageBindings(state: state, limit: limit, offset: offset) }

        func decodeRow(_ row: PostgresRow) throws -> Alert { try AlertReview.alert(row) }
    }

    /// A default page of the listing as the whole JSON document (`sql/0018_alert_listing_json.sql`), one row with
    /// one text column, kept as the bytes PostgreSQL sent.
    struct RecentPageDocument: PostgresPreparedStatement {
        static let sql = "SELECT alert_recent_page_json($1, $2, $3)"
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .int8]
        let state: String?
        let limit: Int
        let offset: Int

        func makeBindings() -> PostgresBindings { AlertReview.pageBindings(state: state, limit: limit, offset: offset) }

        func decodeRow(_ row: PostgresRow) throws -> ByteBuffer { try row.decode(ByteBuffer.self) }
    }

    /// One alert and its actions, or nil (also when `onlyFirmID` excludes it: callers must not learn it exists).
    public func get(_ id: Int64, onlyFirmID: Int64? = nil) async throws -> (Alert, [Action])? {
        let rows = try await database.rows(
            """
            SELECT \(unescaped: Self.columns)
              FROM alert a JOIN firm f ON f.id = a.firm_id LEFT JOIN substance s ON s.id = a.substance_id
             WHERE a.id = \(id) AND (\(onlyFirmID)::bigint IS NULL OR a.firm_id = \(onlyFirmID))
            """)
        guard let row = rows.first else { return nil }
        return (try Self.alert(row), try await actions(id))
    }

    func actions(_ id: Int64) async throws -> [Action] {
        try await database.rows(
            "SELECT action, disposition, assigned_to, note, actor, at FROM alert_action WHERE alert_id = \(id) ORDER BY at, id"
        ).map { row in
            let (action, disposition, assignedTo, note, actor, at) = try row.decode((String, String?, String?, String?, String, Date).self)
            return Action(action: action, disposition: disposition, assignedTo: assignedTo, note: note, actor: actor, at: at)
        }
    }

    /// Takes an action on an alert and returns it afterwards.
    public func act(_ id: Int64, _ request: Request, actor: Principal, requestID: String?) async throws -> (Alert, [Action]) {
        let (action, state, disposition, assignee, note): (String, String, String?, String?, String?)
        switch request {
        case .acknowledge(let n): (action, state, disposition, assignee, note) = ("acknowledge", "acknowledged", nil, nil, n)
        case .assign(let to, let n):
            let to = to.nfc.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !to.isEmpty else { throw Problem.invalid(field: "assignTo", reason: "name whom to assign the alert to") }
            (action, state, disposition, assignee, note) = ("assign", "assigned", nil, to, n)
        case .escalate(let n): (action, state, disposition, assignee, note) = ("escalate", "escalated", nil, nil, n)
        case .close(let d, let n):
            guard ["confirmed", "explained", "data_error"].contains(d) else {
                throw Problem.invalid(field: "disposition", reason: "'\(d)' is not one of confirmed, explained, data_error")
            }
            guard !n.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem.invalid(field: "note", reason: "closing an alert needs a note saying why")
            }
            (action, state, disposition, assignee, note) = ("close", "closed", d, nil, n)
        }
        let cleanNote = note?.nfc
        try await database.transaction { connection in
            let rows = try await connection.rows(
                "SELECT state, assigned_to, disposition, firm_id FROM alert WHERE id = \(id) FOR UPDATE", logger: logger)
            guard let row = rows.first else { throw Problem.notFound(id) }
            let (before, beforeAssignee, beforeDisposition, firmID) = try row.decode((String, String?, String?, Int64).self)
            if before == "closed" { throw Problem.closed(id) }
            try await connection.run(
                """
                UPDATE alert SET state = \(state), disposition = \(disposition),
                       assigned_to = coalesce(\(assignee), assigned_to),
                       closed_at = CASE WHEN \(state) = 'closed' THEN now() END
                 WHERE id = \(id)
                """, logger: logger)
            try await connection.run(
                """
                INSERT INTO alert_action (alert_id, firm_id, action, disposition, assigned_to, note, actor)
                VALUES (\(id), \(firmID), \(action), \(disposition), \(assignee), \(cleanNote), \(actor.name))
                """, logger: logger)
            let beforeJSON = try jsonText(["state": before, "assigned_to": beforeAssignee, "disposition": beforeDisposition])
            let afterJSON = try jsonText(["state": state, "assigned_to": assignee ?? beforeAssignee, "disposition": disposition, "note": cleanNote])
            try await connection.audit(
                AuditEntry(
                    actor: actor, action: "alert.\(action)", entityType: "alert", entityID: "\(id)", requestID: requestID,
                    before: beforeJSON, after: afterJSON),
                logger: logger)
        }
        guard let result = try await get(id) else { throw Problem.notFound(id) }
        return result
    }

    /// Maps a row of `columns` (or of `alert_recent_page`) to an alert. Cell by cell: the listing maps 50 rows a
    /// request, and decoding a 15-value tuple in one call cost three times as much.
    static func alert(_ row: PostgresRow) throws -> Alert {
        var cells = row.makeIterator()
        func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
            guard let cell = cells.next() else { throw MissingColumn() }
            return try cell.decode(T.self)
        }
        return Alert(
            id: try next(), firmTaxCode: try next(), firmName: try next(), substance: try next(), ruleFamily: try next(),
            rule: try next(), severity: try next(), score: try next(), state: try next(), disposition: try next(),
            assignedTo: try next(), firstRaisedAt: try next(), lastRaisedAt: try next(), raiseCount: try next(),
            payload: try next())
    }

    /// A row with fewer columns than an alert has (a query out of step with `columns`).
    struct MissingColumn: Error {}
}
