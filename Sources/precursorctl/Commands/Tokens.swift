import ArgumentParser
import Foundation
import PrecursorCore
import PrecursorStore

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, list and revoke API tokens (only the SHA-256 of a secret is stored).",
        subcommands: [Issue.self, List.self, Revoke.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token and print its secret once.",
            discussion: "Enterprise tokens are bound to one firm (--firm MST) and see only that firm's data.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "enterprise, analyst, supervisor or admin.") var role: TokenStore.Role
        @Option(help: "The firm's tax code (enterprise tokens only).") var firm: String?
        @Option(help: "Who or what holds the token.") var name: String
        @Option(help: "Last day the token is valid (YYYY-MM-DD, Vietnam time).") var expires: String?
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            let expiry = try expires.map { text in
                do { return try CivilDate(iso: text) } catch { throw ValidationError("--expires: \(error)") }
            }
            let issued = try await database.withDatabase { db in
                try await TokenStore(database: db, logger: database.logger).issue(
                    role: role, firm: firm, name: name, expires: expiry, actor: .cliOperator, today: .today())
            }
            if format == .json {
                try Printer.json(issued)
                return
            }
            print(
                "token \(issued.token.id) issued to \(issued.token.name) (\(issued.token.role.rawValue)\(issued.token.firmTaxCode.map { ", firm \($0)" } ?? ""))"
            )
            print("secret (shown once, store it now): \(issued.secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let tokens = try await database.withDatabase { try await TokenStore(database: $0, logger: database.logger).list() }
            let iso = ISO8601DateFormatter()
            try Printer.listing(
                format, tokens, header: ["id", "prefix", "role", "firm", "name", "created", "expires", "revoked"],
                rows: tokens.map {
                    [
                        "\($0.id)", $0.prefix, $0.role.rawValue, $0.firmTaxCode ?? "", $0.name, iso.string(from: $0.createdAt),
                        $0.expiresAt.map(iso.string(from:)) ?? "", $0.revokedAt.map(iso.string(from:)) ?? "",
                    ]
                })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's id (from `token list`).") var id: Int64

        func run() async throws {
            let token = try await database.withDatabase {
                try await TokenStore(database: $0, logger: database.logger).revoke(id: id, actor: .cliOperator)
            }
            print("token \(token.id) (\(token.name)) revoked")
        }
    }
}

extension TokenStore.Role: ExpressibleByArgument {}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit log's hash chain; exit 1 naming the first row that was altered or removed.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.withDatabase { try await $0.rows("SELECT broken_id, problem, rows_checked FROM audit_verify()") }
            let (broken, problem, checked) = try rows[0].decode((Int64?, String?, Int64).self)
            if let broken {
                CLIFailure.fail("audit log broken at row \(broken): \(problem ?? "mismatch") (\(checked) rows checked)")
                throw CLIFailure.Problems()
            }
            print("audit log intact: \(checked) rows, hash chain verified")
        }
    }
}
