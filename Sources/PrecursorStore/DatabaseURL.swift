import Foundation
import NIOSSL
import PostgresNIO

/// A libpq-style connection URI (`postgres://user:pass@host:port/db?sslmode=…`, `?host=/socket/dir` for a unix
/// socket), so the same string works with psql and every other PostgreSQL tool.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String
    public var sslRootCert: String?
    public var applicationName: String?

    /// Whether `host` names a unix-socket folder rather than a network host.
    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket file for a unix-socket connection.
    public var socketPath: String { host + "/.s.PGSQL.\(port)" }

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
        sslMode: String = "prefer"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses a URI; names what is wrong otherwise.
    public init(_ text: String) throws(StoreError) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else {
            throw .configuration("DATABASE_URL must look like postgres://user:password@host:5432/database (got a value that is not such a URI)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set = ["host", "port", "user", "password", "dbname", "sslmode", "sslrootcert", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw .configuration("DATABASE_URL has the unsupported parameter '\(unknown)'; supported: \(known.sorted().joined(separator: ", "))")
        }
        host = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? "localhost"
        if let p = query["port"] ?? components.port.map(String.init) {
            guard let value = Int(p), (1...65535).contains(value) else {
                throw .configuration("DATABASE_URL port '\(p)' is not a number from 1 to 65535")
            }
            port = value
        } else {
            port = 5432
        }
        user = query["user"] ?? components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = query["password"] ?? components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = query["dbname"] ?? (path.isEmpty ? user : (path.removingPercentEncoding ?? path))
        sslMode = query["sslmode"] ?? "prefer"
        let modes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
        guard modes.contains(sslMode) else {
            throw .configuration("DATABASE_URL sslmode '\(sslMode)' is not one of \(modes.joined(separator: ", "))")
        }
        sslRootCert = query["sslrootcert"]
        applicationName = query["application_name"]
    }

    /// The URI, with the password hidden.
    public var description: String { render(hidingPassword: true) }

    /// The URI with the password, for handing to another PostgreSQL tool.
    public var uri: String { render(hidingPassword: false) }

    private func render(hidingPassword: Bool) -> String {
        let encode = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? s }
        let secret = password.map { ":" + (hidingPassword ? "***" : encode($0)) } ?? ""
        if isUnixSocket {
            return "postgres://\(encode(user))\(secret)@/\(database)?host=\(host)&port=\(port)"
        }
        return "postgres://\(encode(user))\(secret)@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    /// The same server, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// A PostgresNIO client configuration for this URI.
    public func clientConfiguration() throws(StoreError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if isUnixSocket {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable":
                tls = .disable
            case "allow", "prefer":
                var c = TLSConfiguration.makeClientConfiguration()
                c.certificateVerification = .none
                tls = .prefer(c)
            case "require":
                var c = TLSConfiguration.makeClientConfiguration()
                c.certificateVerification = .none
                tls = .require(c)
            default:
                var c = TLSConfiguration.makeClientConfiguration()
                c.certificateVerification = sslMode == "verify-full" ? .fullVerification : .noHostnameVerification
                if let root = sslRootCert { c.trustRoots = .file(root) }
                tls = .require(c)
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        if let name = applicationName {
            configuration.options.additionalStartupParameters = [("application_name", name)]
        }
        return configuration
    }
}
