import ArgumentParser
import Foundation
import PrecursorClient

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Review alerts: list, show, acknowledge, assign, escalate, close.",
        subcommands: [List.self, Show.self, Ack.self, Assign.self, Escalate.self, Close.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Alerts, most recently raised first.")
        @OptionGroup var server: ServerOptions
        @Option(help: "open, acknowledged, assigned, escalated or closed.") var state: String?
        @Option(help: "Rule id, e.g. licence_overdrawn.") var rule: String?
        @Option(help: "info, low, medium, high or critical.") var severity: String?
        @Option(help: "Firm tax code.") var firm: String?
        @Option(help: "Substance code.") var substance: String?
        @Option(help: "Period, e.g. 2026-07.") var period: String?
        @Option(help: "How many (1-500).") var limit = 50
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func validate() throws {
            if let state, Components.Schemas.AlertState(rawValue: state) == nil { throw ValidationError("--state: '\(state)' is not a state") }
            if let severity, Components.Schemas.Severity(rawValue: severity) == nil {
                throw ValidationError("--severity: '\(severity)' is not a severity")
            }
        }

        func run() async throws {
            let client = try server.client()
            let query = Operations.ListAlerts.Input.Query(
                state: state.flatMap(Components.Schemas.AlertState.init(rawValue:)), rule: rule,
                severity: severity.flatMap(Components.Schemas.Severity.init(rawValue:)), firm: firm, substance: substance,
                period: period, limit: limit)
            let alerts = try await UserFailure.calling {
                switch try await client.listAlerts(query: query) {
                case .ok(let ok): return try ok.body.json.alerts
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            try Printer.listing(
                format, alerts, header: ["id", "firm", "substance", "rule", "severity", "score", "state", "last_raised"],
                rows: alerts.map {
                    [
                        "\($0.id)", $0.firm, $0.substance ?? "", $0.rule, $0.severity.rawValue, Printer.number($0.score), $0.state.rawValue,
                        ISO8601DateFormatter().string(from: $0.lastRaisedAt),
                    ]
                })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One alert with its payload and history.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Alert id.") var id: Int64

        func run() async throws {
            let client = try server.client()
            let detail = try await UserFailure.calling {
                switch try await client.getAlert(path: .init(id: id)) {
                case .ok(let ok): return try ok.body.json
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            try Printer.json(detail)
        }
    }

    /// Sends one action and prints the alert's new state.
    static func act(_ server: ServerOptions, _ id: Int64, _ body: Components.Schemas.AlertActionRequest) async throws {
        let client = try server.client()
        let detail = try await UserFailure.calling {
            switch try await client.actOnAlert(path: .init(id: id), body: .json(body)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
            }
        }
        print(
            "alert \(detail.alert.id): \(detail.alert.state.rawValue)\(detail.alert.assignedTo.map { ", assigned to \($0)" } ?? "")\(detail.alert.disposition.map { ", \($0.rawValue)" } ?? "")"
        )
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge an alert.")
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        @Option(help: "A note.") var note: String?
        func run() async throws { try await Alerts.act(server, id, .init(action: .acknowledge, note: note)) }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign an alert to an analyst.")
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        @Option(help: "Whom to assign it to.") var to: String
        @Option(help: "A note.") var note: String?
        func run() async throws { try await Alerts.act(server, id, .init(action: .assign, assignTo: to, note: note)) }
    }

    struct Escalate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Escalate an alert.")
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        @Option(help: "A note.") var note: String?
        func run() async throws { try await Alerts.act(server, id, .init(action: .escalate, note: note)) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an alert with a disposition and a note.")
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        @Option(help: "confirmed, explained or data_error.") var disposition: String
        @Option(help: "Why.") var note: String

        func validate() throws {
            guard Components.Schemas.Disposition(rawValue: disposition) != nil else {
                throw ValidationError("--disposition must be confirmed, explained or data_error")
            }
        }

        func run() async throws {
            try await Alerts.act(server, id, .init(action: .close, disposition: .init(rawValue: disposition), note: note))
        }
    }
}
