import Foundation

/// A declared quantity: an amount in a UN/ECE unit at a concentration, convertible to kilograms of pure substance.
public struct Quantity: Hashable, Sendable {
    public let amount: Decimal
    public let unit: UnitCode
    /// Mass concentration of the substance in the goods, in percent (0 < c ≤ 100).
    public let concentrationPercent: Decimal

    /// Why a quantity cannot be converted.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case negativeAmount(Decimal)
        case concentrationOutOfRange(Decimal)
        case volumeWithoutDensity(UnitCode)
        case invalidDensity(Decimal)

        public var description: String {
            switch self {
            case .negativeAmount(let a): "quantity \(a) is negative"
            case .concentrationOutOfRange(let c): "concentration \(c) % is outside 0-100 (exclusive of 0)"
            case .volumeWithoutDensity(let u): "unit \(u.rawValue) is a volume and the substance has no density in the catalogue"
            case .invalidDensity(let d): "density \(d) kg/L is not positive"
            }
        }
    }

    public init(amount: Decimal, unit: UnitCode, concentrationPercent: Decimal = 100) throws(Problem) {
        guard amount >= 0 else { throw .negativeAmount(amount) }
        guard concentrationPercent > 0, concentrationPercent <= 100 else {
            throw .concentrationOutOfRange(concentrationPercent)
        }
        self.amount = amount
        self.unit = unit
        self.concentrationPercent = concentrationPercent
    }

    /// Kilograms of pure substance: amount × unit factor × (density for volumes) × concentration / 100.
    /// - Parameter densityKgPerLitre: the substance's density; required for volume units.
    public func kilogramsOfPureSubstance(densityKgPerLitre: Decimal?) throws(Problem) -> Decimal {
        var kilograms = amount * unit.factor
        if unit.dimension == .volume {
            guard let density = densityKgPerLitre else { throw .volumeWithoutDensity(unit) }
            guard density > 0 else { throw .invalidDensity(density) }
            kilograms *= density
        }
        return kilograms * concentrationPercent / 100
    }
}
