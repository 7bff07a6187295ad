import Foundation

/// One firm of the demo world: identity, facilities, the substances it imports and the scenario planted in it.
struct DemoFirm {
    struct Facility {
        let code: String
        let kind: String
        let name: String
        let zone: DemoCatalogue.Zone?
        let province: String
        let address: String
    }

    /// One substance the firm imports, with its habits.
    struct Line {
        let substance: DemoCatalogue.Substance
        /// Monthly use at the base level, kg of pure substance.
        let baseKg: Double
        let shipmentsPerMonth: Double
        let offices: [(DemoCatalogue.Office, Double)]
        let origins: [(String, Double)]
        /// KGM, LTR or TNE.
        let unit: String
        /// Concentration in tenths of a percent.
        let grade: Int
        let priceFactor: Double
        /// Share of supply bought domestically instead of imported.
        let purchasedShare: Double
        /// Handling loss as a share of the month's outflow.
        let lossRate: Double
        /// 1 follows the shared seasonal index; larger swings harder.
        let seasonAmplitude: Double
        /// Bought on a term supply contract: a fixed number of deliveries a month whose size follows the month's needs
        /// (false: spot lots bought when needed, a negative-binomial number of them).
        let contract: Bool
        /// Log-scale spread of a contract delivery's size around its share of the month's call-off.
        let lotSpread: Double
    }

    /// A reporting period as offsets into the window.
    struct ReportPeriod {
        let label: String
        let first: Int
        let last: Int
        let end: CivilDate
    }

    /// The scenario planted in one of the firm's lines, with the window offsets it applies to.
    struct Plan {
        let scenario: DemoScenario
        var line = 0
        /// The month the scenario starts (offset into the window).
        var month = 0
        /// Months forced to carry at least one shipment.
        var forced: Set<Int> = []
        var factor = 1.0
        /// `stock_leakage`: true for "opening below the previous closing", false for "closing below the balance".
        var openingGap = false
        /// `late_report`: indexes into `periods`.
        var latePeriods: [Int] = []
        /// Months recorded in truth.csv (filled by planning and simulation).
        var truth: [Int] = []
    }

    let index: Int
    let taxCode: String
    let name: String
    let sector: DemoSector
    let province: DemoCatalogue.Province
    let registeredOn: CivilDate
    let keyEnterprise: Bool
    let facilities: [Facility]
    let lines: [Line]
    /// First window month with activity (0 except for new entrants).
    let firstMonth: Int
    let periods: [ReportPeriod]
    var plan: Plan?

    /// Days after the period's end when a report falls due: monthly reports by the 15th, quarterly within 30 days.
    var dueDays: Int { keyEnterprise ? 15 : 30 }
}

extension DemoFirm {
    static let needsHistory: Set<DemoScenario> = [.spike, .ramp, .capacityGrowth, .seasonalPeak, .undervalued, .routeShift, .splitShipments]

