import Foundation

/// A calendar date without time or zone (ngày), as used for declarations, licences and reporting periods.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Why a text is not a date.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case impossible(String)
        public var description: String {
            switch self {
            case .malformed(let t): "'\(t)' is not a date in the form YYYY-MM-DD"
            case .impossible(let t): "'\(t)' is not a day of the calendar"
            }
        }
    }

    /// Creates a date, rejecting days that do not exist (2026-02-29, 2026-04-31, month 13).
    public init(year: Int, month: Int, day: Int) throws(Problem) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { throw .impossible(String(format4: year) + "-\(month)-\(day)") }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses ISO `YYYY-MM-DD`.
    public init(iso text: String) throws(Problem) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { throw .malformed(text) }
        do { try self.init(year: y, month: m, day: d) } catch { throw .impossible(text) }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for arithmetic.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date a number of days since 1970-01-01.
    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// ISO `YYYY-MM-DD`.
    public var description: String {
        String(format4: year) + "-" + String(format2: month) + "-" + String(format2: day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try CivilDate(iso: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A reporting period (kỳ báo cáo): a year `2026`, a quarter `2026-Q3` or a month `2026-07`.
public enum Period: Hashable, Sendable, CustomStringConvertible, Comparable {
    case year(Int)
    case quarter(Int, Int)
    case month(Int, Int)

    /// How often a firm must report.
    public enum Frequency: String, Sendable, CaseIterable, Codable {
        case monthly, quarterly, annual
    }

    /// Why a text is not a period.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public let text: String
        public var description: String {
            "'\(text)' is not a period; write a year (2026), a quarter (2026-Q3) or a month (2026-07)"
        }
    }

    public init(_ text: String) throws(Problem) {
        let t = text
        let digits = { (s: Substring) in s.allSatisfy { $0.isASCII && $0.isNumber } }
        if t.count == 4, digits(Substring(t)), let y = Int(t), y >= 1 {
            self = .year(y)
            return
        }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, digits(parts[0]), let y = Int(parts[0]), y >= 1 else {
            throw Problem(text: text)
        }
        let rest = parts[1]
        if rest.count == 2, rest.first == "Q", let q = Int(rest.dropFirst()), (1...4).contains(q) {
            self = .quarter(y, q)
        } else if rest.count == 2, digits(rest), let m = Int(rest), (1...12).contains(m) {
            self = .month(y, m)
        } else {
            throw Problem(text: text)
        }
    }

    /// The frequency this period belongs to.
    public var frequency: Frequency {
        switch self {
        case .year: .annual
        case .quarter: .quarterly
        case .month: .monthly
        }
    }

    /// First day of the period.
    public var start: CivilDate {
        switch self {
        case .year(let y): try! CivilDate(year: y, month: 1, day: 1)
        case .quarter(let y, let q): try! CivilDate(year: y, month: (q - 1) * 3 + 1, day: 1)
        case .month(let y, let m): try! CivilDate(year: y, month: m, day: 1)
        }
    }

    /// Last day of the period.
    public var end: CivilDate {
        switch self {
        case .year(let y): try! CivilDate(year: y, month: 12, day: 31)
        case .quarter(let y, let q):
            try! CivilDate(year: y, month: q * 3, day: CivilDate.daysIn(month: q * 3, year: y))
        case .month(let y, let m): try! CivilDate(year: y, month: m, day: CivilDate.daysIn(month: m, year: y))
        }
    }

    /// The day the report for this period falls due, `dueDays` after its last day.
    public func dueDate(dueDays: Int) -> CivilDate { end.adding(days: dueDays) }

    /// Whether a day falls inside the period.
    public func contains(_ date: CivilDate) -> Bool { start <= date && date <= end }

    /// The period of the given frequency that contains a day.
    public static func containing(_ date: CivilDate, frequency: Frequency) -> Period {
        switch frequency {
        case .annual: .year(date.year)
        case .quarterly: .quarter(date.year, (date.month - 1) / 3 + 1)
        case .monthly: .month(date.year, date.month)
        }
    }

    /// The period before this one.
    public var previous: Period {
        switch self {
        case .year(let y): .year(y - 1)
        case .quarter(let y, let q): q == 1 ? .quarter(y - 1, 4) : .quarter(y, q - 1)
        case .month(let y, let m): m == 1 ? .month(y - 1, 12) : .month(y, m - 1)
        }
    }

    /// The period that follows this one.
    public var next: Period {
        switch self {
        case .year(let y): .year(y + 1)
        case .quarter(let y, let q): q == 4 ? .quarter(y + 1, 1) : .quarter(y, q + 1)
        case .month(let y, let m): m == 12 ? .month(y + 1, 1) : .month(y, m + 1)
        }
    }

    public var description: String {
        switch self {
        case .year(let y): String(format4: y)
        case .quarter(let y, let q): String(format4: y) + "-Q\(q)"
        case .month(let y, let m): String(format4: y) + "-" + String(format2: m)
        }
    }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}

/// Default reporting obligations (domain notes §2.5): the annual chemical report falls due on 15 February, i.e. 46
/// days after 31 December; key enterprises report monthly, due on the 15th of the following month.
public struct ReportingObligation: Hashable, Sendable {
    public let frequency: Period.Frequency
    public let dueDays: Int

    public init(frequency: Period.Frequency, dueDays: Int) {
        self.frequency = frequency
        self.dueDays = dueDays
    }

    public static let annualDefault = ReportingObligation(frequency: .annual, dueDays: 46)
    public static let keyEnterpriseDefault = ReportingObligation(frequency: .monthly, dueDays: 15)

    /// The obligation a firm has by default.
    public static func `default`(keyEnterprise: Bool) -> ReportingObligation {
        keyEnterprise ? keyEnterpriseDefault : annualDefault
    }
}

extension String {
    init(format4 value: Int) {
        let digits = "\(value)"
        self = String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }

    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}

extension CivilDate {
    /// Today's date in a time zone (default Vietnam).
    public static func today(in zone: String = "Asia/Ho_Chi_Minh", now: Date = Date()) -> CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        return try! CivilDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }
}
