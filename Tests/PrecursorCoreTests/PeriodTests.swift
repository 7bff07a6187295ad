import Testing

@testable import PrecursorCore

@Suite struct PeriodTests {
    @Test(arguments: [
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-Q1", "2026-01-01", "2026-03-31"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-07", "2026-07-01", "2026-07-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2100-02", "2100-02-01", "2100-02-28"),
        ("2000-02", "2000-02-01", "2000-02-29"),
        ("2026-12", "2026-12-01", "2026-12-31"),
    ])
    func knowsItsFirstAndLastDay(text: String, start: String, end: String) throws {
        let period = try Period(text)
        #expect(period.description == text)
        #expect(period.start.description == start)
        #expect(period.end.description == end)
    }

    @Test(arguments: ["", "26", "2026-13", "2026-00", "2026-Q0", "2026-Q5", "2026-7", "2026-q3", "2026-H1", "2026-07-01", "abcd", "0000"])
    func rejectsWhatIsNotAPeriod(_ text: String) {
        #expect(throws: Period.Problem(text: text)) { try Period(text) }
    }

    @Test func dueDatesFollowTheObligation() throws {
        // Annual report for 2026 falls due on 15 February 2027.
        #expect(try Period("2026").dueDate(dueDays: ReportingObligation.annualDefault.dueDays).description == "2027-02-15")
        // Key enterprises: monthly, due the 15th of the next month.
        #expect(try Period("2026-07").dueDate(dueDays: 15).description == "2026-08-15")
        #expect(try Period("2026-12").dueDate(dueDays: 15).description == "2027-01-15")
        #expect(ReportingObligation.default(keyEnterprise: true).frequency == .monthly)
        #expect(ReportingObligation.default(keyEnterprise: false).frequency == .annual)
    }

    @Test func findsThePeriodContainingADay() throws {
        let day = try CivilDate(iso: "2026-08-31")
        #expect(Period.containing(day, frequency: .monthly).description == "2026-08")
        #expect(Period.containing(day, frequency: .quarterly).description == "2026-Q3")
        #expect(Period.containing(day, frequency: .annual).description == "2026")
        #expect(try Period("2026-Q3").contains(day))
        #expect(try !Period("2026-Q4").contains(day))
        #expect(try Period("2026-12").next.description == "2027-01")
        #expect(try Period("2026-Q4").next.description == "2027-Q1")
    }

    @Test(arguments: ["2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-1-1", "26-01-01", "2026/01/01", "2026-01-01T00:00"])
    func rejectsImpossibleDates(_ text: String) {
        #expect(throws: CivilDate.Problem.self) { try CivilDate(iso: text) }
    }

    @Test func dateArithmeticRoundTrips() throws {
        #expect(try CivilDate(iso: "1970-01-01").daysSinceEpoch == 0)
        #expect(try CivilDate(iso: "2024-02-29").adding(days: 1).description == "2024-03-01")
        #expect(try CivilDate(iso: "2026-12-31").adding(days: 46).description == "2027-02-15")
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }
}
