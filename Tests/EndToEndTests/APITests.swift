import Foundation
import Logging
import OpenAPIRuntime
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorAPI
@testable import PrecursorStore

/// The HTTP API over a real socket: authentication, roles, firm isolation, alert review, problem documents.
@Suite struct APITests {
    @Test func tokensAreRequiredAndCheckedAndProblemsAreProblemJSON() async throws {
        let world = try await SmallWorld.make("apiauth")
        // With the token cache off, revocation and expiry take effect at once (see the cache tests below for the TTL).
        let daemon = try DaemonProcess(environment: ["DATABASE_URL": world.url.uri, "PRECURSOR_TOKEN_CACHE_SECONDS": "0"])
        await daemon.waitForLog("precursord listening")

        let missing = try await daemon.request("GET", "/v1/me")
        #expect(missing.status == 401)
        #expect(missing.contentType.hasPrefix("application/problem+json"))
        #expect(missing.json["type"] as? String == "/problems/unauthorized")
        #expect((missing.json["detail"] as? String)?.contains("bearer") == true)

        let wrong = try await daemon.request("GET", "/v1/me", token: "prk_" + String(repeating: "x", count: 40))
        #expect(wrong.status == 401)
        let malformed = try await daemon.request("GET", "/v1/me", headers: ["Authorization": "Basic abc"])
        #expect(malformed.status == 401)

        // Revoked and expired tokens stop working at once (cache off).
        let revoked = try await daemon.request("GET", "/v1/me", token: world.analystToken)
        #expect(revoked.status == 200)
        try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            let tokens = TokenStore(database: db, logger: Logger(label: "test"))
            let analyst = try await tokens.list().first { $0.role == .analyst }!
            _ = try await tokens.revoke(id: analyst.id, actor: .cliOperator)
            _ = try await db.rows("UPDATE api_token SET expires_at = now() - interval '1 second' WHERE role = 'supervisor' OR name = 'test-admin'")
        }
        #expect(try await daemon.request("GET", "/v1/me", token: world.analystToken).status == 401)
        #expect(try await daemon.request("GET", "/v1/me", token: world.adminToken).status == 401)

