import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// Loads the reference data in `seeds/` (legal instruments, substances and their listings, customs offices, zones)
/// idempotently: new rows are inserted, edited rows updated, identical rows left alone. A file with any bad row
/// loads nothing, and every bad row is named with its file, line, field and reason.
public struct ReferenceDataLoader: Sendable {
    /// What one table's load changed.
    public struct Counts: Sendable, Equatable, Codable {
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0
        public var changed: Int { inserted + updated }
    }

    /// The per-file results, in load order.
    public struct Summary: Sendable, Equatable, Codable {
        public var tables: [String: Counts] = [:]
        public var changed: Int { tables.values.reduce(0) { $0 + $1.changed } }
    }

    private let folder: String
    private let logger: Logger

    public init(folder: String, logger: Logger) {
        self.folder = folder
        self.logger = logger
    }

    /// Validates every file, then loads them all in one transaction, with one audit entry when anything changed.
    public func load(into database: Database, actor: Principal) async throws -> Summary {
        let instruments = try read("legal_instruments.csv", required: ["code", "title", "valid_from", "valid_to"], parse: parseInstrument)
        let substances = try read(
            "substances.csv",
            required: ["code", "name_en", "name_vi", "cas", "hs_code", "hs_code_vn", "un_table", "vn_list", "kind", "density_kg_per_l", "notes"],
            parse: parseSubstance)
        let offices = try read(
            "customs_offices.csv", required: ["code", "name", "kind", "neighbour_country", "hot_route", "province"], parse: parseOffice)
        let zones = try read("zones.csv", required: ["code", "name", "kind", "province"], parse: parseZone)
        let known = Set(instruments.map(\.code))
        for substance in substances {
            for listing in substance.listings where !known.contains(listing.instrument) {
                throw StoreError.invalidFile(
                    path: folder + "/substances.csv", line: substance.line, field: "vn_list",
                    reason: "instrument \(listing.instrument) is not in legal_instruments.csv")
            }
        }

        return try await database.transaction { connection in
            var summary = Summary()
            summary.tables["legal_instrument"] = try await upsertInstruments(instruments, connection)
            summary.tables["substance"] = try await upsertSubstances(substances, connection)
            summary.tables["substance_listing"] = try await syncListings(substances, connection)
            summary.tables["customs_office"] = try await upsertOffices(offices, connection)
            summary.tables["zone"] = try await upsertZones(zones, connection)
            if summary.changed > 0 {
                let data = try JSONEncoder.sorted.encode(summary.tables)
                try await connection.audit(
                    AuditEntry(
                        actor: actor, action: "seed", entityType: "reference_data", entityID: folder,
                        after: String(decoding: data, as: UTF8.self)),
                    logger: logger)
            }
            return summary
        }
    }

    // MARK: - Reading and validating

    private struct Instrument {
        let line: Int
        let code, title: String
        let from, to: String?
    }
    private struct Listing: Hashable { let instrument, list: String }
    private struct Substance {
        let line: Int
        let code, nameEN: String
        let nameVI, cas, hs, hsVN, unTable, vnList: String?
        let kind: String
        let density: String?
        let notes: String?
        let listings: [Listing]
    }
    private struct Office {
        let line: Int
        let code, name, kind: String
        let neighbour: String?
        let hot: Bool
        let province: String
    }
    private struct Zone {
        let line: Int
        let code, name, kind, province: String
    }

    /// A row's problem: the column and the reason.
    private struct RowProblem: Error {
        let field: String
        let reason: String
    }

