import ArgumentParser
import Foundation
import PrecursorClient

struct Me: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who the token speaks for; for an enterprise, its firm and licences with granted, drawn and remaining kg.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

    func run() async throws {
        let client = try server.client()
        let me: Components.Schemas.Me = try await UserFailure.calling {
            switch try await client.getMe() {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
            }
        }
        if format == .json { return try Printer.json(me) }
        if format == .table {
            print("\(me.name) (\(me.role.rawValue))")
            if let firm = me.firm { print("firm: \(firm.taxCode)  \(firm.name)  \(firm.sector), \(firm.province)") }
        }
        let rows = (me.licences ?? []).flatMap { licence in
            licence.lines.map {
                [
                    licence.licenceNo, licence.activity, licence.validFrom, licence.validUntil, licence.status, $0.substance,
                    Printer.number($0.grantedKg), Printer.number($0.drawnKg), Printer.number($0.remainingKg),
                ]
            }
        }
        let header = ["licence", "activity", "from", "until", "status", "substance", "granted_kg", "drawn_kg", "remaining_kg"]
        format == .csv ? Printer.csv(header, rows) : Printer.table(header, rows)
    }
}

struct Firms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Firms for analysts: ranked by risk, and a firm's dossier.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Firms ranked by risk with their top reasons.")
        @OptionGroup var server: ServerOptions
        @Flag(help: "Only firms with open alerts.") var flagged = false
        @Option(help: "How many (1-500).") var limit = 50
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let client = try server.client()
            let firms = try await UserFailure.calling {
                switch try await client.listFirms(query: .init(flagged: flagged, limit: limit)) {
                case .ok(let ok): return try ok.body.json.firms
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            try Printer.listing(
                format, firms, header: ["tax_code", "name", "score", "open_alerts", "reasons"],
                rows: firms.map { [$0.taxCode, $0.name, Printer.number($0.score), "\($0.openAlerts)", $0.reasons.joined(separator: "; ")] })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A firm's dossier: facilities, licences and drawdown, volumes, reports, alerts.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The firm's tax code (MST).") var taxCode: String
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            let client = try server.client()
            let dossier = try await UserFailure.calling {
                switch try await client.getFirm(path: .init(taxCode: taxCode)) {
                case .ok(let ok): return try ok.body.json
                case .default(let status, let problem): throw UserFailure.problem(status, problem.document)
                }
            }
            if format != .table { return try Printer.json(dossier) }
            let firm = dossier.firm
            print("\(firm.taxCode)  \(firm.name)\n  \(firm.sector), \(firm.province), \(firm.status)\(firm.keyEnterprise ? ", key enterprise" : "")")
            print("\nFacilities")
            Printer.table(
                ["code", "kind", "name", "zone", "province"], dossier.facilities.map { [$0.code, $0.kind, $0.name, $0.zone ?? "", $0.province] })
            print("\nLicences")
            Printer.table(
                ["licence", "activity", "until", "status", "substance", "granted_kg", "drawn_kg", "remaining_kg"],
                dossier.licences.flatMap { l in
                    l.lines.map {
                        [
                            l.licenceNo, l.activity, l.validUntil, l.status, $0.substance, Printer.number($0.grantedKg), Printer.number($0.drawnKg),
                            Printer.number($0.remainingKg),
                        ]
                    }
                })
            print("\nMonthly volumes")
            Printer.table(
                ["month", "substance", "direction", "kg", "shipments"],
                dossier.monthlyVolumes.map { [$0.month, $0.substance, $0.direction, Printer.number($0.kg), "\($0.shipments)"] })
            print("\nReports")
            Printer.table(
                ["period", "substance", "version", "closing_kg", "submitted_by"],
                dossier.reports.map { [$0.period, $0.substance, "\($0.version)", Printer.number($0.closingKg), $0.submittedBy] })
            print("\nAlerts")
            Printer.table(
                ["id", "rule", "severity", "score", "state"],
                dossier.alerts.map { ["\($0.id)", $0.rule, $0.severity.rawValue, Printer.number($0.score), $0.state.rawValue] })
        }
    }
}
