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
    }

    /// What an HS code (digits only, 6 or 8) identifies: how many substances carry it, the one when there is one,
    /// and their codes for the reason when there are several.
    struct HSMatch {
        let substances: Int
        let substanceID: Int
        let codes: String
    }

    struct Unit {
        let factor: PlainDecimal
        let isVolume: Bool
    }

    var firms: [String: Int] = [:]
    var offices: [String: Int] = [:]
    var substancesByCode: [String: Int] = [:]
    var substancesByCAS: [String: Int] = [:]
    var substances: [Int: Substance] = [:]
    var hsCodes: [String: HSMatch] = [:]
    var units: [String: Unit] = [:]
    var licences: [String: Int] = [:]

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
        for try await (id, code, cas, density) in substanceRows.decode((Int, String, String?, String?).self) {
            catalog.substances[id] = Substance(id: id, code: code, density: density.flatMap { PlainDecimal($0) })
            catalog.substancesByCode[code] = id
            if let cas { catalog.substancesByCAS[cas] = id }
        }
        let hsRows = try await connection.query(
            "SELECT hs, substances, substance_id, codes FROM hs_code_match", logger: logger)
        for try await (hs, count, id, codes) in hsRows.decode((String, Int, Int, String).self) {
            catalog.hsCodes[hs] = HSMatch(substances: count, substanceID: id, codes: codes)
        }
        let unitRows = try await connection.query(
            "SELECT code, dimension = 'volume', factor::text FROM unit_of_measure", logger: logger)
        for try await (code, volume, factor) in unitRows.decode((String, Bool, String).self) {
            guard let factor = PlainDecimal(factor) else { continue }
            catalog.units[code] = Unit(factor: factor, isVolume: volume)
        }
        for try await (number, id) in try await connection.query("SELECT licence_no, id FROM licence", logger: logger)
            .decode((String, Int).self)
        {
            catalog.licences[number] = id
        }
        return catalog
    }
}
