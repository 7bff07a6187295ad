import ArgumentParser
import Foundation
import Logging

/// `precursorctl`: the command-line client of Precursor Registry.
@main
struct PrecursorCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precursorctl",
        abstract: "Command-line client of Precursor Registry (precursord).",
        discussion: """
            Admin commands talk to PostgreSQL directly (DATABASE_URL, or the embedded cluster that precursord started
            in PRECURSOR_DATA_DIR); user commands talk HTTP to a daemon (PRECURSOR_URL, PRECURSOR_TOKEN).

            Exit codes:
              0  success
              1  the command ran but found problems (rejected rows, failed checks, pending migrations)
              2  usage or file-level error
              3  cannot reach the database or daemon
              4  not authorised
            """,
        version: "0.1.0",
        subcommands: [Admin.self, Me.self, Report.self, Firms.self, Alerts.self, QueueCommands.self])

    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            let level = ProcessInfo.processInfo.environment["PRECURSOR_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            handler.logLevel = level ?? .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: CLIFailure.map(error))
        }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administration over a direct database connection (run on the server host).",
        subcommands: [DB.self, Import.self, AdminSweep.self, AdminRules.self, AdminFirms.self, Demo.self, Tokens.self, Audit.self, AdminQueue.self])
}
