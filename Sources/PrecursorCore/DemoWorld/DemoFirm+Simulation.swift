import Foundation

/// One line of a customs declaration as written, with its kg of pure substance in grams.
struct DemoDeclarationLine {
    /// Declared quantity in thousandths of the unit.
    let quantityMilli: Int64
    let unit: String
    let grade: Int
    /// Kg of pure substance × 1000, as the importer derives it from the written quantity.
    let grams: Int64
    var valueCents: Int64
}

/// One consignment: a declaration of one or more lines.
struct DemoShipment {
    let date: CivilDate
    let offset: Int
    /// The month the goods enter the firm's books (the next one for some declared on a month's last day).
    let bookOffset: Int
    var office: DemoCatalogue.Office
    var country: String
    var lines: [DemoDeclarationLine]
    /// False for imports the firm leaves out of its report.
    var reported = true
    var licenceNo = ""
    var grams: Int64 { lines.reduce(0) { $0 + $1.grams } }
}

/// A month of a firm's stock book for one substance, in grams of pure substance. Closing = opening + imported +
/// purchased − used − sold − lost, except where a `stock_leakage` takes stock away unrecorded.
struct DemoBook {
    var opening: Int64 = 0
    var imported: Int64 = 0
    var purchased: Int64 = 0
    var used: Int64 = 0
    var sold: Int64 = 0
    var lost: Int64 = 0
    var closing: Int64 = 0
}

/// What happened to one of a firm's substances over the window.
struct DemoLineHistory {
    var shipments: [DemoShipment]
    /// Per window month; nil before the firm was active.
    var books: [DemoBook?]
}

func demoGrams(_ kg: Double) -> Int64 { Int64((kg * 1000).rounded()) }

extension DemoFirm {
    /// Simulates one substance month by month: seasonal demand; on a supply contract the scheduled deliveries sized to
    /// the month's needs (an occasional one slipping into the next month), otherwise negative-binomial spot lots
    /// with gamma sizes; a stock that steers the next month's orders back towards about a month of cover; and the
    /// planted scenario.
    func simulate(lineIndex: Int, context: DemoContext, rng: inout DemoRandom) -> DemoLineHistory {
        let line = lines[lineIndex]
        let planted = plan?.line == lineIndex ? plan : nil
        let months = context.months
        var shipments: [DemoShipment] = []
        var books = [DemoBook?](repeating: nil, count: months)
        var booked = [Int64](repeating: 0, count: months + 1)
        var stock: Int64 = firstMonth == 0 ? demoGrams(line.baseKg * rng.uniform(0.6, 1.4)) : 0
        let lot = line.baseKg * (1 - line.purchasedShare) / line.shipmentsPerMonth
        var slipped: [Double] = []
        for offset in firstMonth..<months {
            let multiplier = planted == nil ? 1 : multiplier(offset)
            let seasonal = max(0.1, 1 + line.seasonAmplitude * (context.calendar.months[offset].seasonal - 1))
            let level = line.baseKg * multiplier
            let demand = level * seasonal * rng.logNormal(median: 1, sigma: 0.12)
            // Stock on hand plus a slipped delivery still on its way: the firm does not reorder what is already coming.
            let position = Double(stock) / 1000 + slipped.reduce(0, +)
            let feedback = min(1.8, max(0.3, 1 + 0.5 * (level - position) / level))
            var lots = slipped
            slipped = []
            if line.contract {
                // The month's call-off (forecast use, corrected for stock) in the contract's scheduled deliveries; a
                // delivery now and then slips into the next month (a late vessel, a closed port).
                let deliveries = max(1, Int(line.shipmentsPerMonth.rounded()))
                let callOff = level * (1 - line.purchasedShare) * seasonal * feedback * rng.logNormal(median: 1, sigma: 0.08)
                for _ in 0..<deliveries {
                    let kg = callOff / Double(deliveries) * rng.logNormal(median: 1, sigma: line.lotSpread)
                    if offset + 1 < months, rng.chance(0.03) { slipped.append(kg) } else { lots.append(kg) }
                }
            } else {
                let count = rng.negativeBinomial(mean: line.shipmentsPerMonth * multiplier * seasonal * feedback, dispersion: 4)
                for _ in 0..<count { lots.append(rng.gamma(shape: 6, mean: lot)) }
            }
            if planted?.forced.contains(offset) == true, lots.isEmpty { lots.append(lotSize(line, mean: lot, rng: &rng)) }
            for kg in lots {
                let shipment = makeShipment(line, kg: kg, offset: offset, context: context, rng: &rng)
                booked[shipment.bookOffset] += shipment.grams
                shipments.append(shipment)
            }
            var extraOut: Int64 = 0
            if let planted, planted.scenario == .spike, offset == planted.month {
                // The month's imports reach about `factor` × a usual month, in extra lots of the firm's usual size;
                // the extra is sold on.
                let extra = (planted.factor - 1) * line.baseKg * (1 - line.purchasedShare) * seasonal
                let count = min(12, max(1, Int((extra / lot).rounded())))
                for _ in 0..<count {
                    let shipment = makeShipment(
                        line, kg: lotSize(line, mean: extra / Double(count), rng: &rng), offset: offset, context: context, rng: &rng,
                        timing: false)
                    booked[offset] += shipment.grams
                    extraOut += shipment.grams
                    shipments.append(shipment)
                }
            }
            if let planted, planted.scenario == .splitShipments, offset == planted.month {
                for shipment in splitShipments(line, offset: offset, context: context, rng: &rng) {
                    booked[offset] += shipment.grams
                    extraOut += shipment.grams
                    shipments.append(shipment)
                }
            }
            var leak = false
            var keepStock = false
            if let planted, planted.scenario == .stockLeakage {
                if planted.openingGap, offset == planted.month {
                    stock -= Int64(Double(stock) * rng.uniform(0.4, 0.7))
                }
                keepStock = offset == planted.month - (planted.openingGap ? 1 : 0)
                leak = !planted.openingGap && offset == planted.month
            }
            var book = DemoBook(opening: stock, imported: booked[offset])
            if line.purchasedShare > 0 {
                book.purchased = demoGrams(level * seasonal * line.purchasedShare * rng.logNormal(median: 1, sigma: 0.2))
            }
            let available = book.opening + book.imported + book.purchased
            var out = min(demoGrams(demand) + extraOut, available * (keepStock ? 70 : 97) / 100)
            book.lost = Int64((Double(out) * line.lossRate).rounded())
            out -= book.lost
            if sector.sells { book.sold = out } else { book.used = out }
            book.closing = available - out - book.lost
            if leak { book.closing -= Int64(Double(book.closing) * rng.uniform(0.5, 0.8)) }
            books[offset] = book
            stock = book.closing
        }
        var history = DemoLineHistory(shipments: shipments, books: books)
        if let planted { applyAfterwards(planted, line: line, history: &history, booked: booked, context: context, rng: &rng) }
        return history
    }

