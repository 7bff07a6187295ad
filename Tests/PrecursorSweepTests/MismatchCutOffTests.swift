import Foundation
import PrecursorCore
import PrecursorSweep
import Testing

/// `report_mismatch` allows the kg declared on a period's last day (`cutoff_days` 1): goods that cleared customs on
/// the last day may enter the books the next period.
@Suite struct MismatchCutOffTests {
    typealias W = SweepWorld
    typealias S = StatisticalWorld

    /// Customs: 1,000 kg on 5 March and 500 kg on 31 March; tolerance 5 % of 1,500 = 75 kg, plus the 500 kg of the
    /// last day: a March report of 925 kg is within, 924 kg is not. April's report carries the 500 kg the other way.
    @Test(arguments: [("925", false), ("924", true)])
    func goodsDeclaredOnThePeriodsLastDayMayBeBookedNextPeriod(reported: String, fires: Bool) async throws {
        let world = try await W.make("cutoff")
        try await world.declarations([S.line("C1", "2026-03-05", W.firmA, kg: 1000), S.line("C2", "2026-03-31", W.firmA, kg: 500)])
        try await world.reports([
            "\(W.firmA),2026-03,,ACETONE,0,\(reported),0,0,\(reported),0,0,0,0,",
            "\(W.firmA),2026-04,,ACETONE,0,500,0,0,500,0,0,0,0,",
        ])
        try await world.sweep("2026-05-31")
        let found = try await world.lastFindings(.reportMismatch)
        #expect(found.map(\.period) == (fires ? ["2026-03"] : []))
        if fires {
            #expect(try #require(found.first).reasonEN.hasSuffix("(difference 576 kg, tolerance 575 kg)"))
        }
    }
}
