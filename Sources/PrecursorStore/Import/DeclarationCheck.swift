import PrecursorCore

/// Checks one declaration line while it streams: parses numbers and dates, resolves firm, customs office, substance
/// (by code, CAS number or HS code), unit and licence against the catalogue, derives kg of pure substance, and
/// collects every reason the line cannot load, worded and ordered as the set-based SQL this replaces worded them.
///
/// A field is its staged text: trimmed of spaces and tabs, NFC-normalised, nil when empty (what `CopyEncoder` sends).
struct DeclarationCheck {
    /// The result for one line. For a line without reasons every resolved value is set except `licenceID` (a cited
    /// licence may be unknown) and, exceptionally, `kgPure` (when the exact product does not fit 128 bits; SQL then
    /// computes it).
    struct Outcome {
        var reasons: [String] = []
        var firmID: Int?
        var officeID: Int?
        var substanceID: Int?
        var hsDigits: String?
        var kgPure: PlainDecimal?
        var licenceID: Int?
        /// The values stored as they are (set for a line without reasons): the declared quantity, the concentration
        /// rounded to 4 places (100 when empty), the value in USD, the unit code and the cited licence number.
        var quantity: PlainDecimal?
        var percent: PlainDecimal?
        var valueUSD: PlainDecimal?
        var unit: String?
        var licenceNo: String?
    }

    /// The rows that load refer to these; the importer locks them once (`FOR KEY SHARE`) before writing.
    struct References: Equatable {
        var firms: Set<Int> = []
        var offices: Set<Int> = []
        var substances: Set<Int> = []
        var units: Set<String> = []
        var licences: Set<Int> = []
    }

    let catalog: DeclarationCatalog
    /// The position in each record of every column of `ImportKind.declarations.columns`, in that order.
    let positions: [Int]
    /// Which catalogue entries the loaded lines use, by their index in the catalogue's tables (a flag each is cheaper
    /// per line than a set).
    private var usedFirms: [Bool]
    private var usedOffices: [Bool]
    private var usedSubstances: [Bool]
    private var usedUnits: [Bool]
    private var usedLicences: [Bool]

    init(catalog: DeclarationCatalog, header: CSVHeader) {
        self.catalog = catalog
        positions = ImportKind.declarations.columns.map { header.index[$0]! }
        usedFirms = Array(repeating: false, count: catalog.firms.count)
        usedOffices = Array(repeating: false, count: catalog.offices.count)
        usedSubstances = Array(repeating: false, count: catalog.substances.count)
        usedUnits = Array(repeating: false, count: catalog.units.count)
        usedLicences = Array(repeating: false, count: catalog.licences.count)
    }

    /// The rows the lines checked so far (those without reasons) refer to.
    var references: References {
        func used<Value, Key: Hashable>(_ flags: [Bool], _ values: [Value], _ key: (Value) -> Key) -> Set<Key> {
            Set(flags.indices.filter { flags[$0] }.map { key(values[$0]) })
        }
        return References(
            firms: used(usedFirms, catalog.firms.values) { $0 }, offices: used(usedOffices, catalog.offices.values) { $0 },
            substances: used(usedSubstances, catalog.substances) { $0.id }, units: used(usedUnits, catalog.units.values) { $0.code },
            licences: used(usedLicences, catalog.licences.values) { $0.id })
    }

    private static let directions = ["import", "export"].map { Array($0.utf8) }
    private static let modes = ["air", "sea", "road", "rail", "express", "post"].map { Array($0.utf8) }

    private static func isOne(of words: [[UInt8]], _ bytes: ArraySlice<UInt8>) -> Bool {
        words.contains { $0.elementsEqual(bytes) }
    }

