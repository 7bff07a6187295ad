import Foundation
import PrecursorCore
import Testing

@testable import PrecursorSweep

@Suite struct SweepScheduleTests {
    let schedule = SweepSchedule(intervalSeconds: 3600, dailyHour: 2, dailyMinute: 0, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func incrementalSlotsAlignToTheInterval() {
        #expect(schedule.incrementalSlot(atOrBefore: instant("2026-11-29T05:37:12Z")) == instant("2026-11-29T05:00:00Z"))
        #expect(schedule.incrementalSlot(atOrBefore: instant("2026-11-29T05:00:00Z")) == instant("2026-11-29T05:00:00Z"))
    }

    /// 02:00 in Hồ Chí Minh City is 19:00 UTC the day before.
    @Test func theDailySlotIsLocalTime() {
        #expect(schedule.fullSlot(atOrBefore: instant("2026-11-29T05:37:12Z")) == instant("2026-11-28T19:00:00Z"))
        #expect(schedule.fullSlot(atOrBefore: instant("2026-11-28T18:59:59Z")) == instant("2026-11-27T19:00:00Z"))
        #expect(schedule.nextSlot(after: instant("2026-11-28T18:30:00Z")) == instant("2026-11-28T19:00:00Z"))
        #expect(schedule.nextSlot(after: instant("2026-11-28T19:00:00Z")) == instant("2026-11-28T20:00:00Z"))
    }

    @Test func asOfIsTheLocalDay() {
        #expect(schedule.asOf(instant("2026-11-28T19:00:00Z")).description == "2026-11-29")
    }

    @Test func intervalsAndTimesParse() {
        #expect(SweepSchedule.parseInterval("1h") == 3600)
        #expect(SweepSchedule.parseInterval("15m") == 900)
        #expect(SweepSchedule.parseInterval("2") == 2)
        #expect(SweepSchedule.parseInterval("0") == nil)
        #expect(SweepSchedule.parseInterval("soon") == nil)
        #expect(SweepSchedule.parseTime("02:30")! == (2, 30))
        #expect(SweepSchedule.parseTime("24:00") == nil)
    }
}