    /// Draws a firm. `taken` keeps tax codes unique across the world.
    static func make(
        index: Int, scenario: DemoScenario?, context: DemoContext, taken: inout Set<String>, rng: inout DemoRandom
    ) -> DemoFirm {
        let sector = rng.pick(weighted: DemoSector.allCases.map { ($0, $0.share) })
        let z = rng.normal()
        let size = exp(z) * sector.scale
        let keyEnterprise = z > 1.645
        let brand = rng.pick(DemoNames.brands)
        let name = DemoNames.firmName(trade: rng.pick(sector.trades), brand: brand, rng: &rng)
        let (facilities, province) = makeFacilities(sector: sector, brand: brand, rng: &rng)
        var taxCode = DemoNames.taxCode(prefix: province.taxPrefix, rng: &rng)
        while !taken.insert(taxCode).inserted { taxCode = DemoNames.taxCode(prefix: province.taxPrefix, rng: &rng) }

        let months = context.months
        var firstMonth = 0
        var registeredOn: CivilDate
        if scenario == .newEntrant {
            firstMonth = rng.int(max(0, months - 6)...max(0, months - 3))
            let month = context.start.adding(firstMonth)
            registeredOn = try! CivilDate(year: month.year, month: month.month, day: rng.int(1...10))
        } else {
            let latest = context.start.firstDay.adding(days: -400).daysSinceEpoch
            let earliest = (try! CivilDate(year: 2002, month: 1, day: 1)).daysSinceEpoch
            registeredOn = CivilDate(daysSinceEpoch: rng.int(min(earliest, latest)...latest))
        }
        let lineCount = min(rng.pick(weighted: [(1, 0.45), (2, 0.35), (3, 0.2)]), sector.substances.count)
        let codes = rng.sample(weighted: sector.substances, count: lineCount)
        let region = province.region
        let zone = facilities[0].zone
        var lines = codes.map { code in
            makeLine(
                DemoCatalogue.substance(code), size: size * (scenario == .newEntrant ? rng.uniform(4, 7) : 1),
                region: region, zone: zone, sells: sector.sells, rng: &rng)
        }
        if let scenario, Self.needsHistory.contains(scenario) {
            // Volume and route rules compare a month with the firm's own past: plant these in a regular importer.
            let line = lines[0]
            let rate = max(line.shipmentsPerMonth, 2)
            lines[0] = Line(
                substance: line.substance, baseKg: line.baseKg, shipmentsPerMonth: rate,
                offices: line.offices, origins: line.origins, unit: line.unit, grade: line.grade, priceFactor: line.priceFactor,
                purchasedShare: line.purchasedShare, lossRate: line.lossRate,
                seasonAmplitude: scenario == .seasonalPeak ? rng.uniform(3.5, 5) : 1,
                contract: line.contract || Self.onContract(rate: rate, rng: &rng), lotSpread: line.lotSpread)
        }
        var firm = DemoFirm(
            index: index, taxCode: taxCode, name: name, sector: sector, province: province, registeredOn: registeredOn,
            keyEnterprise: keyEnterprise, facilities: facilities, lines: lines, firstMonth: firstMonth,
            periods: reportPeriods(keyEnterprise: keyEnterprise, firstMonth: firstMonth, newEntrant: scenario == .newEntrant, context: context),
            plan: nil)
        if let scenario { firm.plan = firm.makePlan(scenario, context: context, rng: &rng) }
        return firm
    }

    static func makeFacilities(sector: DemoSector, brand: String, rng: inout DemoRandom) -> ([Facility], DemoCatalogue.Province) {
        let zone: DemoCatalogue.Zone? = rng.chance(0.75) ? rng.pick(weighted: DemoCatalogue.zones.map { ($0, $0.weight) }) : nil
        let provinceName = zone?.province ?? rng.pick(weighted: DemoCatalogue.zones.map { ($0.province, $0.weight) })
        let mainProvince = DemoCatalogue.provinces[provinceName]!
        let address = zone.map { DemoNames.zoneAddress(zone: $0, rng: &rng) } ?? DemoNames.streetAddress(province: provinceName, rng: &rng)
        let place = zone?.name ?? provinceName
        var facilities = [
            sector.sells
                ? Facility(code: "KHO01", kind: "warehouse", name: "Kho \(brand) \(place)".nfc, zone: zone, province: provinceName, address: address)
                : Facility(code: "NM01", kind: "factory", name: "Nhà máy \(brand) \(place)".nfc, zone: zone, province: provinceName, address: address)
        ]
        var firmProvince = mainProvince
        if rng.chance(0.3) {
            // Head office in the region's city, the plant or warehouse in a zone nearby.
            let city = mainProvince.region == .north ? "Hà Nội" : mainProvince.region == .central ? "Đà Nẵng" : "Hồ Chí Minh"
            firmProvince = DemoCatalogue.provinces[city]!
            facilities.append(
                Facility(
                    code: "VP01", kind: "office", name: "Văn phòng \(brand) \(city)".nfc, zone: nil, province: city,
                    address: DemoNames.streetAddress(province: city, rng: &rng)))
        }
        if rng.chance(0.3) {
            let nearby = DemoCatalogue.zones.filter { DemoCatalogue.provinces[$0.province]!.region == mainProvince.region }
            let other = rng.pick(nearby)
            facilities.append(
                Facility(
                    code: "KHO02", kind: "warehouse", name: "Kho \(brand) \(other.name)".nfc, zone: other, province: other.province,
                    address: DemoNames.zoneAddress(zone: other, rng: &rng)))
        }
        if sector == .pharmaManufacturer, rng.chance(0.4) {
            facilities.append(
                Facility(
                    code: "PTN01", kind: "lab", name: "Phòng kiểm nghiệm \(brand)".nfc, zone: zone, province: provinceName,
                    address: address))
        }
        return (facilities, firmProvince)
    }

