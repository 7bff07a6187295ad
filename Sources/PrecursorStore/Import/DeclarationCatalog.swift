import Logging
import PostgresNIO
import PrecursorCore

/// Everything a declaration line is resolved against, read once per import (one query per table) so that the lines
/// are checked in memory while they stream: firms, customs offices, the substance catalogue with its HS codes and
/// densities, units and licences. Its size follows the registry, not the file.
struct DeclarationCatalog {
    struct Substance {
        let id: Int
        let code: String
        /// kg per litre; nil when the catalogue has none.
        let density: PlainDecimal?
        /// Its position in `substances`.
        let index: Int
    }

    /// What an HS code (digits only, 6 or 8) identifies: how many substances carry it, the one when there is one,
    /// and their codes for the reason when there are several.
    struct HSMatch {
        let substances: Int
        let substance: Substance?
        let codes: String
    }

    struct Unit {
        let code: String
        let factor: PlainDecimal
        let isVolume: Bool
    }

    /// Firm ids by tax code.
    var firms = CodeTable<Int>()
    /// Customs office ids by code.
    var offices = CodeTable<Int>()
    var substances: [Substance] = []
    var substancesByCode = CodeTable<Substance>()
    var substancesByCAS = CodeTable<Substance>()
    var hsCodes = CodeTable<HSMatch>()
    var units = CodeTable<Unit>()
    /// Licence ids and numbers (NFC) by number.
    var licences = CodeTable<(id: Int, number: String)>()

    /// Reads the catalogue inside the import's transaction.
    static func load(_ connection: PostgresConnection, logger: Logger) async throws -> DeclarationCatalog {
        var catalog = DeclarationCatalog()
        for try await (code, id) in try await connection.query("SELECT tax_code, id FROM firm", logger: logger).decode((String, Int).self) {
            catalog.firms[code] = id
        }
        for try await (code, id) in try await connection.query("SELECT code, id FROM customs_office", logger: logger)
            .decode((String, Int).self)
        {
            catalog.offices[code] = id
        }
        let substanceRows = try await connection.query(
            "SELECT id, code, cas, density_kg_per_l::text FROM substance", logger: logger)
        var byID: [Int: Substance] = [:]
        for try await (id, code, cas, density) in substanceRows.decode((Int, String, String?, String?).self) {
            let substance = Substance(id: id, code: code, density: density.flatMap { PlainDecimal($0) }, index: catalog.substances.count)
            catalog.substances.append(substance)
            byID[id] = substance
            catalog.substancesByCode[code] = substance
            if let cas { catalog.substancesByCAS[cas] = substance }
        }
        let hsRows = try await connection.query(
            "SELECT hs, substances, substance_id, codes FROM hs_code_match", logger: logger)
        for try await (hs, count, id, codes) in hsRows.decode((String, Int, Int, String).self) {
            catalog.hsCodes[hs] = HSMatch(substances: count, substance: byID[id], codes: codes)
        }
        let unitRows = try await connection.query(
            "SELECT code, dimension = 'volume', factor::text FROM unit_of_measure", logger: logger)
        for try await (code, volume, factor) in unitRows.decode((String, Bool, String).self) {
            guard let factor = PlainDecimal(factor) else { continue }
            catalog.units[code] = Unit(code: code.nfc, factor: factor, isVolume: volume)
        }
        for try await (number, id) in try await connection.query("SELECT licence_no, id FROM licence", logger: logger)
            .decode((String, Int).self)
        {
            catalog.licences[number] = (id, number.nfc)
        }
        return catalog
    }
}
