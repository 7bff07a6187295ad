import Foundation
import PrecursorCore

/// When scheduled sweeps run: an incremental sweep every `interval` (slots aligned to the Unix epoch, so every
/// daemon computes the same ones) and a full sweep daily at a local time. A slot is identified by its instant.
public struct SweepSchedule: Sendable, Equatable {
    /// Seconds between incremental sweeps (default one hour).
    public var intervalSeconds: Int
    /// Local time of the daily full sweep (default 02:00).
    public var dailyHour: Int
    public var dailyMinute: Int
    /// The zone of the daily time and of each sweep's as-of date (default Asia/Ho_Chi_Minh).
    public var timeZone: TimeZone

    public init(intervalSeconds: Int = 3600, dailyHour: Int = 2, dailyMinute: Int = 0, timeZone: TimeZone) {
        self.intervalSeconds = max(1, intervalSeconds)
        self.dailyHour = dailyHour
        self.dailyMinute = dailyMinute
        self.timeZone = timeZone
    }

    /// The latest incremental slot at or before `now`.
    public func incrementalSlot(atOrBefore now: Date) -> Date {
        let t = Int(now.timeIntervalSince1970.rounded(.down))
        return Date(timeIntervalSince1970: TimeInterval(t - ((t % intervalSeconds) + intervalSeconds) % intervalSeconds))
    }

    /// The latest daily full-sweep slot at or before `now`.
    public func fullSlot(atOrBefore now: Date) -> Date {
        let today = dailyTime(on: now)
        return today <= now ? today : dailyTime(on: calendar.date(byAdding: .day, value: -1, to: now)!)
    }

    /// The first slot of either kind after `now`.
    public func nextSlot(after now: Date) -> Date {
        let incremental = incrementalSlot(atOrBefore: now).addingTimeInterval(TimeInterval(intervalSeconds))
        var full = fullSlot(atOrBefore: now)
        while full <= now { full = dailyTime(on: calendar.date(byAdding: .day, value: 1, to: full)!) }
        return min(incremental, full)
    }

    /// The as-of date of a sweep in `slot`: the local calendar day.
    public func asOf(_ slot: Date) -> CivilDate {
        let c = calendar.dateComponents([.year, .month, .day], from: slot)
        return (try? CivilDate(year: c.year!, month: c.month!, day: c.day!)) ?? CivilDate(daysSinceEpoch: 0)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func dailyTime(on day: Date) -> Date {
        var c = calendar.dateComponents([.year, .month, .day], from: day)
        c.hour = dailyHour
        c.minute = dailyMinute
        c.second = 0
        return calendar.date(from: c)!
    }

    /// Parses `3600`, `90s`, `15m` or `1h` as seconds.
    public static func parseInterval(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Int)] = [("h", 3600), ("m", 60), ("s", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast()), n > 0 else { return nil }
            return n * factor
        }
        guard let n = Int(t), n > 0 else { return nil }
        return n
    }

    /// Parses `HH:MM`.
    public static func parseTime(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return (h, m)
    }
}