    /// The scenarios that change declarations without touching the books.
    private func applyAfterwards(
        _ planted: Plan, line: Line, history: inout DemoLineHistory, booked: [Int64], context: DemoContext, rng: inout DemoRandom
    ) {
        switch planted.scenario {
        case .unreportedImport:
            guard let period = periods.first(where: { ($0.first...$0.last).contains(planted.month) }) else { return }
            let inPeriod = (max(0, period.first)...period.last).reduce(Int64(0)) { $0 + booked[$1] }
            let expected = line.baseKg * (1 - line.purchasedShare) * Double(period.last - period.first + 1)
            let hidden = max(rng.uniform(0.6, 1.2) * expected, rng.uniform(0.6, 1.0) * Double(inPeriod) / 1000)
            let count = rng.int(1...2)
            for _ in 0..<count {
                var shipment = makeShipment(
                    line, kg: hidden / Double(count), offset: planted.month, context: context, rng: &rng, timing: false)
                shipment.reported = false
                history.shipments.append(shipment)
            }
        case .routeShift:
            guard let index = history.shipments.firstIndex(where: { $0.offset == planted.month }) else { return }
            var options = ["express", "land", "origin"]
            if !line.offices.contains(where: { $0.0.mode == "air" }) { options.append("air") }
            let north = province.region == .north
            var shipment = history.shipments[index]
            switch rng.pick(options) {
            case "air":
                shipment.office = DemoCatalogue.hotAir[north ? 0 : 1]
            case "express":
                shipment.office = DemoCatalogue.hotExpress[north ? 0 : 1]
            case "land":
                let gate = rng.pick(DemoCatalogue.hotLandGates)
                shipment.office = gate
                shipment.country = gate.neighbour!
            default:
                shipment.country = rng.pick(DemoCatalogue.unusualOrigins)
                if shipment.office.neighbour != nil {
                    shipment.office = line.offices.first { $0.0.neighbour == nil }?.0 ?? DemoCatalogue.airOffice[province.region]!
                }
            }
            history.shipments[index] = shipment
        case .undervalued:
            let months = Set(planted.truth)
            for index in history.shipments.indices where months.contains(history.shipments[index].offset) {
                for part in history.shipments[index].lines.indices {
                    let value = Double(history.shipments[index].lines[part].valueCents) * rng.uniform(0.17, 0.23)
                    history.shipments[index].lines[part].valueCents = Int64(value.rounded())
                }
            }
        default:
            break
        }
    }

