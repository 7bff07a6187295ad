import Foundation
import Testing

@testable import PrecursorCore

@Suite struct QuantityTests {
    @Test(arguments: [
        ("1", UnitCode.kilogram, "100", nil as String?, "1"),
        ("2500", .gram, "100", nil, "2.5"),
        ("3", .tonne, "100", nil, "3000"),
        ("750000", .milligram, "100", nil, "0.75"),
        ("200", .litre, "100", "1.08", "216"),
        ("500", .millilitre, "50", "1.2", "0.3"),
        ("1", .cubicMetre, "100", "0.79", "790"),
        ("1000", .kilogram, "35", nil, "350"),
        ("0", .kilogram, "100", nil, "0"),
    ])
    func convertsToKilogramsOfPureSubstance(amount: String, unit: UnitCode, concentration: String, density: String?, expected: String) throws {
        let quantity = try Quantity(amount: Decimal(string: amount)!, unit: unit, concentrationPercent: Decimal(string: concentration)!)
        let kilograms = try quantity.kilogramsOfPureSubstance(densityKgPerLitre: density.map { Decimal(string: $0)! })
        #expect(kilograms == Decimal(string: expected)!)
    }

    @Test func refusesAVolumeWithoutDensity() throws {
        let quantity = try Quantity(amount: 10, unit: .litre)
        #expect(throws: Quantity.Problem.volumeWithoutDensity(.litre)) { try quantity.kilogramsOfPureSubstance(densityKgPerLitre: nil) }
        // A mass needs no density.
        #expect(try Quantity(amount: 10, unit: .kilogram).kilogramsOfPureSubstance(densityKgPerLitre: nil) == 10)
    }

    @Test func boundsConcentrationAndSign() {
        #expect(throws: Quantity.Problem.concentrationOutOfRange(0)) { try Quantity(amount: 1, unit: .kilogram, concentrationPercent: 0) }
        #expect(throws: Quantity.Problem.concentrationOutOfRange(Decimal(string: "100.01")!)) {
            try Quantity(amount: 1, unit: .kilogram, concentrationPercent: Decimal(string: "100.01")!)
        }
        #expect(throws: Quantity.Problem.negativeAmount(-1)) { try Quantity(amount: -1, unit: .kilogram) }
        #expect((try? Quantity(amount: 1, unit: .kilogram, concentrationPercent: 100)) != nil)
        #expect((try? Quantity(amount: 1, unit: .kilogram, concentrationPercent: Decimal(string: "0.0001")!)) != nil)
    }

    @Test func unitCodesAreTheUNECEOnes() {
        #expect(Set(UnitCode.allCases.map(\.rawValue)) == ["KGM", "GRM", "MGM", "TNE", "LTR", "MLT", "MTQ"])
        #expect(UnitCode(rawValue: "kg") == nil)
    }
}