    static func makeLine(
        _ substance: DemoCatalogue.Substance, size: Double, region: DemoCatalogue.Region, zone: DemoCatalogue.Zone?, sells: Bool,
        rng: inout DemoRandom
    ) -> Line {
        let baseKg = substance.monthlyKg * size * rng.logNormal(median: 1, sigma: 0.35)
        let ratio = baseKg / substance.monthlyKg
        let shipments = min(10, max(0.2, substance.shipmentsPerMonth * pow(ratio, 0.4)))
        let originCount = rng.chance(0.55) ? 1 : 2
        let origins = rng.sample(weighted: substance.origins, count: originCount).map { ($0, rng.uniform(1, 3)) }
        var offices: [(DemoCatalogue.Office, Double)]
        if substance.authority == "MOH", rng.chance(0.6) {
            offices = [(DemoCatalogue.airOffice[region]!, 1)]
        } else {
            offices = rng.sample(weighted: DemoCatalogue.usualOffices[region]!, count: rng.chance(0.6) ? 1 : 2).map { ($0, rng.uniform(1, 3)) }
            if let zone, let zoneOffice = DemoCatalogue.zoneOffices[zone.code], rng.chance(0.7) {
                offices = [(zoneOffice, 3)] + offices.prefix(1)
            }
            if region == .north, origins.contains(where: { $0.0 == "CN" }), rng.chance(0.2) {
                offices.append((rng.pick(DemoCatalogue.chinaGates), 1))
            }
        }
        let lot = baseKg / shipments
        var unit = "KGM"
        if substance.density != nil {
            let roll = rng.unit()
            if roll < 0.25 { unit = "LTR" } else if roll < 0.4, lot >= 5000 { unit = "TNE" }
        } else if lot >= 10000, rng.chance(0.5) {
            unit = "TNE"
        }
        return Line(
            substance: substance, baseKg: baseKg, shipmentsPerMonth: shipments, offices: offices, origins: origins, unit: unit,
            grade: rng.pick(substance.grades), priceFactor: rng.logNormal(median: 1, sigma: 0.06),
            purchasedShare: rng.chance(0.25) ? rng.uniform(0.1, 0.3) : 0,
            lossRate: substance.density == nil ? 0 : rng.uniform(0.001, 0.003), seasonAmplitude: 1,
            contract: onContract(rate: shipments, rng: &rng), lotSpread: sells ? rng.uniform(0.2, 0.35) : rng.uniform(0.08, 0.2))
    }

    /// Whether a line is bought on a term supply contract. A plant that consumes a solvent or an acid all year, or a
    /// distributor with standing customers, takes it in regular monthly deliveries; the occasional buyer (a few lots a
    /// year) buys spot. Between about one and one and a half shipments a month both are found.
    static func onContract(rate: Double, rng: inout DemoRandom) -> Bool {
        rng.chance(min(1, max(0, (rate - 0.5) / 1.0)))
    }

    /// Monthly periods for key enterprises; quarters for the rest. A quarter cut by the window's start is left out
    /// (its opening is unknown), except the new entrant's first quarter, which starts from nothing.
    static func reportPeriods(keyEnterprise: Bool, firstMonth: Int, newEntrant: Bool, context: DemoContext) -> [ReportPeriod] {
        var periods: [ReportPeriod] = []
        if keyEnterprise {
            for offset in firstMonth..<context.months {
                let month = context.start.adding(offset)
                periods.append(ReportPeriod(label: month.description, first: offset, last: offset, end: month.lastDay))
            }
            return periods
        }
        let startMonth = context.start.adding(firstMonth)
        var offset = firstMonth - (startMonth.month - 1) % 3
        while offset + 2 < context.months {
            if offset >= 0 || (newEntrant && offset + 2 >= firstMonth) {
                let month = context.start.adding(offset)
                let last = context.start.adding(offset + 2)
                periods.append(
                    ReportPeriod(
                        label: "\(String(format4: month.year))-Q\((month.month - 1) / 3 + 1)", first: offset, last: offset + 2, end: last.lastDay))
            }
            offset += 3
        }
        return periods
    }
}
