/// An annual import licence for one substance (one licence line), in grams of pure substance.
struct DemoLicence {
    let number: String
    let from: CivilDate
    let until: CivilDate
    let grams: Int64
}

extension DemoFirm {
    /// Annual import licences for one substance, one per calendar year the firm is active in the window, granted
    /// with headroom (1.3–1.6 × expected imports, and never less than 1.15 × what it actually imports), then
    /// cites on each declaration the licence valid on its date. Returns the licences and, for a licence scenario,
    /// the months it applies to.
    func licences(
        lineIndex: Int, history: inout DemoLineHistory, context: DemoContext, counters: inout DemoCounters, rng: inout DemoRandom
    ) -> (licences: [DemoLicence], truth: [Int]?) {
        let line = lines[lineIndex]
        let planted = plan?.line == lineIndex ? plan : nil
        let first = context.start.adding(firstMonth)
        let last = context.start.adding(context.months - 1)
        let suffix = line.substance.authority == "MOH" ? "GP-QLD" : "GP-HC"
        var licences: [DemoLicence] = []
        var truth: [Int]?
        var scenarioMonth: DemoMonth?
        if let planted, planted.scenario == .licenceLapse || planted.scenario == .licenceOverdraw {
            scenarioMonth = context.start.adding(planted.month)
        }
        for year in first.year...last.year {
            let from = max(try! CivilDate(year: year, month: 1, day: 1), registeredOn)
            let until = try! CivilDate(year: year, month: 12, day: 31)
            let inYear = history.shipments.filter { $0.date.year == year }
            let actual = inYear.reduce(Int64(0)) { $0 + $1.grams }
            let expected = line.baseKg * (1 - line.purchasedShare) * Double(13 - from.month) * 1000
            var granted = Self.round(max(expected * rng.uniform(1.3, 1.6), Double(actual) * rng.uniform(1.15, 1.3)))
            func number() -> String {
                counters.licence += 1
                return "\(counters.licence)/\(year)/\(suffix)"
            }
            if let month = scenarioMonth, month.year == year, planted?.scenario == .licenceOverdraw {
                let before = inYear.filter { $0.date < month.firstDay }.reduce(Int64(0)) { $0 + $1.grams }
                let during = inYear.filter { $0.date.year == month.year && $0.date.month == month.month }.reduce(Int64(0)) { $0 + $1.grams }
                granted = before + during * 4 / 10
                let offsets = Set(inYear.filter { $0.date >= month.firstDay }.map(\.offset))
                truth = offsets.sorted()
            }
            if let month = scenarioMonth, month.year == year, planted?.scenario == .licenceLapse {
                let lapsed = DemoLicence(number: number(), from: from, until: month.adding(-1).lastDay, grams: granted)
                let renewed = DemoLicence(number: number(), from: month.adding(1).firstDay, until: until, grams: granted)
                licences.append(lapsed)
                licences.append(renewed)
                for index in history.shipments.indices where history.shipments[index].date.year == year {
                    let date = history.shipments[index].date
                    history.shipments[index].licenceNo = date <= lapsed.until || date < renewed.from ? lapsed.number : renewed.number
                }
                continue
            }
            let licence = DemoLicence(number: number(), from: from, until: until, grams: granted)
            licences.append(licence)
            for index in history.shipments.indices where history.shipments[index].date.year == year {
                history.shipments[index].licenceNo = licence.number
            }
        }
        return (licences, truth)
    }

    /// A granted quantity as an authority writes it: to 100 kg, 1 kg or 0.1 kg depending on size, rounded up.
    static func round(_ grams: Double) -> Int64 {
        let step: Double = grams >= 1_000_000 ? 100_000 : grams >= 10_000 ? 1000 : 100
        return Int64((grams / step).rounded(.up) * step)
    }
}
