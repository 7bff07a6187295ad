import ArgumentParser
import Foundation
import PrecursorStore

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Schema migrations and reference data.",
        subcommands: [Migrate.self, Seed.self, Status.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations from sql/ (each in its own transaction, under an advisory lock).",
            discussion: "Refuses to run, naming the file, when an applied migration was edited afterwards.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let migrator = try Migrator.fromDefaultFolder(logger: database.logger)
            let applied = try await database.withDatabase { try await migrator.migrate($0) }
            if applied.isEmpty {
                print("schema current: nothing to apply (\(migrator.migrations.count) migrations)")
            } else {
                for name in applied { print("applied \(name)") }
                print("\(applied.count) migration(s) applied")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show applied, pending and edited migrations; exit 1 unless the schema is current.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            let migrator = try Migrator.fromDefaultFolder(logger: database.logger)
            let status = try await database.withDatabase { try await migrator.status($0) }
            if format == .json {
                let object: [String: [String]] = [
                    "applied": status.applied, "pending": status.pending, "edited": status.edited, "unknown": status.unknown,
                ]
                print(String(decoding: try JSONEncoder.sorted.encode(object), as: UTF8.self))
            } else {
                for name in status.applied { print("applied  \(name)\(status.edited.contains(name) ? "  (EDITED since applied)" : "")") }
                for name in status.pending { print("pending  \(name)") }
                for name in status.unknown { print("unknown  \(name)  (applied, not in this build)") }
                print(status.isCurrent ? "schema current" : "schema NOT current")
            }
            if !status.isCurrent { throw CLIFailure.Problems() }
        }
    }

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the reference data in seeds/ (substances, legal instruments, customs offices, zones).",
            discussion:
                "Idempotent: a second run changes nothing; an edited row is updated. A bad row loads nothing and is named with its file, line and field."
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Folder with the seed files (default: the seeds/ folder found next to the program or $PRECURSOR_SEEDS_DIR).")
        var seeds: String?
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            let folder = try seeds ?? ResourceLocator.seedsDirectory()
            let loader = ReferenceDataLoader(folder: folder, logger: database.logger)
            let summary = try await database.withDatabase { try await loader.load(into: $0, actor: .cliOperator) }
            if format == .json {
                print(String(decoding: try JSONEncoder.sorted.encode(summary.tables), as: UTF8.self))
                return
            }
            print("table               inserted  updated  unchanged")
            for (table, counts) in summary.tables.sorted(by: { $0.key < $1.key }) {
                print(
                    table.padding(toLength: 18, withPad: " ", startingAt: 0)
                        + String(format: "%10d %8d %10d", counts.inserted, counts.updated, counts.unchanged))
            }
            print(summary.changed == 0 ? "reference data unchanged" : "\(summary.changed) row(s) changed")
        }
    }
}
