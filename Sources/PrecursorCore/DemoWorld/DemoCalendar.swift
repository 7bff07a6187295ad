/// A calendar month of the demo world, counted as `year × 12 + month − 1` so months add like numbers.
public struct DemoMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Months since year 0.
    public let index: Int

    public init(year: Int, month: Int) { index = year * 12 + month - 1 }
    init(index: Int) { self.index = index }

    public var year: Int { index / 12 }
    public var month: Int { index % 12 + 1 }
    public func adding(_ months: Int) -> DemoMonth { DemoMonth(index: index + months) }
    public var days: Int { CivilDate.daysIn(month: month, year: year) }
    public var firstDay: CivilDate { try! CivilDate(year: year, month: month, day: 1) }
    public var lastDay: CivilDate { try! CivilDate(year: year, month: month, day: days) }
    /// `YYYY-MM`.
    public var description: String { String(format4: year) + "-" + String(format2: month) }
    public static func < (lhs: DemoMonth, rhs: DemoMonth) -> Bool { lhs.index < rhs.index }

    /// Parses `YYYY-MM`.
    public init?(_ text: String) {
        guard case .month(let year, let month)? = try? Period(text) else { return nil }
        self.init(year: year, month: month)
    }
}

/// The trade calendar of the demo world: a seasonal index per month with the Tết (lunar new year) closure and the
/// pre-Tết rush, and the days on which customs declarations are lodged.
///
/// Index = base month factor (a quiet mid-year, the peak in October–December) × the mean daily activity of the
/// month, where a day in the Tết closure (Tết − 4 … Tết + 7) counts 0.15 and a day of the pre-Tết rush
/// (Tết − 25 … Tết − 5) counts 1.2. So the dip falls in late January or February as Tết moves.
struct DemoCalendar: Sendable {
    static let base: [Double] = [1.0, 0.97, 1.0, 1.02, 1.02, 0.98, 0.94, 0.96, 1.02, 1.08, 1.12, 1.1]

    /// First day of the lunar new year as observed in Vietnam.
    static let tet: [Int: (month: Int, day: Int)] = [
        2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
        2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26),
        2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
    ]

    struct Month: Sendable {
        let month: DemoMonth
        let seasonal: Double
        /// Days a declaration may carry: not a Sunday, not in the Tết closure.
        let workingDays: [CivilDate]
    }

    let months: [Month]

    init(first: DemoMonth, count: Int) {
        months = (0..<count).map { DemoCalendar.month(first.adding($0)) }
    }

    static func tetDay(_ year: Int) -> CivilDate {
        let (month, day) = tet[year] ?? (2, 5)
        return try! CivilDate(year: year, month: month, day: day)
    }

    /// Activity weight of one day.
    static func activity(_ date: CivilDate) -> Double {
        let tetDay = tetDay(date.year).daysSinceEpoch
        let offset = date.daysSinceEpoch - tetDay
        if (-4...7).contains(offset) { return 0.15 }
        if (-25...(-5)).contains(offset) { return 1.2 }
        return 1
    }

    static func month(_ month: DemoMonth) -> Month {
        let first = month.firstDay
        var total = 0.0
        var working: [CivilDate] = []
        for offset in 0..<month.days {
            let date = first.adding(days: offset)
            let weight = activity(date)
            total += weight
            // 1970-01-01 was a Thursday: (days + 4) mod 7 is 0 on Sundays.
            if weight >= 1, (date.daysSinceEpoch + 4) % 7 != 0 { working.append(date) }
        }
        return Month(month: month, seasonal: base[month.month - 1] * total / Double(month.days), workingDays: working)
    }
}