    mutating func check(_ record: borrowing RawCSVRecord) -> Outcome {
        let fields = StagedFields(record: record, positions: positions)
        var outcome = Outcome()
        var reasons: [String] = []

        let declarationNo = fields.bytes(0)
        if !declarationNo.isEmpty {
            if declarationNo.count > 32 || !declarationNo.allSatisfy(Self.isDeclarationByte) {
                reasons.append("declaration_no \(fields.text(0)!): use 1 to 32 letters, digits, /, _ or -")
            }
        } else {
            reasons.append("declaration_no is empty")
        }
        let lineNo = fields.bytes(1)
        let significant = lineNo.drop { $0 == UInt8(ascii: "0") }
        if lineNo.isEmpty || !lineNo.allSatisfy(Self.isDigit) || significant.isEmpty || significant.count > 3 {
            reasons.append("line_no \(fields.text(1) ?? "(empty)"): expected a whole number from 1 to 999")
        }
        if !ISODate.isReal(fields.bytes(2)) {
            reasons.append("declared_on \(fields.text(2) ?? "(empty)"): not a real date written YYYY-MM-DD")
        }
        if !Self.isOne(of: Self.directions, fields.bytes(3)) {
            reasons.append("direction \(fields.text(3) ?? "(empty)"): expected import or export")
        }
        let office = catalog.offices.find(fields.bytes(5))
        outcome.officeID = office?.value
        if office == nil {
            reasons.append("customs_office \(fields.text(5) ?? "(empty)"): unknown customs office code")
        }
        if !Self.isOne(of: Self.modes, fields.bytes(6)) {
            reasons.append("transport_mode \(fields.text(6) ?? "(empty)"): expected air, sea, road, rail, express or post")
        }
        let country = fields.bytes(7)
        if country.count != 2 || !country.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            reasons.append("country \(fields.text(7) ?? "(empty)"): expected a two-letter ISO 3166 code in capitals")
        }

        // Substance: by code, else by CAS number; when the field is empty, the HS code must name exactly one.
        let substanceBytes = fields.bytes(9)
        let hsBytes = fields.bytes(8)
        let hsText = fields.text(8)
        let hsDigits = hsText.map { text in
            guard hsBytes.contains(UInt8(ascii: ".")) else { return text }
            // Written in place: the digits of a dotted code fit a small string (no allocation).
            let digits = String(unsafeUninitializedCapacity: hsBytes.count) { buffer in
                var count = 0
                for byte in hsBytes where byte != UInt8(ascii: ".") {
                    buffer[count] = byte
                    count += 1
                }
                return count
            }
            return digits.nfc
        }
        outcome.hsDigits = hsDigits
        var hsMatch: DeclarationCatalog.HSMatch?
        if let hsDigits, substanceBytes.isEmpty {
            // Lengths in code points, as PostgreSQL's length() and left() count them.
            let scalars = hsDigits.unicodeScalars
            hsMatch =
                catalog.hsCodes[hsDigits]
                ?? (scalars.count == 8 ? catalog.hsCodes[String(String.UnicodeScalarView(scalars.prefix(6)))] : nil)
        }
        let substanceUnknown: Bool
        let resolved: DeclarationCatalog.Substance?
        if !substanceBytes.isEmpty {
            resolved = (catalog.substancesByCode.find(substanceBytes) ?? catalog.substancesByCAS.find(substanceBytes))?.value
            substanceUnknown = resolved == nil
        } else {
            substanceUnknown = false
            resolved = hsMatch.flatMap { $0.substances == 1 ? $0.substance : nil }
        }
        outcome.substanceID = resolved?.id
        if let hsText, let hsDigits {
            let digits = hsDigits.utf8
            if (digits.count != 6 && digits.count != 8) || !digits.allSatisfy(Self.isDigit) {
                reasons.append("hs_code \(hsText): expected 6 or 8 digits (dots allowed)")
            } else if substanceBytes.isEmpty, (hsMatch?.substances ?? 0) == 0 {
                reasons.append("hs_code \(hsText) maps to no substance in the catalogue; fill in substance")
            } else if substanceBytes.isEmpty, let hsMatch, hsMatch.substances > 1 {
                reasons.append("hs_code \(hsText) maps to \(hsMatch.substances) substances (\(hsMatch.codes)); fill in substance")
            }
        } else {
            reasons.append("hs_code is empty")
        }

        let unitEntry = catalog.units.find(fields.bytes(11))
        let unit = unitEntry?.value
        let unitCode = unit?.code ?? fields.text(11)
        if let unitCode {
            if unit == nil {
                reasons.append("unit \(unitCode): unknown unit; use KGM, GRM, MGM, TNE, LTR, MLT or MTQ")
            } else if unit!.isVolume, let resolved, resolved.density == nil {
                reasons.append("unit \(unitCode): \(resolved.code) has no density in the catalogue; declare in KGM")
            }
        } else {
            reasons.append("unit is empty")
        }
        let quantity = PlainDecimal(fields.bytes(10))
        if let quantity, let unit, let unitCode {
            // quantity × factor × density (1 without one) at 10^12 kg or more; a product past 128 bits is far beyond.
            let kilograms = quantity.multiplied(by: unit.factor).flatMap { $0.multiplied(by: resolved?.density ?? .one) }
            if kilograms?.isAtLeast(powerOfTen: 12) ?? true {
                reasons.append("quantity \(fields.text(10)!) \(unitCode): too large")
            }
        }

