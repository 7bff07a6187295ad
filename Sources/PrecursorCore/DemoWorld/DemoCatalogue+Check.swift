extension DemoCatalogue {
    /// Compares the embedded codes with the reference data files (the bytes of `seeds/substances.csv`,
    /// `seeds/customs_offices.csv` and `seeds/zones.csv`): every substance, office and zone must exist there, with
    /// the same HS code, density, office kind and zone province. Returns one sentence per mismatch; empty when all
    /// agree.
    public static func problems(substancesCSV: [UInt8], customsOfficesCSV: [UInt8], zonesCSV: [UInt8]) -> [String] {
        var problems: [String] = []
        let substanceRows = rows(substancesCSV, file: "substances.csv", problems: &problems)
        for substance in substances {
            guard let row = substanceRows[substance.code] else {
                problems.append("substances.csv has no substance \(substance.code)")
                continue
            }
            let national = (row["hs_code_vn"] ?? "").filter(\.isNumber)
            let hs = national.isEmpty ? (row["hs_code"] ?? "").filter(\.isNumber) : national
            if hs != substance.hsCode {
                problems.append("substances.csv gives \(substance.code) HS code \(hs), the demo world uses \(substance.hsCode)")
            }
            let density = Double(row["density_kg_per_l"] ?? "")
            if density != substance.density {
                problems.append(
                    "substances.csv gives \(substance.code) density \(density.map { "\($0)" } ?? "none"), the demo world uses \(substance.density.map { "\($0)" } ?? "none")"
                )
            }
        }
        let officeRows = rows(customsOfficesCSV, file: "customs_offices.csv", problems: &problems)
        var offices: [Office] = chinaGates + hotAir + hotExpress + hotLandGates + Array(zoneOffices.values) + Array(airOffice.values)
        for list in usualOffices.values { offices += list.map(\.0) }
        for office in offices {
            guard let row = officeRows[office.code] else {
                problems.append("customs_offices.csv has no office \(office.code)")
                continue
            }
            let neighbour = row["neighbour_country"].flatMap { $0.isEmpty ? nil : $0 }
            if neighbour != office.neighbour {
                problems.append(
                    "customs_offices.csv gives \(office.code) neighbour \(neighbour ?? "none"), the demo world uses \(office.neighbour ?? "none")")
            }
            let expected: Set<String> =
                switch office.mode {
                case "air": ["airport"]
                case "express": ["express_hub"]
                case "road": ["land_border"]
                default: ["seaport", "inland"]
                }
            if !expected.contains(row["kind"] ?? "") {
                problems.append(
                    "customs_offices.csv gives \(office.code) kind \(row["kind"] ?? ""), which does not carry \(office.mode) declarations")
            }
            if office.neighbour == "KH" || office.neighbour == "LA", row["hot_route"] != "true" {
                problems.append("customs_offices.csv does not mark the land gate \(office.code) as a hot route")
            }
        }
        let zoneRows = rows(zonesCSV, file: "zones.csv", problems: &problems)
        for zone in zones {
            guard let row = zoneRows[zone.code] else {
                problems.append("zones.csv has no zone \(zone.code)")
                continue
            }
            if row["province"]?.nfc != zone.province {
                problems.append("zones.csv puts \(zone.code) in \(row["province"] ?? ""), the demo world in \(zone.province)")
            }
        }
        return problems
    }

    /// The rows of a reference file by their `code` column, each as column → value.
    private static func rows(_ bytes: [UInt8], file: String, problems: inout [String]) -> [String: [String: String]] {
        var reader = CSVReader(bytes: bytes)
        var result: [String: [String: String]] = [:]
        do {
            guard let header = try reader.next() else {
                problems.append("\(file) is empty")
                return [:]
            }
            let names = header.fields.map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 }
            while let record = try reader.next() {
                let row = Dictionary(zip(names, record.fields), uniquingKeysWith: { first, _ in first })
                if let code = row["code"] { result[code] = row }
            }
        } catch {
            problems.append("\(file): \(error)")
        }
        return result
    }
}