    /// 3–5 shipments within a few days, each 0.95–0.99 of the substance's split threshold (kg of pure substance),
    /// declared in KGM to the gram.
    private func splitShipments(_ line: Line, offset: Int, context: DemoContext, rng: inout DemoRandom) -> [DemoShipment] {
        let days = context.calendar.months[offset].workingDays
        let count = rng.int(3...5)
        var dayIndex = rng.int(0...max(0, days.count - 1 - 2 * count))
        let office = rng.pick(weighted: line.offices)
        let country = office.neighbour ?? rng.pick(weighted: line.origins)
        var result: [DemoShipment] = []
        for _ in 0..<count {
            let kg = line.substance.splitThresholdKg * rng.uniform(0.95, 0.99)
            let declared = declare(line, kgPure: kg, unit: "KGM", exact: true, country: country, rng: &rng)
            result.append(
                DemoShipment(
                    date: days[min(dayIndex, days.count - 1)], offset: offset, bookOffset: offset, office: office, country: country, lines: [declared]
                ))
            dayIndex += rng.int(0...2)
        }
        return result
    }

    /// The size of one lot with the given mean, as the line's lots vary: a contract delivery by its log-scale spread,
    /// a spot lot gamma-distributed.
    func lotSize(_ line: Line, mean: Double, rng: inout DemoRandom) -> Double {
        line.contract ? mean * rng.logNormal(median: 1, sigma: line.lotSpread) : rng.gamma(shape: 6, mean: mean)
    }

    func makeShipment(
        _ line: Line, kg: Double, offset: Int, context: DemoContext, rng: inout DemoRandom, timing: Bool = true
    ) -> DemoShipment {
        let month = context.calendar.months[offset]
        // A new entrant's first imports come after its registration.
        let days = registeredOn > month.month.firstDay ? month.workingDays.filter { $0 >= registeredOn } : month.workingDays
        let date = days.isEmpty ? month.month.lastDay : rng.pick(days)
        let office = rng.pick(weighted: line.offices)
        let country = office.neighbour ?? rng.pick(weighted: line.origins)
        let parts = rng.chance(0.12) ? rng.int(2...3) : 1
        var declared: [DemoDeclarationLine] = []
        for _ in 0..<parts {
            declared.append(
                declare(line, kgPure: kg / Double(parts) * rng.uniform(0.8, 1.2), unit: line.unit, exact: false, country: country, rng: &rng))
        }
        let late = timing && date.day == month.month.days && rng.chance(0.25)
        return DemoShipment(date: date, offset: offset, bookOffset: offset + (late ? 1 : 0), office: office, country: country, lines: declared)
    }

    /// A declaration line for about `kgPure` kg of pure substance: the gross quantity in the line's unit, rounded as
    /// traders write it (whole kg or litres; tonnes to the kg; `exact` keeps grams), and the value in cents.
    func declare(_ line: Line, kgPure: Double, unit: String, exact: Bool, country: String, rng: inout DemoRandom) -> DemoDeclarationLine {
        let fraction = Double(line.grade) / 1000
        let gross = max(0.001, kgPure / fraction)
        var quantityMilli: Int64
        var kgPerUnit = 1.0
        switch unit {
        case "TNE":
            quantityMilli = max(1, Int64(gross.rounded()))
            kgPerUnit = 1000
        case "LTR":
            let density = line.substance.density!
            quantityMilli = max(1, Int64((gross / density).rounded())) * 1000
            kgPerUnit = density
        default:
            quantityMilli = exact || gross < 50 ? max(1, Int64((gross * 1000).rounded())) : Int64(gross.rounded()) * 1000
        }
        let pure = Double(quantityMilli) / 1000 * kgPerUnit * fraction
        let price = line.substance.usdPerKg * (DemoCatalogue.originPriceFactor[country] ?? 1) * line.priceFactor
        let value = pure * price * rng.logNormal(median: 1, sigma: 0.08)
        return DemoDeclarationLine(
            quantityMilli: quantityMilli, unit: unit, grade: line.grade, grams: demoGrams(pure), valueCents: Int64((value * 100).rounded()))
    }
}
