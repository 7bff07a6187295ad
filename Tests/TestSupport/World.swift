import Foundation
import Logging
import PostgresNIO
import PrecursorCore
import PrecursorStore

/// A small registry for API tests: two firms, a licence with some drawdown, alerts on both firms, and tokens.
public struct SmallWorld: Sendable {
    public static let firmA = "0100233488"
    public static let firmB = "0314409058"

    public let url: DatabaseURL
    public let adminToken: String
    public let analystToken: String
    public let enterpriseAToken: String
    public let enterpriseBToken: String
    /// Alert ids: one on firm A, one on firm B.
    public let alertA: Int64
    public let alertB: Int64

    /// Builds the world in a fresh migrated database with the reference data loaded.
    public static func make(_ label: String) async throws -> SmallWorld {
        let url = try await TestDatabase.migrated(label)
        let logger = Logger(label: "test")
        return try await Database.with(url: url, logger: logger) { db in
            _ = try await ReferenceDataLoader(folder: TestDatabase.repositoryRoot + "/seeds", logger: logger).load(into: db, actor: .cliOperator)
            let (alertA, alertB): (Int64, Int64) = try await db.transaction { c in
                try await c.run(
                    """
                    INSERT INTO firm (tax_code, name, sector, province, key_enterprise) VALUES
                        ('0100233488', 'Công ty Dược phẩm Hà Nội', 'pharma_manufacturer', 'Hà Nội', true),
                        ('0314409058', 'Công ty Hóa chất Sài Gòn', 'chemical_distributor', 'Hồ Chí Minh', false)
                    """, logger: logger)
                try await c.run(
                    """
                    INSERT INTO reporting_obligation (firm_id, frequency, due_days)
                    SELECT id, CASE WHEN key_enterprise THEN 'monthly' ELSE 'annual' END, CASE WHEN key_enterprise THEN 15 ELSE 46 END FROM firm
                    """, logger: logger)
                try await c.run(
                    """
                    INSERT INTO licence (licence_no, firm_id, authority, activity, valid_from, valid_until, shipments_allowed)
                    SELECT '12/GP-HC', id, 'MOIT', 'import', '2026-01-01', '2026-06-30', 3 FROM firm WHERE tax_code = '0100233488'
                    """, logger: logger)
                try await c.run(
                    """
                    INSERT INTO licence_line (licence_id, firm_id, substance_id, concentration_pct, quantity_kg)
                    SELECT l.id, l.firm_id, s.id, 100, 1000 FROM licence l, substance s WHERE s.code = 'EPHEDRINE'
                    """, logger: logger)
                try await c.run(
                    """
                    INSERT INTO declaration_line (firm_id, declaration_no, line_no, declared_on, direction, customs_office_id, transport_mode,
                        country, hs_code, substance_id, quantity, unit, concentration_pct, kg_pure, licence_no, licence_id, value_usd)
                    SELECT l.firm_id, '105000000001', 1, '2026-03-12', 'import', o.id, 'air', 'IN', '29394100', s.id, 250, 'KGM', 100, 250,
                           l.licence_no, l.id, 50000
                      FROM licence l, customs_office o, substance s WHERE o.code = 'HAN_AIR' AND s.code = 'EPHEDRINE'
                    """, logger: logger)
                var ids: [Int64] = []
                for (taxCode, reason) in [("0100233488", "Nhập khẩu vượt hạn mức giấy phép"), ("0314409058", "Nhập khẩu không có giấy phép")] {
                    let rows = try await c.rows(
                        """
                        INSERT INTO alert (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key)
                        SELECT f.id, s.id, 'licence', 'licence_overdrawn', 'critical', 40,
                               jsonb_build_object('rule', 'licence_overdrawn', 'period', '2026-03', 'reason_vi', \(reason)::text,
                                                  'reason_en', 'declared kg exceed the licence', 'hot_route', true),
                               'k-' || f.tax_code
                          FROM firm f, substance s WHERE f.tax_code = \(taxCode) AND s.code = 'EPHEDRINE'
                        RETURNING id
                        """, logger: logger)
                    ids.append(try rows[0].decode(Int64.self))
                }
                return (ids[0], ids[1])
            }
            let tokens = TokenStore(database: db, logger: logger)
            let today = CivilDate.today()
            func issue(_ role: TokenStore.Role, _ firm: String?) async throws -> String {
                try await tokens.issue(role: role, firm: firm, name: "test-\(role.rawValue)", expires: nil, actor: .cliOperator, today: today).secret
            }
            return SmallWorld(
                url: url, adminToken: try await issue(.admin, nil), analystToken: try await issue(.analyst, nil),
                enterpriseAToken: try await issue(.enterprise, firmA), enterpriseBToken: try await issue(.enterprise, firmB),
                alertA: alertA, alertB: alertB)
        }
    }

    /// Starts a daemon on this world and waits until it serves.
    public func startDaemon() async throws -> DaemonProcess {
        let daemon = try DaemonProcess(environment: ["DATABASE_URL": url.uri])
        await daemon.waitForLog("precursord listening")
        return daemon
    }
}
