import Foundation
import Testing

@testable import PrecursorCore

/// The demo world generator: deterministic, balanced, valid codes, every scenario planted and meaning what it says.
@Suite struct DemoWorldTests {
    struct MemorySink: DemoWorldSink {
        var text: [DemoWorldFile: String] = [:]
        mutating func write(_ line: String, to file: DemoWorldFile) throws { text[file, default: ""] += line }
    }

    /// A generated world, its files parsed into rows of column → value.
    struct World {
        let sink: MemorySink
        let summary: DemoWorldSummary

        init(firms: Int, months: Int, seed: UInt64 = 42, end: DemoMonth = DemoMonth(year: 2026, month: 10)) throws {
            var sink = MemorySink()
            summary = try DemoWorldGenerator(DemoWorldOptions(firms: firms, months: months, seed: seed, end: end)).generate(into: &sink)
            self.sink = sink
        }

        func rows(_ file: DemoWorldFile) throws -> [[String: String]] {
            var reader = CSVReader(bytes: Array((sink.text[file] ?? "").utf8))
            let header = try #require(try reader.next()).fields
            var result: [[String: String]] = []
            while let record = try reader.next() { result.append(Dictionary(uniqueKeysWithValues: zip(header, record.fields))) }
            return result
        }

        /// Firm tax code → its scenario.
        func scenarios() throws -> [String: String] {
            Dictionary(try rows(.truth).map { ($0["tax_code"]!, $0["scenario"]!) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Grams from a kg text with three decimals.
    static func grams(_ text: String?) -> Int64 { Int64(text!.replacingOccurrences(of: ".", with: ""))! }

    @Test func theSameSeedGivesTheSameBytesAndAnotherSeedAnotherWorld() throws {
        let first = try World(firms: 60, months: 14, seed: 7)
        let second = try World(firms: 60, months: 14, seed: 7)
        let other = try World(firms: 60, months: 14, seed: 8)
        for file in DemoWorldFile.allCases {
            #expect(first.sink.text[file] == second.sink.text[file], "\(file.fileName) differs between two runs")
        }
        #expect(first.sink.text[.declarations] != other.sink.text[.declarations])
        #expect(first.sink.text[.firms]!.hasPrefix(DemoWorldFile.firms.header + "\n"))
    }

    @Test func taxCodesAreValidAndUniqueAndNamesAreNFC() throws {
        let world = try World(firms: 300, months: 6)
        let firms = try world.rows(.firms)
        #expect(firms.count == 300)
        for firm in firms {
            #expect(try TaxCode(firm["tax_code"]!).value == firm["tax_code"]!)
            #expect(firm["name"]! == firm["name"]!.precomposedStringWithCanonicalMapping)
        }
        #expect(Set(firms.map { $0["tax_code"]! }).count == 300)
        let keyShare = Double(firms.filter { $0["key_enterprise"] == "true" }.count) / 300
        #expect((0.02...0.09).contains(keyShare))
        for facility in try world.rows(.facilities) {
            #expect(facility["address"]! == facility["address"]!.precomposedStringWithCanonicalMapping)
        }
    }

    @Test func stockBooksBalanceAndContinueExceptWhereStockLeaks() throws {
        let world = try World(firms: 200, months: 24)
        let scenarios = try world.scenarios()
        var previous: [String: Int64] = [:]
        var leaks = 0
        for row in try world.rows(.reports) {
            let g = { (column: String) in Self.grams(row[column]) }
            let balance =
                g("opening_kg") + g("imported_kg") + g("purchased_kg") + g("produced_kg") - g("used_kg") - g("sold_kg")
                - g("exported_kg") - g("lost_kg")
            let key = row["tax_code"]! + "/" + row["substance"]!
            let continues = previous[key].map { $0 == g("opening_kg") } ?? true
            if balance != g("closing_kg") || !continues {
                #expect(scenarios[row["tax_code"]!] == "stock_leakage", "\(row)")
                leaks += 1
            }
            #expect(g("closing_kg") >= 0)
            previous[key] = g("closing_kg")
        }
        #expect(leaks >= 1)
    }

    @Test func everyScenarioIsPlantedAndPointsAtARealFirm() throws {
        let world = try World(firms: 200, months: 24)
        let truth = try world.rows(.truth)
        let firms = Set(try world.rows(.firms).map { $0["tax_code"]! })
        #expect(Set(truth.map { $0["scenario"]! }) == Set(DemoScenario.allCases.map(\.rawValue)))
        for row in truth {
            #expect(firms.contains(row["tax_code"]!))
            let scenario = try #require(DemoScenario(rawValue: row["scenario"]!))
            #expect(row["kind"] == scenario.kind.rawValue)
            #expect(DemoMonth(row["month"]!) != nil)
        }
        for scenario in DemoScenario.allCases { #expect(world.summary.planted[scenario, default: 0] >= 1, "\(scenario)") }
    }

    @Test func declarationsAreUniqueAndCiteTheLicenceValidOnTheirDate() throws {
        let world = try World(firms: 200, months: 24)
        let scenarios = try world.scenarios()
        let licences = Dictionary(try world.rows(.licences).map { ($0["licence_no"]!, $0) }, uniquingKeysWith: { first, _ in first })
        var keys = Set<String>()
        var drawn: [String: Double] = [:]
        var lapsed = 0
        for row in try world.rows(.declarations) {
            #expect(keys.insert(row["declaration_no"]! + "/" + row["line_no"]!).inserted)
            let licence = try #require(licences[row["licence_no"]!])
            #expect(licence["tax_code"] == row["tax_code"] && licence["substance"] == row["substance"])
            if !(licence["valid_from"]! <= row["declared_on"]! && row["declared_on"]! <= licence["valid_until"]!) {
                #expect(scenarios[row["tax_code"]!] == "licence_lapse", "\(row)")
                lapsed += 1
            }
            drawn[row["licence_no"]!, default: 0] += try Self.kgPure(row)
        }
        #expect(lapsed >= 1)
        for (number, kg) in drawn where kg > Double(licences[number]!["quantity_kg"]!)! {
            #expect(scenarios[licences[number]!["tax_code"]!] == "licence_overdraw", "\(number) drawn \(kg)")
        }
    }

    @Test func unreportedImportsAndSplitShipmentsLookAsDocumented() throws {
        let world = try World(firms: 200, months: 24)
        let truth = try world.rows(.truth)
        let declarations = try world.rows(.declarations)
        let reports = try world.rows(.reports)
        for row in truth where row["scenario"] == "unreported_import" {
            let month = row["month"]!
            let report = try #require(
                reports.first { r in
                    r["tax_code"] == row["tax_code"] && r["substance"] == row["substance"] && Self.months(r["period"]!).contains(month)
                })
            let customs = try declarations.filter {
                $0["tax_code"] == row["tax_code"] && $0["substance"] == row["substance"]
                    && Self.months(report["period"]!).contains(String($0["declared_on"]!.prefix(7)))
            }.reduce(0.0) { $0 + (try Self.kgPure($1)) }
            #expect(Double(report["imported_kg"]!)! <= 0.7 * customs)
        }
        for row in truth where row["scenario"] == "split_shipments" {
            let threshold = DemoCatalogue.substance(row["substance"]!).splitThresholdKg
            let under = try declarations.filter {
                $0["tax_code"] == row["tax_code"] && $0["substance"] == row["substance"] && $0["declared_on"]!.hasPrefix(row["month"]!)
            }.map { try Self.kgPure($0) }.filter { (0.95 * threshold...0.99 * threshold).contains($0) }
            #expect(under.count >= 3)
        }
    }

    /// Monthly kg of pure substance per firm and substance (`tax_code/substance` → `YYYY-MM` → kg) and the shipment
    /// sizes (kg) per firm, substance and month.
    static func monthly(_ world: World) throws -> (kg: [String: [String: Double]], lots: [String: [String: [Double]]]) {
        var kg: [String: [String: Double]] = [:]
        var declarations: [String: [String: Double]] = [:]
        var monthOf: [String: String] = [:]
        for row in try world.rows(.declarations) {
            let key = row["tax_code"]! + "/" + row["substance"]!
            let month = String(row["declared_on"]!.prefix(7))
            let part = try Self.kgPure(row)
            kg[key, default: [:]][month, default: 0] += part
            declarations[key, default: [:]][row["declaration_no"]!, default: 0] += part
            monthOf[row["declaration_no"]!] = month
        }
        var lots: [String: [String: [Double]]] = [:]
        for (key, byNumber) in declarations {
            for (number, size) in byNumber { lots[key, default: [:]][monthOf[number]!, default: []].append(size) }
        }
        return (kg, lots)
    }

    /// The median absolute deviation of the logs.
    static func logMAD(_ values: [Double]) -> Double {
        func median(_ x: [Double]) -> Double {
            let s = x.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let logs = values.map { log($0) }
        let centre = median(logs)
        return median(logs.map { abs($0 - centre) })
    }

    /// Firms that import every month buy on supply contracts and have steady months (a planted 3× month stands out);
    /// occasional importers still have months without imports and lumpy ones.
    @Test func regularImportersHaveSteadyMonthsAndOccasionalOnesDoNot() throws {
        let world = try World(firms: 300, months: 24)
        let scenarios = try world.scenarios()
        let (kg, _) = try Self.monthly(world)
        var regular: [Double] = []
        var occasional = 0
        for (key, months) in kg where scenarios[String(key.prefix { $0 != "/" })] == nil {
            if months.count >= 22 { regular.append(Self.logMAD(Array(months.values))) } else if months.count <= 16 { occasional += 1 }
        }
        regular.sort()
        #expect(regular.count >= 100)
        #expect(regular[regular.count / 2] < 0.22, "median log-MAD of regular importers \(regular[regular.count / 2])")
        #expect(regular[regular.count * 9 / 10] > 0.25, "some regular importers (distributors) vary more")
        #expect(occasional >= 20)
    }

    /// A spike's extra kg comes in extra lots of the firm's usual size, not in lots of one identical size.
    @Test func spikeLotsLookLikeTheFirmsOrdinaryLots() throws {
        let world = try World(firms: 400, months: 24, seed: 3)
        let (kg, lots) = try Self.monthly(world)
        let spikes = try world.rows(.truth).filter { $0["scenario"] == "spike" }
        #expect(spikes.count >= 3)
        for row in spikes {
            let key = row["tax_code"]! + "/" + row["substance"]!
            let month = row["month"]!
            let inSpike = try #require(lots[key]?[month])
            let ordinary = lots[key]!.filter { $0.key != month }.flatMap(\.value).sorted()
            let usual = ordinary[ordinary.count / 2]
            #expect(inSpike.count >= 3)
            #expect(Set(inSpike.map { ($0 * 10).rounded() }).count == inSpike.count, "\(key) \(month): \(inSpike)")
            #expect(inSpike.allSatisfy { $0 < 3 * usual }, "\(key) \(month): \(inSpike) against a usual lot of \(usual)")
            let others = kg[key]!.filter { $0.key != month }.map(\.value).sorted()
            #expect(kg[key]![month]! > 2.5 * others[others.count / 2])
        }
    }

    @Test func theEmbeddedCodesExistInTheSeeds() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("seeds")
        func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: seeds.appendingPathComponent(name))) }
        let problems = DemoCatalogue.problems(
            substancesCSV: try bytes("substances.csv"), customsOfficesCSV: try bytes("customs_offices.csv"), zonesCSV: try bytes("zones.csv"))
        #expect(problems == [])
        #expect(!DemoCatalogue.problems(substancesCSV: Array("code\nACETONE\n".utf8), customsOfficesCSV: [], zonesCSV: []).isEmpty)
    }

