import ArgumentParser
import Foundation
import PrecursorStore

extension ImportKind: ExpressibleByArgument {}

/// `precursorctl admin import KIND FILE`: one file, one transaction, every bad row explained.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import firms, facilities, licences, declarations or reports from a CSV file (DESIGN §4 formats).",
        discussion: """
            The file streams through COPY into a staging table and is validated in SQL; declarations are checked while
            they stream instead, and a file of declarations whose keys are all new is copied straight into
            declaration_line. Good rows are upserted on their natural keys, bad rows go to the ingest_reject table and to
            FILE.rejects.csv beside the input, with their line and every reason. One transaction per file: a header or CSV error loads nothing. Loading the same file
            twice changes nothing. FILE may be - (standard input; no rejects file is written then).

            Exit codes: 0 every row loaded or unchanged; 1 some rows rejected; 2 file-level error (nothing loaded);
            3 database unreachable.
            """)

    @Argument(help: "What the file holds: firms, facilities, licences, declarations or reports.")
    var kind: ImportKind

    @Argument(help: "The CSV file, or - for standard input.")
    var file: String

    @Flag(help: "Validate and report only; load nothing.")
    var dryRun = false

    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let summary = try await database.withDatabase { db in
            try await Importer(database: db, logger: database.logger)
                .run(kind, path: file, options: .init(actor: .cliOperator, dryRun: dryRun))
        }
        if format == .json {
            print(String(decoding: try JSONEncoder.sorted.encode(summary), as: UTF8.self))
        } else {
            print(Self.describe(summary))
        }
        if summary.rowsRejected > 0 { throw CLIFailure.Problems() }
    }

    static func describe(_ s: ImportSummary) -> String {
        var lines = [
            "\(s.dryRun ? "dry run of " : "")import \(s.importID) (\(s.kind.rawValue)) from \(s.file)",
            "rows read       \(s.rowsRead)",
            "rows loaded     \(s.rowsLoaded)",
            "rows unchanged  \(s.rowsUnchanged)",
            "rows rejected   \(s.rowsRejected)",
            String(format: "seconds         %.3f", s.seconds),
            String(format: "rows/s          %.0f", s.rowsPerSecond),
        ]
        if let rejects = s.rejectsFile { lines.append("rejected rows and their reasons: \(rejects)") }
        if s.dryRun { lines.append("dry run: nothing was loaded") }
        return lines.joined(separator: "\n")
    }
}
