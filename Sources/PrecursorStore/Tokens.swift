import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import PrecursorCore

/// API tokens: random secrets with a recognisable prefix, shown once; only their SHA-256 is stored.
public struct TokenStore: Sendable {
    /// The roles a token can have.
    public enum Role: String, CaseIterable, Sendable, Codable {
        case enterprise, analyst, supervisor, admin
    }

    /// A token as listed (never its secret).
    public struct Token: Sendable, Codable, Equatable {
        public let id: Int64
        public let prefix: String
        public let role: Role
        public let firmTaxCode: String?
        public let name: String
        public let createdAt: Date
        public let createdBy: String
        public let expiresAt: Date?
        public let revokedAt: Date?
    }

    /// A token just issued, with its secret.
    public struct Issued: Sendable, Codable {
        public let token: Token
        public let secret: String
    }

    /// Who a valid token speaks for.
    public struct Bearer: Sendable, Equatable {
        public let tokenID: Int64
        public let name: String
        public let role: Role
        public let firmID: Int64?
        public let firmTaxCode: String?
        /// When the token stops being valid (nil: never), as stored when it was looked up.
        public let expiresAt: Date?

        /// The principal recorded in the audit log.
        public var principal: Principal { Principal(name: "token:\(tokenID):\(name)", role: role.rawValue) }
    }

    /// Why a token could not be issued or changed.
    public enum Problem: Error, Equatable, CustomStringConvertible, Sendable {
        case firmRequired
        case firmNotAllowed
        case unknownFirm(String)
        case badTaxCode(String)
        case expiryInThePast(String)
        case notFound(Int64)
        case alreadyRevoked(Int64)

        public var description: String {
            switch self {
            case .firmRequired: "an enterprise token is bound to one firm: give its tax code (--firm MST)"
            case .firmNotAllowed: "only enterprise tokens are bound to a firm; leave out the firm for this role"
            case .unknownFirm(let code): "no firm with tax code \(code) is registered"
            case .badTaxCode(let why): "firm: \(why)"
            case .expiryInThePast(let date): "expiry \(date) is in the past (a token is valid through the end of its expiry day, Vietnam time)"
            case .notFound(let id): "no token with id \(id)"
            case .alreadyRevoked(let id): "token \(id) is already revoked"
            }
        }
    }

