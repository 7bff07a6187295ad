import Foundation
import PrecursorCore
import PrecursorSweep

/// Helpers for the statistical-rule tests: declaration lines with a route and a value, monthly histories and more
/// firms (valid tax codes) for peer groups.
enum StatisticalWorld {
    typealias W = SweepWorld

    /// Extra firms with valid tax codes, for peer groups.
    static let peers = [
        "0109000015", "0109000022", "0109000047", "0109000054", "0109000061", "0109000079", "0109000086", "0109000093",
        "0109000103", "0109000110",
    ]

    static func hs(_ substance: String) -> String { substance == "EPHEDRINE" ? "293941" : "291411" }

    /// One import declaration line of `kg` kg of pure substance (KGM at 100 %), no licence cited.
    static func line(
        _ no: String, _ day: String, _ firm: String, _ substance: String = "ACETONE", kg: Double, office: String = "CAI_MEP",
        mode: String = "sea", country: String = "CN", value: Double? = nil
    ) -> String {
        let quantity = kg == kg.rounded() ? String(Int(kg)) : String(kg)
        let usd = value.map { String($0) } ?? quantity
        return "\(no),1,\(day),import,\(firm),\(office),\(mode),\(country),\(hs(substance)),\(substance),\(quantity),KGM,100,,\(usd)"
    }

    /// The months from `first` (YYYY-MM) for `count` months.
    static func months(from first: String, count: Int) -> [String] {
        var year = Int(first.prefix(4))!
        var month = Int(first.suffix(2))!
        var result: [String] = []
        for _ in 0..<count {
            result.append(String(format: "%04d-%02d", year, month))
            month += 1
            if month == 13 { (year, month) = (year + 1, 1) }
        }
        return result
    }

    /// One line on the 10th of each month, `kg` each (or from `kgs`), declaration numbers `PREFIX-YYYYMM`.
    static func history(
        _ prefix: String, _ firm: String, _ substance: String = "ACETONE", from first: String, count: Int, kg: Double,
        office: String = "CAI_MEP", mode: String = "sea", country: String = "CN", value: Double? = nil
    ) -> [String] {
        months(from: first, count: count).map { month in
            line(
                "\(prefix)-\(month.replacingOccurrences(of: "-", with: ""))", "\(month)-10", firm, substance, kg: kg,
                office: office, mode: mode, country: country, value: value)
        }
    }

    /// Loads `count` more firms of `sector` (from `peers`).
    static func addFirms(_ world: SweepWorld, count: Int, sector: String = "chemical_distributor") async throws {
        let rows = peers.prefix(count).enumerated().map { "\($1),Công ty Ngang hàng \($0 + 1),\(sector),Hà Nội,2015-01-01,active,false" }
        try await world.load(.firms, (["tax_code,name,sector,province,registered_on,status,key_enterprise"] + rows).joined(separator: "\n"))
    }

    /// Sets a threshold the way an administrator would.
    static func set(_ world: SweepWorld, _ rule: String, _ key: String, _ value: Double) async throws {
        try await world.run("UPDATE rule_config SET value = \(value), updated_at = now() WHERE rule = '\(rule)' AND key = '\(key)'")
    }
}
