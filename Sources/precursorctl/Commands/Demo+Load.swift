import ArgumentParser
import Foundation
import PrecursorCore
import PrecursorStore

extension Demo {
    /// `precursorctl admin demo load DIR`: the generated world into the database.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a generated demo world: the five files through the importers, in order.",
            discussion: """
                Imports DIR/firms.csv, facilities.csv, licences.csv, declarations.csv and reports.csv (like \
                precursorctl admin import, one transaction per file) and sets the reporting obligation of the \
                world's non-key firms to quarterly, due 30 days after the quarter, as the generator simulates \
                (the firms importer gives them the annual obligation by default). --without-reports leaves the \
                reports out, for an evaluation that loads them as they were filed (filings.csv).
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The folder written by precursorctl admin demo generate.") var folder: String
        @Flag(help: "Load everything but the reports.") var withoutReports = false

        func run() async throws {
            let summaries = try await database.withDatabase { db in
                try await DemoWorldLoader(database: db, logger: database.logger)
                    .load(folder: folder, reports: !withoutReports, actor: .cliOperator)
            }
            for s in summaries {
                print("\(s.kind.rawValue): \(s.rowsLoaded) loaded, \(s.rowsUnchanged) unchanged, \(s.rowsRejected) rejected")
            }
            if summaries.contains(where: { $0.rowsRejected > 0 }) { throw CLIFailure.Problems() }
        }
    }
}
