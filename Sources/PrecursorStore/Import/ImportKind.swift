/// The kinds of file `precursorctl admin import` and the daemon inbox take in (DESIGN §4), with their columns.
public enum ImportKind: String, CaseIterable, Sendable, Codable {
    case firms, facilities, licences, declarations, reports

    /// Every column of the format; all are required in the header, in any order.
    public var columns: [String] {
        switch self {
        case .firms: ["tax_code", "name", "sector", "province", "registered_on", "status", "key_enterprise"]
        case .facilities: ["tax_code", "facility_code", "kind", "name", "zone_code", "province", "address"]
        case .licences:
            [
                "licence_no", "tax_code", "authority", "activity", "substance", "concentration_pct", "quantity_kg", "valid_from",
                "valid_until", "status",
            ]
        case .declarations:
            [
                "declaration_no", "line_no", "declared_on", "direction", "tax_code", "customs_office", "transport_mode", "country",
                "hs_code", "substance", "quantity", "unit", "concentration_pct", "licence_no", "value_usd",
            ]
        case .reports:
            [
                "tax_code", "period", "facility_code", "substance", "opening_kg", "imported_kg", "purchased_kg", "produced_kg",
                "used_kg", "sold_kg", "exported_kg", "lost_kg", "closing_kg", "note",
            ]
        }
    }

    /// The kind a file dropped in the inbox holds, from its name prefix (`declarations-2026-07.csv`).
    public init?(fileName: String) {
        guard let kind = ImportKind.allCases.first(where: { fileName.hasPrefix($0.rawValue + "-") || fileName.hasPrefix($0.rawValue + "_") })
        else { return nil }
        self = kind
    }

    /// The order in which files of several kinds must load (firms before what refers to them).
    public var loadOrder: Int { ImportKind.allCases.firstIndex(of: self)! }
}