    @Test func theSeasonalIndexDipsAtTet() {
        // Tết 2026 falls on 17 February: February is the quietest month, the fourth quarter the busiest.
        let calendar = DemoCalendar(first: DemoMonth(year: 2026, month: 1), count: 12)
        let index = calendar.months.map(\.seasonal)
        #expect(index.min() == index[1])
        #expect(index[9..<12].allSatisfy { $0 > 1.05 })
        #expect(calendar.months[1].workingDays.allSatisfy { DemoCalendar.activity($0) >= 1 })
    }

    @Test func badOptionsAreRefused() {
        #expect(throws: DemoWorldError.self) {
            try DemoWorldGenerator(DemoWorldOptions(firms: 0, months: 12, seed: 1, end: DemoMonth(year: 2026, month: 1)))
        }
        #expect(throws: DemoWorldError.self) {
            try DemoWorldGenerator(DemoWorldOptions(firms: 10, months: 0, seed: 1, end: DemoMonth(year: 2026, month: 1)))
        }
    }

    /// Kg of pure substance of a declaration line, as the importer derives it.
    static func kgPure(_ row: [String: String]) throws -> Double {
        let substance = DemoCatalogue.substance(row["substance"]!)
        let factor: Double =
            switch row["unit"]! {
            case "TNE": 1000
            case "LTR": try #require(substance.density)
            default: 1
            }
        return Double(row["quantity"]!)! * factor * Double(row["concentration_pct"]!)! / 100
    }

    /// The months (`YYYY-MM`) of a period.
    static func months(_ period: String) -> [String] {
        guard case .quarter(let year, let quarter)? = try? Period(period) else { return [period] }
        return (1...3).map { DemoMonth(year: year, month: (quarter - 1) * 3 + $0).description }
    }
}