        // Health and metrics need no token; the document is served.
        #expect(try await daemon.request("GET", "/health/live").status == 200)
        let document = try await daemon.request("GET", "/openapi.yaml")
        #expect(document.status == 200)
        #expect(document.body.contains("openapi: 3.1.0"))
        _ = await daemon.stop()
    }

    @Test func anEnterpriseSeesOnlyItsOwnFirm() async throws {
        let world = try await SmallWorld.make("apiisolation")
        // Firm B cites firm A's licence: that is B's finding (another firm's licence), not A's drawdown, and A's page
        // shows nothing of what B declared.
        try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            _ = try await db.rows(
                """
                INSERT INTO declaration_line (firm_id, declaration_no, line_no, declared_on, direction, customs_office_id, transport_mode,
                    country, hs_code, substance_id, quantity, unit, concentration_pct, kg_pure, licence_no, licence_id, value_usd)
                SELECT f.id, '105000000009', 1, '2026-03-13', 'import', d.customs_office_id, 'air', 'IN', '29394100', d.substance_id,
                       400, 'KGM', 100, 400, d.licence_no, d.licence_id, 80000
                  FROM firm f, declaration_line d WHERE f.tax_code = \(SmallWorld.firmB) AND d.declaration_no = '105000000001'
                """)
        }
        let daemon = try await world.startDaemon()
        let token = world.enterpriseAToken

        let me = try await daemon.request("GET", "/v1/me", token: token)
        #expect(me.status == 200, "\(me.body)")
        let firm = me.json["firm"] as? [String: Any]
        #expect(firm?["taxCode"] as? String == SmallWorld.firmA)
        #expect(firm?["name"] as? String == "Công ty Dược phẩm Hà Nội")
        let line = ((me.json["licences"] as? [[String: Any]])?.first?["lines"] as? [[String: Any]])?.first
        #expect(line?["grantedKg"] as? Double == 1000)
        #expect(line?["drawnKg"] as? Double == 250)
        #expect(line?["remainingKg"] as? Double == 750)
        #expect((me.json["licences"] as? [[String: Any]])?.first?["shipmentsUsed"] as? Int == 1)

        // Another firm, another firm's alert, its own alert: all 404, indistinguishable from absent.
        let other = try await daemon.request("GET", "/v1/firms/\(SmallWorld.firmB)", token: token)
        let absent = try await daemon.request("GET", "/v1/firms/0100109106", token: token)
        #expect(other.status == 404)
        #expect(absent.status == 404)
        #expect(other.body.replacingOccurrences(of: SmallWorld.firmB, with: "X") == absent.body.replacingOccurrences(of: "0100109106", with: "X"))
        #expect(try await daemon.request("GET", "/v1/alerts/\(world.alertB)", token: token).status == 404)
        #expect(try await daemon.request("GET", "/v1/alerts/\(world.alertA)", token: token).status == 404)
        let act = try await daemon.request("POST", "/v1/alerts/\(world.alertB)/actions", token: token, body: Data(#"{"action":"acknowledge"}"#.utf8))
        #expect(act.status == 404)
        #expect(try await daemon.request("GET", "/v1/alerts", token: token).status == 403)
        #expect(try await daemon.request("GET", "/v1/firms", token: token).status == 403)

        // Its own dossier, without the risk unit's alerts about it.
        let own = try await daemon.request("GET", "/v1/firms/\(SmallWorld.firmA)", token: token)
        #expect(own.status == 200)
        #expect((own.json["alerts"] as? [Any])?.isEmpty == true)
        #expect((own.json["monthlyVolumes"] as? [Any])?.count == 1)
        _ = await daemon.stop()
    }

    @Test func analystsReviewAlertsAndEveryActionIsAudited() async throws {
        let world = try await SmallWorld.make("apireview")
        let daemon = try await world.startDaemon()
        let token = world.analystToken

        let ranked = try await daemon.request("GET", "/v1/firms?flagged=true", token: token)
        #expect(ranked.status == 200)
        let firms = ranked.json["firms"] as? [[String: Any]] ?? []
        #expect(firms.count == 2)
        #expect(firms.first?["score"] as? Double == 50)  // 40 × 1.25 for the hot route
        #expect((firms.first?["reasons"] as? [String])?.first == "declared kg exceed the licence")

        let listed = try await daemon.request("GET", "/v1/alerts?firm=\(SmallWorld.firmB)&state=open", token: token)
        #expect((listed.json["alerts"] as? [[String: Any]])?.map { $0["id"] as? Int } == [Int(world.alertB)])

        let path = "/v1/alerts/\(world.alertB)/actions"
        let ack = try await daemon.request(
            "POST", path, token: token, headers: ["X-Request-ID": "req-ack-1"], body: Data(#"{"action":"acknowledge"}"#.utf8))
        #expect(ack.status == 200)
        #expect((ack.json["alert"] as? [String: Any])?["state"] as? String == "acknowledged")
        let assign = try await daemon.request("POST", path, token: token, body: Data(#"{"action":"assign","assignTo":"Nguyễn Văn An"}"#.utf8))
        #expect((assign.json["alert"] as? [String: Any])?["assignedTo"] as? String == "Nguyễn Văn An")
        let noNote = try await daemon.request("POST", path, token: token, body: Data(#"{"action":"close","disposition":"explained"}"#.utf8))
        #expect(noNote.status == 422)
        #expect((noNote.json["errors"] as? [[String: Any]])?.contains { $0["field"] as? String == "note" } == true)
        let close = try await daemon.request(
            "POST", path, token: token, body: Data(#"{"action":"close","disposition":"explained","note":"Giấy phép bổ sung đã cấp"}"#.utf8))
        #expect(close.status == 200)
        #expect((close.json["actions"] as? [Any])?.count == 3)
        let again = try await daemon.request("POST", path, token: token, body: Data(#"{"action":"escalate"}"#.utf8))
        #expect(again.status == 409)

        // The default listings (all alerts, one state) page newest first and see the actions at once.
        func ids(_ query: String) async throws -> [Int]? {
            let listed = try await daemon.request("GET", "/v1/alerts\(query)", token: token)
            #expect(listed.status == 200 && listed.contentType.hasPrefix("application/json"), "\(listed.body)")
            return (listed.json["alerts"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
        }
        let newestFirst = try #require(try await ids(""))
        #expect(Set(newestFirst) == [Int(world.alertA), Int(world.alertB)])
        #expect(try await ids("?limit=1&offset=1") == [newestFirst[1]])
        #expect(try await ids("?state=closed") == [Int(world.alertB)])
        #expect(try await ids("?state=open") == [Int(world.alertA)])
        #expect(try await daemon.request("GET", "/v1/alerts?state=shut", token: token).status == 400)
        #expect(try await daemon.request("GET", "/v1/alerts?limit=0", token: token).status == 400)
        #expect(try await daemon.request("GET", "/v1/alerts", token: world.enterpriseAToken).status == 403)
        #expect(try await daemon.request("GET", "/v1/alerts?limit=x", token: world.enterpriseAToken).status == 400)
        #expect(try await daemon.request("GET", "/v1/alerts", token: token, headers: ["Accept": "text/csv"]).status == 400)
        #expect(try await daemon.request("GET", "/v1/alerts", token: token, headers: ["Accept": "application/*"]).status == 200)
        #expect(try await daemon.request("GET", "/v1/alerts").status == 401)

        let audits = try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT action, request_id, actor FROM audit_log WHERE entity_type = 'alert' ORDER BY id")
        }
        let actions = try audits.map { try $0.decode((String, String?, String).self) }
        #expect(actions.map(\.0) == ["alert.acknowledge", "alert.assign", "alert.close"])
        #expect(actions.first?.1 == "req-ack-1")
        #expect(actions.allSatisfy { $0.2.hasPrefix("token:") })
        _ = await daemon.stop()
    }

    @Test func onlyAdminsIssueTokensAndBadRequestsAreExplained() async throws {
        let world = try await SmallWorld.make("apiadmin")
        let daemon = try await world.startDaemon()
        let body = Data(#"{"role":"enterprise","firm":"0314409058","name":"kế toán B"}"#.utf8)
        #expect(try await daemon.request("POST", "/v1/tokens", token: world.analystToken, body: body).status == 403)
        #expect(try await daemon.request("POST", "/v1/tokens", token: world.enterpriseAToken, body: body).status == 403)
        let issued = try await daemon.request("POST", "/v1/tokens", token: world.adminToken, body: body)
        #expect(issued.status == 201, "\(issued.body)")
        let secret = try #require(issued.json["secret"] as? String)
        #expect(secret.hasPrefix("prk_"))
        let me = try await daemon.request("GET", "/v1/me", token: secret)
        #expect((me.json["firm"] as? [String: Any])?["taxCode"] as? String == SmallWorld.firmB)
        let stored = try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT count(*) FROM api_token WHERE encode(secret_sha256, 'hex') = encode(sha256(\(secret)::bytea), 'hex')")
        }
        #expect(try stored[0].decode(Int.self) == 1)

        let badFirm = try await daemon.request(
            "POST", "/v1/tokens", token: world.adminToken, body: Data(#"{"role":"enterprise","firm":"0100233489","name":"x"}"#.utf8))
        #expect(badFirm.status == 422)
        #expect(badFirm.body.contains("check digit"))
        let badQuery = try await daemon.request("GET", "/v1/alerts?limit=many", token: world.analystToken)
        #expect(badQuery.status == 400)
        #expect(badQuery.contentType.hasPrefix("application/problem+json"))
        let tooLarge = try await daemon.request(
            "POST", "/v1/tokens", token: world.adminToken, body: Data(repeating: 0x20, count: 5 << 20))
        #expect(tooLarge.status == 413)
        _ = await daemon.stop()
    }

    @Test func theCLITalksToTheDaemonWithItsToken() async throws {
        let world = try await SmallWorld.make("apicli")
        let daemon = try await world.startDaemon()
        let analyst = ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.analystToken]
        let list = try await runCommand(["alerts", "list", "--format", "csv"], environment: analyst)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("id,firm,substance,rule,severity,score,state,last_raised"))
        #expect(list.stdout.contains(SmallWorld.firmA))
        let close = try await runCommand(
            ["alerts", "close", "\(world.alertA)", "--disposition", "confirmed", "--note", "Đã xác minh"], environment: analyst)
        #expect(close.status == 0, "\(close.stderr)")
        #expect(close.stdout.contains("closed"))

        let me = try await runCommand(
            ["me", "--format", "csv"], environment: ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.enterpriseAToken])
        #expect(me.status == 0, "\(me.stderr)")
        #expect(me.stdout.contains("12/GP-HC,import,2026-01-01,2026-06-30,active,EPHEDRINE,1000,250,750"))
        let denied = try await runCommand(
            ["alerts", "list"], environment: ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.enterpriseAToken])
        #expect(denied.status == 4)
        let noDaemon = try await runCommand(["me"], environment: ["PRECURSOR_URL": "http://127.0.0.1:1", "PRECURSOR_TOKEN": world.analystToken])
        #expect(noDaemon.status == 3)

        // The rest of the review workflow and the dossier, as an analyst types them.
        let b = "\(world.alertB)"
        let ack = try await runCommand(["alerts", "ack", b], environment: analyst)
        #expect(ack.stdout.contains("alert \(b): acknowledged"), "\(ack.stderr)")
        let assign = try await runCommand(["alerts", "assign", b, "--to", "Lê Thu Hà"], environment: analyst)
        #expect(assign.stdout.contains("assigned to Lê Thu Hà"), "\(assign.stderr)")
        let escalate = try await runCommand(["alerts", "escalate", b], environment: analyst)
        #expect(escalate.stdout.contains("escalated"))
        let show = try await runCommand(["alerts", "show", b], environment: analyst)
        #expect(show.status == 0)
        #expect(show.stdout.contains("\"assign\""))
        let firms = try await runCommand(["firms", "list", "--flagged", "--format", "csv"], environment: analyst)
        // Firm A's only alert was closed above, so only firm B is still flagged.
        #expect(firms.stdout.split(separator: "\n").count == 2, "\(firms.stdout)")
        #expect(firms.stdout.contains(SmallWorld.firmB) && !firms.stdout.contains(SmallWorld.firmA))
        let dossier = try await runCommand(["firms", "show", SmallWorld.firmA], environment: analyst)
        #expect(dossier.status == 0, "\(dossier.stderr)")
        #expect(dossier.stdout.contains("12/GP-HC"))
        #expect(dossier.stdout.contains("2026-03"))
        let due = try await runCommand(
            ["report", "due", "--format", "csv"], environment: ["PRECURSOR_URL": daemon.baseURL, "PRECURSOR_TOKEN": world.enterpriseAToken])
        #expect(due.status == 0, "\(due.stderr)")
        #expect(due.stdout.hasPrefix("period,due_on,status,versions"))
        #expect(due.stdout.contains(",late,0") || due.stdout.contains(",due,0"))
        _ = await daemon.stop()
    }

    @Test func adminTokenAndAuditCommands() async throws {
        let world = try await SmallWorld.make("apitokencli")
        let env = ["DATABASE_URL": world.url.uri]
        let issued = try await runCommand(
            ["admin", "token", "issue", "--role", "analyst", "--name", "Trần Thị Bình", "--format", "json"], environment: env)
        #expect(issued.status == 0, "\(issued.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any]
        let id = try #require((object?["token"] as? [String: Any])?["id"] as? Int)
        let list = try await runCommand(["admin", "token", "list", "--format", "csv"], environment: env)
        #expect(list.stdout.contains("Trần Thị Bình"))
        #expect(!list.stdout.contains(object?["secret"] as? String ?? "-"))
        #expect(try await runCommand(["admin", "token", "revoke", "\(id)"], environment: env).status == 0)
        #expect(try await runCommand(["admin", "token", "revoke", "\(id)"], environment: env).status == 1)
        let noFirm = try await runCommand(["admin", "token", "issue", "--role", "enterprise", "--name", "x"], environment: env)
        #expect(noFirm.status == 2)
        #expect(noFirm.stderr.contains("--firm"))

        let intact = try await runCommand(["admin", "audit", "verify"], environment: env)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("intact"))
        let victim = try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            try await db.transaction { c -> Int64 in
                try await c.run("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", logger: Logger(label: "test"))
                let rows = try await c.rows(
                    "UPDATE audit_log SET actor = 'someone-else' WHERE action = 'token.revoke' RETURNING id", logger: Logger(label: "test"))
                try await c.run("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only", logger: Logger(label: "test"))
                return try rows[0].decode(Int64.self)
            }
        }
        let broken = try await runCommand(["admin", "audit", "verify"], environment: env)
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("row \(victim)"))
    }
}

/// The token cache: a revoked token is refused once the TTL has passed; time is moved, never slept.
@Suite struct TokenCacheTests {
    /// A clock the test moves by hand.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date()
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    @Test func aRevokedTokenIsRefusedOnceTheTTLHasPassed() async throws {
        let world = try await SmallWorld.make("apitokencache")
        let clock = TestClock()
        let cache = TokenCache(ttl: .seconds(5), now: { clock.now })
        let logger = Logger(label: "test")
        try await Database.with(url: world.url, logger: logger) { db in
            let tokens = TokenStore(database: db, logger: logger)
            let bearer = try #require(try await tokens.authenticate(secret: world.analystToken, cache: cache))
            _ = try await tokens.revoke(id: bearer.tokenID, actor: .cliOperator)
            #expect(try await tokens.authenticate(secret: world.analystToken) == nil)

            // Within the TTL the remembered bearer is still answered: that is the documented bound on staleness.
            clock.advance(4.9)
            #expect(try await tokens.authenticate(secret: world.analystToken, cache: cache) == bearer)
            clock.advance(0.1)
            #expect(try await tokens.authenticate(secret: world.analystToken, cache: cache) == nil)
            clock.advance(60)
            #expect(try await tokens.authenticate(secret: world.analystToken, cache: cache) == nil)

            // With a TTL of zero nothing is remembered.
            let off = TokenCache(ttl: .zero, now: { clock.now })
            let admin = try #require(try await tokens.authenticate(secret: world.adminToken, cache: off))
            _ = try await tokens.revoke(id: admin.tokenID, actor: .cliOperator)
            #expect(try await tokens.authenticate(secret: world.adminToken, cache: off) == nil)

            // An unknown secret is never remembered: a token issued afterwards works at once.
            #expect(try await tokens.authenticate(secret: "prk_" + String(repeating: "y", count: 40), cache: cache) == nil)
            #expect(try await tokens.authenticate(secret: world.enterpriseAToken, cache: cache)?.firmTaxCode == SmallWorld.firmA)
        }
    }

    @Test func entriesNeverOutliveTheTTLTheTokenExpiryOrABackwardClock() {
        let clock = TestClock()
        let cache = TokenCache(ttl: .seconds(5), capacity: 2, now: { clock.now })
        let digest: [UInt8] = Array(repeating: 7, count: 32)
        let expiring = TokenStore.Bearer(
            tokenID: 1, name: "n", role: .enterprise, firmID: 3, firmTaxCode: SmallWorld.firmA, expiresAt: clock.now + 2)
        cache.remember(expiring, forSHA256: digest)
        #expect(cache.bearer(forSHA256: digest) == expiring)
        clock.advance(2)
        #expect(cache.bearer(forSHA256: digest) == nil, "the token's own expiry applies to the remembered bearer")

        let lasting = TokenStore.Bearer(tokenID: 2, name: "n", role: .analyst, firmID: nil, firmTaxCode: nil, expiresAt: nil)
        cache.remember(lasting, forSHA256: digest)
        clock.advance(-1)
        #expect(cache.bearer(forSHA256: digest) == nil, "a clock that went backwards invalidates the entry")

        // Full: expired entries make room, and a full cache of live entries is emptied rather than grown.
        for index in 0..<5 { cache.remember(lasting, forSHA256: [UInt8(index)]) }
        #expect(cache.bearer(forSHA256: [4]) == lasting)
        #expect((0..<5).filter { cache.bearer(forSHA256: [UInt8($0)]) != nil }.count <= 2)
    }
}

@Suite struct RuleThresholdAPITests {
    @Test func supervisorsChangeThresholdsAndTheChangeIsAudited() async throws {
        let world = try await SmallWorld.make("apirules")
        try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            _ = try await db.rows(
                "INSERT INTO rule_config (rule, key, value, description) VALUES ('licence_overdrawn', 'warn_ratio', 0.9, 'share of the granted kg that raises a warning')"
            )
        }
        let daemon = try await world.startDaemon()
        #expect(try await daemon.request("GET", "/v1/rules", token: world.analystToken).status == 403)
        let body = Data(#"{"value": 0.85}"#.utf8)
        #expect(try await daemon.request("PUT", "/v1/rules/licence_overdrawn/warn_ratio", token: world.analystToken, body: body).status == 403)
        let changed = try await daemon.request("PUT", "/v1/rules/licence_overdrawn/warn_ratio", token: world.adminToken, body: body)
        #expect(changed.status == 200, "\(changed.body)")
        #expect(changed.json["value"] as? Double == 0.85)
        #expect(try await daemon.request("PUT", "/v1/rules/no_such_rule/x", token: world.adminToken, body: body).status == 404)
        let listed = try await daemon.request("GET", "/v1/rules", token: world.adminToken)
        let rules = listed.json["rules"] as? [[String: Any]] ?? []
        #expect(rules.first { $0["key"] as? String == "warn_ratio" }?["value"] as? Double == 0.85)
        #expect(rules.contains { $0["rule"] as? String == "report_mismatch" && $0["key"] as? String == "tolerance_pct" })
        let audit = try await Database.with(url: world.url, logger: Logger(label: "test")) { db in
            try await db.rows("SELECT before::text, after::text FROM audit_log WHERE action = 'rule_config.set'")
        }
        #expect(try audit.map { try $0.decode((String, String).self) }.first.map { $0.0.contains("0.9") && $0.1.contains("0.85") } == true)
        _ = await daemon.stop()
    }
}