    /// The prefix every secret starts with, so that a leaked one is recognisable (e.g. by secret scanners).
    public static let secretPrefix = "prk_"
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Issues a token; the secret is returned once and never stored.
    public func issue(
        role: Role, firm: String?, name: String, expires: CivilDate?, actor: Principal, requestID: String? = nil,
        today: CivilDate
    ) async throws -> Issued {
        let name = name.nfc.trimmingCharacters(in: .whitespacesAndNewlines)
        var taxCode: String?
        switch (role, firm) {
        case (.enterprise, nil): throw Problem.firmRequired
        case (.enterprise, let text?):
            do { taxCode = try TaxCode(text).value } catch { throw Problem.badTaxCode(error.description) }
        case (_, _?): throw Problem.firmNotAllowed
        case (_, nil): break
        }
        if let expires, expires < today { throw Problem.expiryInThePast(expires.description) }
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<40).map { _ in TokenStore.alphabet.randomElement(using: &generator)! })
        let secret = TokenStore.secretPrefix + body
        let prefix = TokenStore.secretPrefix + String(body.prefix(8))
        let hash = ByteBuffer(bytes: SHA256.hash(data: Data(secret.utf8)))
        let expiresText = expires?.description
        return try await database.transaction { connection in
            var firmID: Int64?
            if let taxCode {
                let rows = try await connection.rows("SELECT id FROM firm WHERE tax_code = \(taxCode)", logger: logger)
                guard let row = rows.first else { throw Problem.unknownFirm(taxCode) }
                firmID = try row.decode(Int64.self)
            }
            let rows = try await connection.rows(
                """
                INSERT INTO api_token (prefix, secret_sha256, role, firm_id, name, created_by, expires_at)
                VALUES (\(prefix), \(hash), \(role.rawValue), \(firmID), \(name), \(actor.name),
                        (\(expiresText)::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
                RETURNING id, created_at, expires_at
                """, logger: logger)
            let (id, createdAt, expiresAt) = try rows[0].decode((Int64, Date, Date?).self)
            let token = Token(
                id: id, prefix: prefix, role: role, firmTaxCode: taxCode, name: name, createdAt: createdAt,
                createdBy: actor.name, expiresAt: expiresAt, revokedAt: nil)
            try await connection.audit(
                AuditEntry(
                    actor: actor, action: "token.issue", entityType: "api_token", entityID: "\(id)", requestID: requestID,
                    after: try jsonText(token)),
                logger: logger)
            return Issued(token: token, secret: secret)
        }
    }

    /// Every token, newest first.
    public func list() async throws -> [Token] {
        try await database.rows(
            """
            SELECT t.id, t.prefix, t.role, f.tax_code, t.name, t.created_at, t.created_by, t.expires_at, t.revoked_at
              FROM api_token t LEFT JOIN firm f ON f.id = t.firm_id ORDER BY t.id DESC
            """
        ).map(Self.token)
    }

    /// Revokes a token at once; later requests with it get 401.
    public func revoke(id: Int64, actor: Principal, requestID: String? = nil) async throws -> Token {
        try await database.transaction { connection in
            let rows = try await connection.rows(
                """
                SELECT t.id, t.prefix, t.role, f.tax_code, t.name, t.created_at, t.created_by, t.expires_at, t.revoked_at
                  FROM api_token t LEFT JOIN firm f ON f.id = t.firm_id WHERE t.id = \(id) FOR UPDATE OF t
                """, logger: logger)
            guard let row = rows.first else { throw Problem.notFound(id) }
            let before = try Self.token(row)
            if before.revokedAt != nil { throw Problem.alreadyRevoked(id) }
            let updated = try await connection.rows(
                "UPDATE api_token SET revoked_at = now() WHERE id = \(id) RETURNING revoked_at", logger: logger)
            let after = Token(
                id: before.id, prefix: before.prefix, role: before.role, firmTaxCode: before.firmTaxCode, name: before.name,
                createdAt: before.createdAt, createdBy: before.createdBy, expiresAt: before.expiresAt,
                revokedAt: try updated[0].decode(Date.self))
            try await connection.audit(
                AuditEntry(
                    actor: actor, action: "token.revoke", entityType: "api_token", entityID: "\(id)", requestID: requestID,
                    before: try jsonText(before), after: try jsonText(after)),
                logger: logger)
            return after
        }
    }

    /// The bearer a presented secret speaks for, or nil when it is unknown, expired or revoked.
    /// The token is found by its non-secret prefix; the hashes are then compared in constant time. With a `cache`,
    /// a bearer found in the last `cache.ttl` is answered without asking the database (see `TokenCache`).
    public func authenticate(secret: String, cache: TokenCache? = nil) async throws -> Bearer? {
        guard secret.hasPrefix(TokenStore.secretPrefix), secret.utf8.count == TokenStore.secretPrefix.utf8.count + 40 else {
            return nil
        }
        let presented = [UInt8](SHA256.hash(data: Data(secret.utf8)))
        if let cache, let bearer = cache.bearer(forSHA256: presented) { return bearer }
        let prefix = String(secret.prefix(TokenStore.secretPrefix.count + 8))
        let rows: [BearerLookup.Row]
        do {
            rows = try await database.client.execute(BearerLookup(prefix: prefix), logger: logger).reduce(into: []) { $0.append($1) }
        } catch {
            throw StoreError.from(error)
        }
        for (id, name, role, firmID, taxCode, stored, expiresAt) in rows {
            if TokenStore.constantTimeEqual(Array(stored.readableBytesView), presented), let role = Role(rawValue: role) {
                let bearer = Bearer(tokenID: id, name: name, role: role, firmID: firmID, firmTaxCode: taxCode, expiresAt: expiresAt)
                cache?.remember(bearer, forSHA256: presented)
                return bearer
            }
        }
        return nil
    }

    /// The live tokens with a prefix; a prepared statement, since every API request runs it (unless cached).
    struct BearerLookup: PostgresPreparedStatement {
        static let sql = """
            SELECT t.id, t.name, t.role, t.firm_id, f.tax_code, t.secret_sha256, t.expires_at
              FROM api_token t LEFT JOIN firm f ON f.id = t.firm_id
             WHERE t.prefix = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            """
        typealias Row = (Int64, String, String, Int64?, String?, ByteBuffer, Date?)
        let prefix: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(prefix)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Compares two byte strings in time that depends only on their length.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static func token(_ row: PostgresRow) throws -> Token {
        let (id, prefix, role, taxCode, name, createdAt, createdBy, expiresAt, revokedAt) =
            try row.decode((Int64, String, String, String?, String, Date, String, Date?, Date?).self)
        return Token(
            id: id, prefix: prefix, role: Role(rawValue: role) ?? .analyst, firmTaxCode: taxCode, name: name,
            createdAt: createdAt, createdBy: createdBy, expiresAt: expiresAt, revokedAt: revokedAt)
    }
}

/// JSON text of a value, with stable key order, for audit entries.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder.sorted
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