    private func read<T>(_ file: String, required: [String], parse: (CSVHeader, CSVRecord) throws(RowProblem) -> T) throws -> [T] {
        let path = folder + "/" + file
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.invalidFile(path: path, line: nil, field: nil, reason: "cannot be opened")
        }
        defer { try? handle.close() }
        var reader = CSVReader(handle: handle)
        guard let first = try wrap(path, { () throws(CSVError) in try reader.next() }) else {
            throw StoreError.invalidFile(path: path, line: 1, field: nil, reason: "the file is empty; a header row is required")
        }
        let header: CSVHeader
        do {
            header = try CSVHeader(first.fields, required: required)
        } catch {
            throw StoreError.invalidFile(path: path, line: 1, field: nil, reason: error.description)
        }
        var rows: [T] = []
        var keys: [String: Int] = [:]
        while let record = try wrap(path, { () throws(CSVError) in try reader.next() }) {
            guard record.fields.count == header.width else {
                throw StoreError.invalidFile(
                    path: path, line: record.line, field: nil,
                    reason: "has \(record.fields.count) fields, the header has \(header.width)")
            }
            do {
                rows.append(try parse(header, record))
            } catch {
                throw StoreError.invalidFile(path: path, line: record.line, field: error.field, reason: error.reason)
            }
            let key = header.value("code", in: record)
            if let earlier = keys[key] {
                throw StoreError.invalidFile(path: path, line: record.line, field: "code", reason: "\(key) already appears on line \(earlier)")
            }
            keys[key] = record.line
        }
        return rows
    }

    private func wrap<T>(_ path: String, _ body: () throws(CSVError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw .invalidFile(path: path, line: error.line, field: nil, reason: error.description) }
    }

    private static func text(_ h: CSVHeader, _ r: CSVRecord, _ column: String, required: Bool = false) throws(RowProblem) -> String? {
        let value = h.value(column, in: r).normalizedField
        if required, value == nil { throw RowProblem(field: column, reason: "is empty") }
        return value
    }

    private static func code(_ h: CSVHeader, _ r: CSVRecord, _ column: String = "code") throws(RowProblem) -> String {
        let value = try text(h, r, column, required: true)!
        guard value.allSatisfy({ ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "_" }) else {
            throw RowProblem(field: column, reason: "'\(value)' must be upper-case letters, digits and underscores")
        }
        return value
    }

    private static func oneOf(_ h: CSVHeader, _ r: CSVRecord, _ column: String, _ allowed: [String], required: Bool = true) throws(RowProblem)
        -> String?
    {
        guard let value = try text(h, r, column, required: required) else { return nil }
        guard allowed.contains(value) else {
            throw RowProblem(field: column, reason: "'\(value)' is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    private static func date(_ h: CSVHeader, _ r: CSVRecord, _ column: String) throws(RowProblem) -> String? {
        guard let value = try text(h, r, column) else { return nil }
        do { return try CivilDate(iso: value).description } catch { throw RowProblem(field: column, reason: error.description) }
    }

    private func parseInstrument(_ h: CSVHeader, _ r: CSVRecord) throws(RowProblem) -> Instrument {
        let from = try Self.date(h, r, "valid_from")
        let to = try Self.date(h, r, "valid_to")
        if let from, let to, from > to { throw RowProblem(field: "valid_from", reason: "\(from) is after valid_to \(to)") }
        return Instrument(
            line: r.line, code: try Self.text(h, r, "code", required: true)!, title: try Self.text(h, r, "title", required: true)!, from: from, to: to
        )
    }

    private func parseSubstance(_ h: CSVHeader, _ r: CSVRecord) throws(RowProblem) -> Substance {
        let cas = try Self.text(h, r, "cas")
        if let cas, !Self.casIsValid(cas) { throw RowProblem(field: "cas", reason: "'\(cas)' fails the CAS check digit") }
        let hs = try Self.text(h, r, "hs_code")
        if let hs, hs.range(of: #"^[0-9]{4}\.[0-9]{2}$"#, options: .regularExpression) == nil {
            throw RowProblem(field: "hs_code", reason: "'\(hs)' is not a 6-digit HS code written NNNN.NN")
        }
        let hsVN = try Self.text(h, r, "hs_code_vn")
        if let hsVN, hsVN.range(of: #"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}$"#, options: .regularExpression) == nil {
            throw RowProblem(field: "hs_code_vn", reason: "'\(hsVN)' is not an 8-digit tariff line written NNNN.NN.NN")
        }
        let density = try Self.text(h, r, "density_kg_per_l")
        if let density, !(Decimal(string: density).map { $0 > 0 && $0 < 25 } ?? false) {
            throw RowProblem(field: "density_kg_per_l", reason: "'\(density)' is not a density in kg/L between 0 and 25")
        }
        let vnList = try Self.text(h, r, "vn_list")
        var listings: [Listing] = []
        for part in (vnList ?? "").split(separator: ";") {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let open = item.firstIndex(of: "("), item.hasSuffix(")") else {
                throw RowProblem(field: "vn_list", reason: "'\(item)' is not LIST(INSTRUMENT)")
            }
            let list = String(item[..<open])
            let instruments = item[item.index(after: open)..<item.index(before: item.endIndex)]
            for instrument in instruments.components(separatedBy: " and ") {
                listings.append(Listing(instrument: instrument.trimmingCharacters(in: .whitespaces), list: list))
            }
        }
        return Substance(
            line: r.line, code: try Self.code(h, r), nameEN: try Self.text(h, r, "name_en", required: true)!,
            nameVI: try Self.text(h, r, "name_vi"), cas: cas, hs: hs, hsVN: hsVN,
            unTable: try Self.oneOf(
                h, r, "un_table", ["I", "II", "1961-I", "1961-II", "1961-IV", "1971-I", "1971-II", "1971-III", "1971-IV"], required: false),
            vnList: vnList,
            kind: try Self.oneOf(h, r, "kind", ["precursor", "narcotic_medicine", "psychotropic_medicine"])!,
            density: density, notes: try Self.text(h, r, "notes"), listings: listings)
    }

    private func parseOffice(_ h: CSVHeader, _ r: CSVRecord) throws(RowProblem) -> Office {
        let kind = try Self.oneOf(h, r, "kind", ["airport", "seaport", "land_border", "express_hub", "inland"])!
        let neighbour = try Self.oneOf(h, r, "neighbour_country", ["KH", "LA", "CN"], required: false)
        if neighbour != nil, kind != "land_border" {
            throw RowProblem(field: "neighbour_country", reason: "only a land_border gate has a neighbour country")
        }
        let hot = try Self.oneOf(h, r, "hot_route", ["true", "false"])!
        return Office(
            line: r.line, code: try Self.code(h, r), name: try Self.text(h, r, "name", required: true)!, kind: kind,
            neighbour: neighbour, hot: hot == "true", province: try Self.text(h, r, "province", required: true)!)
    }

    private func parseZone(_ h: CSVHeader, _ r: CSVRecord) throws(RowProblem) -> Zone {
        Zone(
            line: r.line, code: try Self.code(h, r), name: try Self.text(h, r, "name", required: true)!,
            kind: try Self.oneOf(h, r, "kind", ["industrial_zone", "export_processing_zone", "economic_zone", "hi_tech_park"])!,
            province: try Self.text(h, r, "province", required: true)!)
    }

    /// CAS registry number check digit: the weighted sum of the other digits (weights 1, 2, 3… from the right) mod 10.
    static func casIsValid(_ cas: String) -> Bool {
        let parts = cas.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, (2...7).contains(parts[0].count), parts[1].count == 2, parts[2].count == 1,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return false }
        let digits = (parts[0] + parts[1]).compactMap(\.wholeNumberValue)
        let sum = digits.reversed().enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
        return sum % 10 == parts[2].first!.wholeNumberValue!
    }

    // MARK: - Writing

    private func tally(_ rows: [PostgresRow], into counts: inout Counts) throws {
        guard let row = rows.first else {
            counts.unchanged += 1
            return
        }
        if try row.decode(Bool.self) { counts.inserted += 1 } else { counts.updated += 1 }
    }

    private func upsertInstruments(_ items: [Instrument], _ c: PostgresConnection) async throws -> Counts {
        var counts = Counts()
        for i in items {
            try tally(
                try await c.rows(
                    """
                    INSERT INTO legal_instrument (code, title, valid_from, valid_to)
                    VALUES (\(i.code), \(i.title), \(i.from)::date, \(i.to)::date)
                    ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to
                    WHERE (legal_instrument.title, legal_instrument.valid_from, legal_instrument.valid_to)
                          IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.valid_from, EXCLUDED.valid_to)
                    RETURNING (xmax = 0)
                    """, logger: logger), into: &counts)
        }
        return counts
    }

    private func upsertSubstances(_ items: [Substance], _ c: PostgresConnection) async throws -> Counts {
        var counts = Counts()
        for s in items {
            try tally(
                try await c.rows(
                    """
                    INSERT INTO substance (code, name_en, name_vi, cas, hs_code, hs_code_vn, un_table, vn_list, kind, density_kg_per_l, notes)
                    VALUES (\(s.code), \(s.nameEN), \(s.nameVI), \(s.cas), \(s.hs), \(s.hsVN), \(s.unTable), \(s.vnList), \(s.kind),
                            \(s.density)::numeric, \(s.notes))
                    ON CONFLICT (code) DO UPDATE SET
                        name_en = EXCLUDED.name_en, name_vi = EXCLUDED.name_vi, cas = EXCLUDED.cas, hs_code = EXCLUDED.hs_code,
                        hs_code_vn = EXCLUDED.hs_code_vn, un_table = EXCLUDED.un_table, vn_list = EXCLUDED.vn_list,
                        kind = EXCLUDED.kind, density_kg_per_l = EXCLUDED.density_kg_per_l, notes = EXCLUDED.notes, updated_at = now()
                    WHERE (substance.name_en, substance.name_vi, substance.cas, substance.hs_code, substance.hs_code_vn, substance.un_table,
                           substance.vn_list, substance.kind, substance.density_kg_per_l, substance.notes)
                          IS DISTINCT FROM (EXCLUDED.name_en, EXCLUDED.name_vi, EXCLUDED.cas, EXCLUDED.hs_code, EXCLUDED.hs_code_vn,
                           EXCLUDED.un_table, EXCLUDED.vn_list, EXCLUDED.kind, EXCLUDED.density_kg_per_l, EXCLUDED.notes)
                    RETURNING (xmax = 0)
                    """, logger: logger), into: &counts)
        }
        return counts
    }

    private func syncListings(_ items: [Substance], _ c: PostgresConnection) async throws -> Counts {
        var counts = Counts()
        for s in items {
            let instruments = s.listings.map(\.instrument)
            let lists = s.listings.map(\.list)
            let removed = try await c.run(
                """
                DELETE FROM substance_listing l USING substance s
                 WHERE s.code = \(s.code) AND l.substance_id = s.id
                   AND (l.instrument, l.list_code) NOT IN (SELECT * FROM unnest(\(instruments)::text[], \(lists)::text[]))
                """, logger: logger)
            let added = try await c.run(
                """
                INSERT INTO substance_listing (substance_id, instrument, list_code)
                SELECT s.id, u.instrument, u.list FROM substance s, unnest(\(instruments)::text[], \(lists)::text[]) AS u(instrument, list)
                 WHERE s.code = \(s.code)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            counts.inserted += added
            counts.updated += removed
            counts.unchanged += s.listings.count - added
        }
        return counts
    }

    private func upsertOffices(_ items: [Office], _ c: PostgresConnection) async throws -> Counts {
        var counts = Counts()
        for o in items {
            try tally(
                try await c.rows(
                    """
                    INSERT INTO customs_office (code, name, kind, neighbour_country, hot_route, province)
                    VALUES (\(o.code), \(o.name), \(o.kind), \(o.neighbour), \(o.hot), \(o.province))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
                        neighbour_country = EXCLUDED.neighbour_country, hot_route = EXCLUDED.hot_route,
                        province = EXCLUDED.province, updated_at = now()
                    WHERE (customs_office.name, customs_office.kind, customs_office.neighbour_country, customs_office.hot_route, customs_office.province)
                          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.neighbour_country, EXCLUDED.hot_route, EXCLUDED.province)
                    RETURNING (xmax = 0)
                    """, logger: logger), into: &counts)
        }
        return counts
    }

    private func upsertZones(_ items: [Zone], _ c: PostgresConnection) async throws -> Counts {
        var counts = Counts()
        for z in items {
            try tally(
                try await c.rows(
                    """
                    INSERT INTO zone (code, name, kind, province) VALUES (\(z.code), \(z.name), \(z.kind), \(z.province))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, province = EXCLUDED.province, updated_at = now()
                    WHERE (zone.name, zone.kind, zone.province) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.province)
                    RETURNING (xmax = 0)
                    """, logger: logger), into: &counts)
        }
        return counts
    }
}

extension JSONEncoder {
    /// Stable output for audit entries and CLI JSON.
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
