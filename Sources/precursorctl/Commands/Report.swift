import ArgumentParser
import Crypto
import Foundation
import OpenAPIRuntime
import PrecursorClient

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your firm's periodic stock and movement reports (enterprise token).",
        discussion:
            "Columns: period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note",
        subcommands: [Template.self, Submit.self, Amend.self, List.self, Due.self])

    struct Template: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a CSV to fill in: your licensed substances, opening stock pre-filled.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Period: 2026, 2026-Q3 or 2026-07 (default: the last period due).") var period: String?

        func run() async throws {
            let client = try server.client()
            let body = try await UserFailure.calling {
                switch try await client.getReportTemplate(query: .init(period: period)) {
                case .ok(let ok): return try ok.body.csv
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            print(try await String(collecting: body, upTo: 16 << 20), terminator: "")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a report (first version); every problem is listed by line, nothing is stored unless all lines are valid.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The CSV file, or - for standard input.") var file: String
        @Option(help: "Idempotency key (default: derived from the file's content, so a retry is stored once).") var idempotencyKey: String?
        func run() async throws { try await Report.send(server, file, idempotencyKey, amend: false) }
    }

    struct Amend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Amend submitted reports: each changed line becomes a new version that supersedes, never overwrites.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The CSV file, or - for standard input.") var file: String
        @Option(help: "Idempotency key (default: derived from the file's content).") var idempotencyKey: String?
        func run() async throws { try await Report.send(server, file, idempotencyKey, amend: true) }
    }

    static func send(_ server: ServerOptions, _ file: String, _ key: String?, amend: Bool) async throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw UserFailure(code: 2, message: "\(file): cannot be read")
            }
            data = contents
        }
        let idempotency = key ?? "sha256-" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let client = try server.client()
        let submission = try await UserFailure.calling {
            if amend {
                switch try await client.amendReport(headers: .init(idempotencyKey: idempotency), body: .csv(HTTPBody(data))) {
                case .created(let created): return try created.body.json
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            switch try await client.submitReport(headers: .init(idempotencyKey: idempotency), body: .csv(HTTPBody(data))) {
            case .created(let created): return try created.body.json
            case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
            }
        }
        for warning in submission.warnings {
            CLIFailure.fail("warning: line \(warning.line ?? 0), \(warning.field): \(warning.reason)")
        }
        print(
            "\(submission.replayed ? "already received (same idempotency key): " : "")\(submission.lines) line(s): \(submission.stored) stored, \(submission.unchanged) unchanged (import \(submission.importId))"
        )
        Printer.table(
            ["period", "facility", "substance", "version", "closing_kg"],
            submission.versions.map { [$0.period, $0.facility ?? "", $0.substance, "\($0.version)", Printer.number($0.closingKg)] })
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your report versions, newest period first.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let client = try server.client()
            let reports = try await UserFailure.calling {
                switch try await client.listReports() {
                case .ok(let ok): return try ok.body.json.reports
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            try Printer.listing(
                format, reports, header: ["id", "period", "facility", "substance", "version", "closing_kg", "submitted_at", "submitted_by"],
                rows: reports.map {
                    [
                        "\($0.id)", $0.period, $0.facility ?? "", $0.substance, "\($0.version)", Printer.number($0.closingKg),
                        ISO8601DateFormatter().string(from: $0.submittedAt), $0.submittedBy,
                    ]
                })
        }
    }

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which periods are due, late or submitted under your reporting obligation.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let client = try server.client()
            let due = try await UserFailure.calling {
                switch try await client.getReportsDue() {
                case .ok(let ok): return try ok.body.json
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            if format == .table { print("reporting \(due.frequency), due \(due.dueDays) days after each period ends") }
            try Printer.listing(
                format, due, header: ["period", "due_on", "status", "versions"],
                rows: due.periods.map { [$0.period, $0.dueOn, $0.status.rawValue, "\($0.submittedVersions)"] })
        }
    }
}
