/// What to generate.
public struct DemoWorldOptions: Sendable {
    /// Number of firms (1–100 000).
    public var firms: Int
    /// Number of months of activity, ending with `end` (1–120).
    public var months: Int
    /// The seed: the same seed and options give byte-identical files.
    public var seed: UInt64
    /// The last month of the window.
    public var end: DemoMonth

    public init(firms: Int, months: Int, seed: UInt64, end: DemoMonth) {
        self.firms = firms
        self.months = months
        self.seed = seed
        self.end = end
    }

    /// The first month of the window.
    public var start: DemoMonth { end.adding(-(months - 1)) }
}

/// The files of a demo world: the five import files of DESIGN §4 plus the answer key and the filing dates.
public enum DemoWorldFile: String, CaseIterable, Sendable {
    case firms, facilities, licences, declarations, reports, truth, filings

    /// The file name in the output folder.
    public var fileName: String { rawValue + ".csv" }

    /// The header line (without line end).
    public var header: String {
        switch self {
        case .firms: "tax_code,name,sector,province,registered_on,status,key_enterprise"
        case .facilities: "tax_code,facility_code,kind,name,zone_code,province,address"
        case .licences: "licence_no,tax_code,authority,activity,substance,concentration_pct,quantity_kg,valid_from,valid_until,status"
        case .declarations:
            "declaration_no,line_no,declared_on,direction,tax_code,customs_office,transport_mode,country,hs_code,substance,quantity,unit,concentration_pct,licence_no,value_usd"
        case .reports:
            "tax_code,period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note"
        case .truth: "tax_code,substance,month,scenario,kind"
        case .filings: "tax_code,period,facility_code,filed_on"
        }
    }
}

/// Where generated lines go (the command writes them to files; tests keep them in memory). Lines arrive in file
/// order, each with its line end; the header comes first.
public protocol DemoWorldSink {
    mutating func write(_ line: String, to file: DemoWorldFile) throws
}

/// What a generation produced.
public struct DemoWorldSummary: Sendable {
    /// Data rows per file (headers not counted).
    public var rows: [DemoWorldFile: Int] = [:]
    /// Firms carrying each scenario.
    public var planted: [DemoScenario: Int] = [:]
}

/// Why options cannot make a world.
public struct DemoWorldError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

/// Running counters shared by all firms, so numbers stay unique across the world.
struct DemoCounters {
    var declaration: Int64 = 0
    var licence = 0
}

/// What every firm's generation needs to know about the world.
struct DemoContext {
    let start: DemoMonth
    let months: Int
    let calendar: DemoCalendar
}

/// Generates a synthetic, deterministic world of precursor importers: firms, facilities, annual import licences,
/// customs declarations and self-reports that import cleanly and reconcile, with scenarios planted for the sweep
/// rules to find (see `DemoScenario`) and recorded in `truth.csv`.
///
/// Shape: lognormal firm sizes over five sectors; the ~5 % largest are key enterprises that report monthly, the
/// others report quarterly (due 15 and 30 days after the period); a seasonal index with a Tết dip; importers of about
/// a shipment a month or more on supply contracts (scheduled deliveries sized to the month's needs), occasional ones
/// with negative-binomial spot lots of gamma sizes; 1–3 substances per firm through its usual 1–2 customs offices
/// and origins. Each firm draws from its own random stream, so firms are generated one at a time and written as
/// they come (memory stays flat in the number of firms).
public struct DemoWorldGenerator: Sendable {
    public let options: DemoWorldOptions

    /// Share of firms given each anomaly scenario, and each look-alike (at least one firm each when the world has
    /// enough firms).
    static let anomalyRate = 0.008
    static let lookalikeRate = 0.012

    public init(_ options: DemoWorldOptions) throws(DemoWorldError) {
        guard (1...100_000).contains(options.firms) else { throw DemoWorldError(description: "--firms must be from 1 to 100000") }
        guard (1...120).contains(options.months) else { throw DemoWorldError(description: "--months must be from 1 to 120") }
        guard (2000...2100).contains(options.start.year), options.end.year <= 2100 else {
            throw DemoWorldError(description: "the window \(options.start)…\(options.end) must lie within the years 2000-2100")
        }
        self.options = options
    }

    /// Which firm carries which scenario: counts per scenario from the rates, firms drawn without repeats.
    func plan() -> [Int: DemoScenario] {
        var rng = DemoRandom(seed: options.seed, stream: 0)
        var order = Array(0..<options.firms)
        rng.shuffle(&order)
        var plan: [Int: DemoScenario] = [:]
        var next = 0
        for scenario in DemoScenario.allCases {
            let rate = scenario.kind == .anomaly ? Self.anomalyRate : Self.lookalikeRate
            let count = max(1, Int((rate * Double(options.firms)).rounded()))
            for _ in 0..<count where next < order.count {
                plan[order[next]] = scenario
                next += 1
            }
        }
        return plan
    }

    /// Writes the whole world to `sink`, firm by firm.
    @discardableResult
    public func generate(into sink: inout some DemoWorldSink) throws -> DemoWorldSummary {
        let context = DemoContext(
            start: options.start, months: options.months, calendar: DemoCalendar(first: options.start, count: options.months))
        for file in DemoWorldFile.allCases { try sink.write(file.header + "\n", to: file) }
        var summary = DemoWorldSummary()
        for file in DemoWorldFile.allCases { summary.rows[file] = 0 }
        let plan = plan()
        var taken = Set<String>()
        var counters = DemoCounters()
        for index in 0..<options.firms {
            var rng = DemoRandom(seed: options.seed, stream: UInt64(index) + 1)
            let firm = DemoFirm.make(index: index, scenario: plan[index], context: context, taken: &taken, rng: &rng)
            try firm.write(context: context, counters: &counters, rng: &rng, sink: &sink, summary: &summary)
        }
        return summary
    }
}