        let firm = catalog.firms.find(fields.bytes(4))
        outcome.firmID = firm?.value
        if firm == nil {
            let taxCode = fields.text(4)
            reasons.append(TaxCode.problem(taxCode) ?? "tax_code \(taxCode!): unknown firm; import it with a firms file first")
        }
        if substanceUnknown {
            reasons.append("substance \(fields.text(9)!): unknown substance code or CAS number")
        }
        Self.amount("quantity", fields, 10, quantity, required: true, into: &reasons)
        let concentrationBytes = fields.bytes(12)
        let concentration = PlainDecimal(concentrationBytes)
        if !concentrationBytes.isEmpty {
            if concentration == nil {
                reasons.append("concentration_pct \(fields.text(12)!): not a number")
            } else if !concentration!.isPercentage {
                reasons.append("concentration_pct \(fields.text(12)!): outside 0-100 (more than 0, at most 100)")
            }
        }
        let valueUSD = PlainDecimal(fields.bytes(14))
        Self.amount("value_usd", fields, 14, valueUSD, required: false, into: &reasons)

        let licence = catalog.licences.find(fields.bytes(13))
        outcome.licenceID = licence?.value.id
        outcome.reasons = reasons
        guard reasons.isEmpty, let quantity, let unit, let resolved else { return outcome }

        // kg of pure substance = quantity × unit factor × (density for volumes) × concentration (4 places) / 100,
        // rounded to 6 places: the stored values, computed exactly.
        let percent = (concentration ?? .hundred).rounded(places: 4)
        outcome.kgPure = quantity.multiplied(by: unit.factor)
            .flatMap { unit.isVolume ? $0.multiplied(by: resolved.density!) : $0 }
            .flatMap { kilograms in percent.flatMap { kilograms.multiplied(by: $0) } }
            .flatMap { $0.hundredth.rounded(places: 6) }
        outcome.quantity = quantity
        outcome.percent = percent
        outcome.valueUSD = valueUSD
        outcome.unit = unit.code
        outcome.licenceNo = licence?.value.number ?? fields.text(13)
        usedFirms[firm!.index] = true
        usedOffices[office!.index] = true
        usedSubstances[resolved.index] = true
        usedUnits[unitEntry!.index] = true
        if let licence { usedLicences[licence.index] = true }
        return outcome
    }

    /// The reason for an amount (field `index` of `fields`) that is empty (when required), not a number, negative or
    /// implausibly large.
    private static func amount(
        _ column: String, _ fields: borrowing StagedFields, _ index: Int, _ value: PlainDecimal?, required: Bool, into reasons: inout [String]
    ) {
        if value != nil, !value!.isNegative, !value!.isAtLeast(powerOfTen: 12) { return }
        guard let text = fields.text(index) else {
            if required { reasons.append("\(column) is empty") }
            return
        }
        guard let value else {
            reasons.append("\(column) \(text): not a number (digits with an optional decimal point)")
            return
        }
        if value.isNegative {
            reasons.append("\(column) \(text): negative")
        } else if value.isAtLeast(powerOfTen: 12) {
            reasons.append("\(column) \(text): too large")
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isDeclarationByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}

/// The fields of one record as they are staged: trimmed of spaces and tabs, NFC-normalised, nil when empty.
struct StagedFields: ~Copyable {
    let bytes: [UInt8]
    let ends: [Int]
    let positions: [Int]

    init(record: borrowing RawCSVRecord, positions: [Int]) {
        bytes = record.bytes
        ends = record.ends
        self.positions = positions
    }

    /// The trimmed bytes of column `column` (an index into `positions`).
    func bytes(_ column: Int) -> ArraySlice<UInt8> {
        let index = positions[column]
        var start = index == 0 ? 0 : ends[index - 1]
        var end = ends[index]
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return bytes[start..<end]
    }

    /// The staged text of column `column`; nil when empty.
    func text(_ column: Int) -> String? {
        let slice = bytes(column)
        if slice.isEmpty { return nil }
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        return String(decoding: slice, as: UTF8.self).nfc
    }
}
