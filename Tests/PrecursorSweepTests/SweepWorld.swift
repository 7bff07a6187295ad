import Foundation
import Logging
import PostgresNIO
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import TestSupport

/// A small world for sweep tests, loaded through the real importers: three firms (A a key enterprise reporting
/// monthly, B and C annual), files written to a scratch folder, sweeps run as of a date.
struct SweepWorld {
    static let firmA = "0100233488"
    static let firmB = "0314409058"
    static let firmC = "0100233505"

    let url: DatabaseURL
    let folder: String
    let logger = Logger(label: "test")

    static let declarationsHeader =
        "declaration_no,line_no,declared_on,direction,tax_code,customs_office,transport_mode,country,hs_code,substance,quantity,unit,concentration_pct,licence_no,value_usd"
    static let licencesHeader = "licence_no,tax_code,authority,activity,substance,concentration_pct,quantity_kg,valid_from,valid_until,status"
    static let reportsHeader =
        "tax_code,period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note"

    static func make(_ label: String, url existing: DatabaseURL? = nil) async throws -> SweepWorld {
        let url: DatabaseURL
        if let existing { url = existing } else { url = try await TestDatabase.migrated(label) }
        let folder = NSTemporaryDirectory() + "precursor-sweep-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let world = SweepWorld(url: url, folder: folder)
        if existing == nil {
            try await Database.with(url: url, logger: world.logger) { db in
                _ = try await ReferenceDataLoader(folder: TestDatabase.repositoryRoot + "/seeds", logger: world.logger)
                    .load(into: db, actor: .cliOperator)
            }
            try await world.load(
                .firms,
                """
                tax_code,name,sector,province,registered_on,status,key_enterprise
                \(firmA),Công ty Hóa chất Đông Á,chemical_distributor,Hà Nội,2015-04-01,active,true
                \(firmB),Công ty Dược phẩm Sài Gòn,pharma_distributor,Hồ Chí Minh,2016-01-01,active,false
                \(firmC),Dược phẩm Miền Nam,pharma_manufacturer,Hồ Chí Minh,2017-01-01,active,false
                """)
        }
        return world
    }

    /// Imports `body` as a file of `kind` through the importer; fails the test on any reject.
    @discardableResult
    func load(_ kind: ImportKind, _ body: String) async throws -> ImportSummary {
        let path = folder + "/\(kind.rawValue)-\(UUID().uuidString.prefix(8)).csv"
        try Data((body + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let summary = try await Database.with(url: url, logger: logger) { db in
            try await Importer(database: db, logger: logger).run(kind, path: path, options: .init(actor: .cliOperator))
        }
        if summary.rowsRejected > 0 {
            let rejects = (try? String(contentsOfFile: path + ".rejects.csv", encoding: .utf8)) ?? "?"
            throw StoreError.configuration("rejected rows in \(kind) file:\n\(rejects)")
        }
        return summary
    }

    func declarations(_ lines: [String]) async throws {
        try await load(.declarations, ([Self.declarationsHeader] + lines).joined(separator: "\n"))
    }

    func licences(_ lines: [String]) async throws {
        try await load(.licences, ([Self.licencesHeader] + lines).joined(separator: "\n"))
    }

    func reports(_ lines: [String]) async throws {
        try await load(.reports, ([Self.reportsHeader] + lines).joined(separator: "\n"))
    }

    /// Runs a sweep as of `asOf`.
    @discardableResult
    func sweep(_ asOf: String, full: Bool = true, connections: Int = 4) async throws -> SweepReport {
        try await Database.with(url: url, logger: logger, maximumConnections: connections) { db in
            let request = SweepRunner.Request(
                kind: .manual, scope: full ? .full : .incremental, asOf: try CivilDate(iso: asOf), actor: .cliOperator)
            return try await SweepRunner(database: db, logger: logger).run(request)!
        }
    }

    /// Strings from a query.
    func strings(_ sql: String) async throws -> [[String]] {
        try await Database.with(url: url, logger: logger) { db in
            try await db.rows(PostgresQuery(unsafeSQL: sql)).map { row in
                try row.makeRandomAccess().map { try $0.decode(String?.self) ?? "" }
            }
        }
    }

    func run(_ sql: String) async throws {
        _ = try await strings(sql)
    }

    /// Sets `rule_config` sweep.month_scan_pairs: from how many scoped pairs an incremental sweep reads a month's lines
    /// whole (1: every scoped month; the default 1,000: none in these small worlds, every pair-month is probed).
    /// Fails when the key is not seeded (the sweep would then silently run with the default).
    func monthScanPairs(_ pairs: Double) async throws {
        let updated = try await strings(
            "UPDATE rule_config SET value = \(pairs) WHERE rule = 'sweep' AND key = 'month_scan_pairs' RETURNING key")
        guard updated.count == 1 else { throw StoreError.configuration("rule_config holds no sweep.month_scan_pairs") }
    }

    /// The findings of the last sweep: rule, kind, tax code, substance code, period, evidence.
    func lastFindings(_ rule: SweepRule? = nil) async throws -> [Row] {
        try await strings(
            """
            SELECT x.rule, x.evidence->>'kind', f.tax_code, coalesce(s.code, ''), x.period, x.score::text, x.severity,
                   x.evidence->>'reason_en', x.evidence->>'reason_vi', x.evidence::text
              FROM finding x JOIN firm f ON f.id = x.firm_id LEFT JOIN substance s ON s.id = x.substance_id
             WHERE x.sweep_run_id = (SELECT max(id) FROM sweep_run WHERE status = 'succeeded')
               \(rule.map { "AND x.rule = '\($0.rawValue)'" } ?? "")
             ORDER BY x.rule, f.tax_code, s.code, x.period, x.evidence->>'kind'
            """
        ).map(Row.init)
    }

    /// Open alerts: tax code, substance, family, rule, severity, score, raise count.
    func openAlerts() async throws -> [[String]] {
        try await strings(
            """
            SELECT f.tax_code, coalesce(s.code, ''), a.rule_family, a.rule, a.severity, a.score::text, a.raise_count::text
              FROM alert a JOIN firm f ON f.id = a.firm_id LEFT JOIN substance s ON s.id = a.substance_id
             WHERE a.state <> 'closed' ORDER BY 1, 2, 3
            """)
    }

    struct Row: CustomStringConvertible {
        let rule, kind, taxCode, substance, period, score, severity, reasonEN, reasonVI, evidence: String
        init(_ c: [String]) {
            (rule, kind, taxCode, substance, period, score, severity) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6])
            (reasonEN, reasonVI, evidence) = (c[7], c[8], c[9])
        }
        var description: String { "\(rule)/\(kind) \(taxCode) \(substance) \(period) score \(score): \(reasonEN)" }
    }
}
