import Foundation

/// A UN/ECE Recommendation 20 unit code accepted for declared and licensed quantities.
public enum UnitCode: String, CaseIterable, Sendable, Codable {
    case kilogram = "KGM"
    case gram = "GRM"
    case milligram = "MGM"
    case tonne = "TNE"
    case litre = "LTR"
    case millilitre = "MLT"
    case cubicMetre = "MTQ"

    /// Whether the unit measures mass or volume.
    public enum Dimension: String, Sendable { case mass, volume }

    public var dimension: Dimension {
        switch self {
        case .kilogram, .gram, .milligram, .tonne: .mass
        case .litre, .millilitre, .cubicMetre: .volume
        }
    }

    /// One unit in kilograms (mass) or litres (volume). Mirrors the `unit_of_measure` table (a test keeps them equal).
    public var factor: Decimal {
        switch self {
        case .kilogram, .litre: 1
        case .gram, .millilitre: Decimal(string: "0.001")!
        case .milligram: Decimal(string: "0.000001")!
        case .tonne, .cubicMetre: 1000
        }
    }
}
