import ArgumentParser
import Foundation
import PrecursorCore
import PrecursorStore

/// `precursorctl admin demo …`: synthetic data for trying out and tuning the sweeps.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Synthetic demo data.", subcommands: [Generate.self, Load.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic synthetic world of precursor importers as import-ready CSV files.",
            discussion: """
                Writes into DIR the five import files of DESIGN §4 (firms.csv, facilities.csv, licences.csv, \
                declarations.csv, and reports.csv in the admin form with a leading tax_code), plus two files for \
                evaluating the sweeps:

                truth.csv (tax_code,substance,month,scenario,kind): the planted patterns; kind is anomaly or \
                lookalike. Report-level scenarios (unreported_import, stock_leakage) name a month inside the \
                reporting period they affect; late_report names the period's last month.

                filings.csv (tax_code,period,facility_code,filed_on): the day each report was filed, so an \
                evaluation can load reports as they arrived; a late report is filed after its due date.

                The same options and seed give byte-identical files; nothing touches the database. Import in the \
                order firms, facilities, licences, declarations, reports (precursorctl admin import firms \
                DIR/firms.csv, and so on): every row loads without a reject.

                The world: lognormal firm sizes over pharma_manufacturer, pharma_distributor, \
                chemical_manufacturer, chemical_distributor and user_industry; facilities in industrial and \
                export-processing zones; 1-3 substances per firm (ACETONE, TOLUENE, MEK, SULPHURIC_ACID, \
                HYDROCHLORIC_ACID, ETHYL_ETHER, ACETIC_ANHYDRIDE, POTASSIUM_PERMANGANATE, EPHEDRINE, \
                PSEUDOEPHEDRINE) through the firm's usual 1-2 customs offices and origins, mostly by sea; a \
                seasonal index with a Tết dip and a Q4 peak; importers of about a shipment a month or more on \
                supply contracts (scheduled deliveries sized to the month's needs, now and then one slipping a \
                month), occasional importers with negative-binomial spot lots of gamma sizes; one annual import licence per firm, substance and year with 1.3-1.6x headroom; \
                stock books that balance (opening + imported + purchased - used - sold - lost = closing; each \
                opening is the previous closing) and agree with customs up to rounding and to goods declared on a \
                month's last day but booked the next month (about 1 % of shipments).

                Reporting: the ~5 % largest firms are key enterprises and report monthly (due the 15th of the \
                next month); all other firms report QUARTERLY (due 30 days after the quarter), so the \
                reconciliation rules get a signal within the year. (The firms importer gives non-key firms an \
                annual obligation by default.)

                Scenarios: each anomaly (spike, ramp, unreported_import, stock_leakage, split_shipments, \
                route_shift, licence_overdraw, licence_lapse, new_entrant, undervalued) is planted in about \
                0.8 % of firms and each benign look-alike (capacity_growth, seasonal_peak, late_report) in about \
                1.2 %, at least one firm each. split_shipments are 3-5 shipments within a few days, each \
                0.95-0.99 of a per-substance threshold in kg of pure substance: ACETONE and TOLUENE 10000; MEK, \
                HYDROCHLORIC_ACID and ACETIC_ANHYDRIDE 5000; SULPHURIC_ACID 20000; ETHYL_ETHER and \
                POTASSIUM_PERMANGANATE 1000; EPHEDRINE 25; PSEUDOEPHEDRINE 50.
                """)

        @Option(help: "Number of firms (1-100000).") var firms: Int
        @Option(help: "Number of months of activity, ending with --end (1-120).") var months: Int
        @Option(help: "Random seed (a whole number); the same seed gives the same files.") var seed: UInt64
        @Option(help: "Folder to write the files into (created if missing; the seven files are replaced).") var out: String
        @Option(help: "Last month of the window, YYYY-MM (default: the month before the current one, Vietnam time).")
        var end: String?
        @Option(
            help:
                "Reference-data folder the world's codes are checked against (default: the seeds/ folder found next to the program or $PRECURSOR_SEEDS_DIR; skipped when none is found)."
        )
        var seeds: String?

        func validate() throws {
            if let end, DemoMonth(end) == nil { throw ValidationError("--end \(end): expected a month written YYYY-MM") }
        }

        func run() throws {
            let started = Date()
            let today = CivilDate.today()
            let endMonth = end.flatMap(DemoMonth.init) ?? DemoMonth(year: today.year, month: today.month).adding(-1)
            let generator: DemoWorldGenerator
            do {
                generator = try DemoWorldGenerator(DemoWorldOptions(firms: firms, months: months, seed: seed, end: endMonth))
            } catch {
                throw ValidationError(error.description)
            }
            try checkReferenceData()
            var sink = try DemoFileSink(folder: out)
            let summary = try generator.generate(into: &sink)
            try sink.finish()
            let seconds = Date().timeIntervalSince(started)
            print("demo world: \(firms) firms, \(months) months \(generator.options.start)…\(endMonth), seed \(seed), in \(out)")
            for file in DemoWorldFile.allCases {
                print(file.fileName.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%9d rows", summary.rows[file] ?? 0))
            }
            let planted = DemoScenario.allCases.map { "\($0.rawValue) \(summary.planted[$0] ?? 0)" }
            print("planted (firms): " + planted.joined(separator: ", "))
            print(String(format: "seconds %.2f", seconds))
        }

        private func checkReferenceData() throws {
            let folder: String
            if let seeds {
                folder = seeds
            } else if let found = try? ResourceLocator.seedsDirectory() {
                folder = found
            } else {
                return
            }
            func bytes(_ name: String) throws -> [UInt8] {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
                    throw UserFailure(code: 2, message: "cannot read \(folder)/\(name)")
                }
                return [UInt8](data)
            }
            let problems = DemoCatalogue.problems(
                substancesCSV: try bytes("substances.csv"), customsOfficesCSV: try bytes("customs_offices.csv"), zonesCSV: try bytes("zones.csv"))
            if !problems.isEmpty {
                throw UserFailure(
                    code: 2, message: "the demo world's reference codes disagree with \(folder):\n  " + problems.joined(separator: "\n  "))
            }
        }
    }
}

/// Writes each file of the world to `NAME.csv.part` through a buffer and renames it into place at the end, so an
/// interrupted run leaves no half-written CSV that looks complete.
struct DemoFileSink: DemoWorldSink {
    private let folder: String
    private var handles: [DemoWorldFile: FileHandle] = [:]
    private var buffers: [DemoWorldFile: [UInt8]] = [:]

    init(folder: String) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw UserFailure(code: 2, message: "cannot create the folder \(folder): \(error.localizedDescription)")
        }
        for file in DemoWorldFile.allCases {
            let path = partPath(file)
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw UserFailure(code: 2, message: "cannot write \(path)")
            }
            handles[file] = handle
            buffers[file] = []
        }
    }

    private func partPath(_ file: DemoWorldFile) -> String { folder + "/" + file.fileName + ".part" }

    mutating func write(_ line: String, to file: DemoWorldFile) throws {
        buffers[file, default: []].append(contentsOf: line.utf8)
        if buffers[file]!.count >= 1 << 20 { try flush(file) }
    }

    private mutating func flush(_ file: DemoWorldFile) throws {
        try handles[file]!.write(contentsOf: buffers[file]!)
        buffers[file]!.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and renames every file into place.
    mutating func finish() throws {
        for file in DemoWorldFile.allCases {
            try flush(file)
            try handles[file]!.close()
            let target = folder + "/" + file.fileName
            if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
            try FileManager.default.moveItem(atPath: partPath(file), toPath: target)
        }
    }
}
