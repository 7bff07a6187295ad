import Foundation

/// Where and when a firm's scenario is planted (window offsets). Months are chosen so the rules have history to
/// compare with where they need it (≥ 6 months before a spike, a route shift or a step up).
extension DemoFirm {
    func makePlan(_ scenario: DemoScenario, context: DemoContext, rng: inout DemoRandom) -> Plan? {
        let months = context.months
        let last = months - 1
        /// A month from `from` (or the last month when the window is shorter) to `to`.
        func month(from: Int, to: Int? = nil) -> Int {
            let upper = max(0, min(last, to ?? last))
            return rng.int(min(from, upper)...upper)
        }
        var plan = Plan(scenario: scenario)
        switch scenario {
        case .spike:
            plan.month = month(from: 7)
            plan.factor = rng.uniform(3, 8)
            plan.forced = [plan.month]
            plan.truth = [plan.month]
        case .ramp:
            plan.month = month(from: 6, to: last - 4)
            let steps = min(rng.int(4...6), last - plan.month)
            plan.truth = steps > 0 ? Array((plan.month + 1)...(plan.month + steps)) : [plan.month]
            plan.factor = Double(steps)
            plan.forced = Set(plan.truth)
        case .unreportedImport:
            guard !periods.isEmpty else { return nil }
            let period = periods[rng.int(min(2, periods.count - 1)...(periods.count - 1))]
            plan.month = rng.int(period.first...period.last)
            plan.truth = [plan.month]
        case .stockLeakage:
            guard !periods.isEmpty else { return nil }
            plan.openingGap = periods.count > 1 && rng.chance(0.5)
            let period = periods[rng.int(min(plan.openingGap ? 1 : 2, periods.count - 1)...(periods.count - 1))]
            plan.month = plan.openingGap ? period.first : rng.int(period.first...period.last)
            plan.truth = [plan.month]
        case .splitShipments:
            plan.month = month(from: 3)
            plan.truth = [plan.month]
        case .routeShift:
            plan.month = month(from: 6)
            plan.forced = [plan.month]
            plan.truth = [plan.month]
        case .licenceOverdraw:
            plan.month = month(from: 3)
            plan.forced = [plan.month]
            plan.truth = [plan.month]
        case .licenceLapse:
            // Mid-year, so the lapsed licence and its successor fall in the same year.
            let candidates = (1..<months).filter { (3...11).contains(context.start.adding($0).month) }
            guard !candidates.isEmpty else { return nil }
            plan.month = rng.pick(candidates)
            plan.forced = [plan.month]
            plan.truth = [plan.month]
        case .newEntrant:
            plan.month = firstMonth
            plan.truth = Array(firstMonth...min(last, firstMonth + 2))
            plan.forced = Set(plan.truth)
        case .undervalued:
            plan.month = month(from: 3)
            plan.truth = Array(plan.month...min(last, plan.month + 2))
            plan.forced = Set(plan.truth)
        case .capacityGrowth:
            plan.month = month(from: 6, to: last - 2)
            plan.factor = rng.uniform(1.8, 2.5)
            plan.truth = Array(plan.month...min(last, plan.month + 2))
        case .seasonalPeak:
            let peaks = (firstMonth..<months).filter { context.calendar.months[$0].seasonal >= 1.07 }
            plan.truth =
                peaks.isEmpty
                ? [(firstMonth..<months).max { context.calendar.months[$0].seasonal < context.calendar.months[$1].seasonal }!]
                : peaks
            plan.month = plan.truth[0]
        case .lateReport:
            guard !periods.isEmpty else { return nil }
            let count = min(periods.count, rng.int(1...2))
            plan.latePeriods = rng.sample(weighted: periods.indices.map { ($0, 1.0) }, count: count).sorted()
            plan.truth = plan.latePeriods.map { periods[$0].last }
            plan.month = plan.truth[0]
        }
        return plan
    }

    /// The scenario's demand and shipment multiplier for a month of the planted line.
    func multiplier(_ offset: Int) -> Double {
        guard let plan else { return 1 }
        switch plan.scenario {
        case .ramp: return offset > plan.month ? pow(1.3, min(Double(offset - plan.month), plan.factor)) : 1
        case .capacityGrowth: return offset >= plan.month ? plan.factor : 1
        default: return 1
        }
    }
}
