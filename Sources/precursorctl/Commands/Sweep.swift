import ArgumentParser
import Foundation
import PrecursorCore
import PrecursorStore
import PrecursorSweep

/// `precursorctl admin sweep run`: run an anomaly sweep now, over a direct database connection.
struct AdminSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run anomaly sweeps (the daemon also runs them on its schedule).",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a sweep as of a date and print what it found and which alerts it raised.",
            discussion: [
                "Evaluates the licence, reconciliation and statistical rules of DESIGN §5 (thresholds: admin rules list) over the data as of the date: declarations up to that day, reports for periods ended by then; the statistical rules judge the month of the date (volume_spike also confirms the month before by the one that followed it).",
                "Every finding is stored; alerts follow the policy: one open alert per firm, substance and rule family, raised again only when a new rule fires or its score rises 1.5×, never again for evidence of a closed alert.",
                "The sweep is one transaction and waits for a sweep already running (scheduled or manual) to finish first. Without --full it is incremental: only the firm-substance months, licences and report periods whose data changed since the last successful sweep, plus the reports falling due; it runs full when there is no earlier sweep, a threshold changed, or the date went back.",
            ].joined(separator: "\n\n"))

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("as-of"), help: "Evaluate as of this date, YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh).")
        var asOf: String?
        @Flag(help: "Examine every firm and substance, not only what changed.") var full = false
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table
        @Option(help: "How many raised alerts to list (table format).") var top = 20

        func run() async throws {
            let date: CivilDate
            do {
                date = try asOf.map { try CivilDate(iso: $0) } ?? CivilDate.today()
            } catch {
                throw UserFailure(code: 2, message: "--as-of: \(error)")
            }
            guard top >= 0 else { throw UserFailure(code: 2, message: "--top must be 0 or more") }
            let request = SweepRunner.Request(kind: .manual, scope: full ? .full : .incremental, asOf: date, actor: .cliOperator)
            let report = try await database.withDatabase { db in
                try await SweepRunner(database: db, logger: database.logger).run(request)
            }
            guard let report else { throw StoreError.configuration("the sweep did not run") }
            if format == .json {
                try Printer.json(report)
                return
            }
            let scope = report.scopeEntries.map { ", \($0) scope entries" } ?? ""
            print(
                "sweep \(report.id) (\(report.scope.rawValue)\(scope)) as of \(report.asOf): \(report.findingCount) findings, \(report.alertCount) alerts raised in \(String(format: "%.2f", report.seconds)) s"
            )
            let rules = SweepRule.allCases.map(\.rawValue)
            Printer.table(
                ["rule", "findings", "alerts"],
                rules.map { [$0, String(report.findings[$0] ?? 0), String(report.alerts[$0] ?? 0)] })
            let quiet: Int = report.outcomes["quiet"] ?? 0
            let suppressed: Int = report.outcomes["suppressed"] ?? 0
            if quiet + suppressed > 0 {
                print("\(quiet) open alert(s) already said it; \(suppressed) group(s) only repeated closed evidence")
            }
            if !report.top.isEmpty && top > 0 {
                print("")
                Printer.table(
                    ["alert", "severity", "score", "firm", "substance", "reason"],
                    report.top.prefix(top).map {
                        ["#\($0.alertID)", $0.severity, Printer.number($0.score), $0.taxCode, $0.substance ?? "-", $0.reasonEN]
                    })
                if report.top.count > top { print("… and \(report.top.count - top) more (--top N or --format json)") }
            }
        }
    }
}

/// `precursorctl admin rules list | set`: the rule thresholds.
struct AdminRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List and change the sweep rules' thresholds (changes are audited).",
        subcommands: [List.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every threshold with its meaning.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let settings = try await database.withDatabase { try await RuleSettings(database: $0, logger: database.logger).list() }
            try Printer.listing(
                format, settings, header: ["rule", "key", "value", "updated_by", "description"],
                rows: settings.map { [$0.rule, $0.key, Printer.number($0.value), $0.updatedBy, $0.description] })
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change one threshold; the next sweep uses it (an incremental sweep then runs full).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The rule, e.g. report_mismatch.") var rule: String
        @Argument(help: "The key, e.g. tolerance_pct.") var key: String
        @Argument(help: "The new value (a number).") var value: Double

        func run() async throws {
            let setting = try await database.withDatabase { db in
                do {
                    return try await RuleSettings(database: db, logger: database.logger).set(
                        rule: rule, key: key, value: value, actor: .cliOperator, requestID: nil)
                } catch let problem as RuleSettings.Problem {
                    throw StoreError.configuration(problem.description)
                }
            }
            print("\(setting.rule).\(setting.key) = \(Printer.number(setting.value))")
        }
    }
}

/// `precursorctl admin firms risk`: firms ordered for review.
struct AdminFirms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firms", abstract: "Firms by risk, for review.", subcommands: [Risk.self])

    struct Risk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The riskiest firms: the sum of each firm's three strongest open alerts, ×1.25 on a hot route.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "How many firms.") var top = 20
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table
        @Flag(help: "Reasons in Vietnamese.") var vi = false

        func run() async throws {
            guard top > 0 else { throw UserFailure(code: 2, message: "--top must be at least 1") }
            let firms = try await database.withDatabase {
                try await FirmDirectory(database: $0, logger: database.logger).ranked(flaggedOnly: true, limit: top, offset: 0)
            }
            try Printer.listing(
                format, firms, header: ["tax_code", "name", "score", "open_alerts", "hot_route", "top_reason"],
                rows: firms.map {
                    [
                        $0.taxCode, $0.name, Printer.number($0.score), String($0.openAlerts), $0.hotRoute ? "yes" : "no",
                        (vi ? $0.reasonsVI : $0.reasons).first ?? "",
                    ]
                })
        }
    }
}
