import PrecursorCore
import Testing

@testable import PrecursorStore

/// The catalogue's code tables answer as the `[String: Value]` dictionaries they replace: canonically equivalent texts
/// are one key, the last value stored wins, and every key is found however many there are.
@Suite struct CodeTableTests {
    static func bytes(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    @Test func findsKeysByTheirBytesAndKeepsTheLastValue() {
        var table = CodeTable<Int>()
        table["HAN_AIR"] = 1
        table["SGN_AIR"] = 2
        table["HAN_AIR"] = 3
        #expect(table.count == 2)
        #expect(table.find(Self.bytes("HAN_AIR"))?.value == 3 && table.find(Self.bytes("HAN_AIR"))?.index == 0)
        #expect(table.find(Self.bytes("SGN_AIR"))?.index == 1)
        #expect(table.find(Self.bytes("HAN_AI")) == nil && table.find(Self.bytes("HAN_AIRX")) == nil)
        #expect(table.find(Self.bytes("han_air")) == nil && table.find([]) == nil)
        #expect(table["SGN_AIR"] == 2 && table["DAD_AIR"] == nil)
        // An empty field names nothing, even when the catalogue holds an empty code.
        table[""] = 4
        #expect(table[""] == 4 && table.find([]) == nil)
    }

    @Test func canonicallyEquivalentTextsAreOneKey() {
        var table = CodeTable<String>()
        table["Giấy phép số 1"] = "composed"
        let decomposed = "Gia\u{0302}\u{0301}y phe\u{0301}p so\u{0302}\u{0301} 1"
        #expect(Self.bytes(decomposed) != Self.bytes("Giấy phép số 1"))
        #expect(table.find(Self.bytes(decomposed))?.value == "composed")
        table[decomposed] = "replaced"
        #expect(table.count == 1 && table.find(Self.bytes("Giấy phép số 1"))?.value == "replaced")
        #expect(table.find(Self.bytes("Giấy phép số 2")) == nil)
    }

    @Test func everyKeyOfALargeTableIsFound() {
        var table = CodeTable<Int>()
        for n in 0..<5_000 { table[String(format: "01%08d", n)] = n }
        #expect(table.count == 5_000)
        #expect((0..<5_000).allSatisfy { table.find(Self.bytes(String(format: "01%08d", $0)))?.value == $0 })
        #expect(table.find(Self.bytes("0100005000")) == nil)
    }

    /// The lines that load name these rows (the importer locks them); rejected lines name none.
    @Test func aCheckCollectsTheReferencesOfTheLinesThatLoad() throws {
        var catalog = DeclarationCatalog()
        catalog.firms["0100233488"] = 7
        catalog.firms["0100233505"] = 8
        catalog.offices["HAN_AIR"] = 3
        catalog.offices["SGN_AIR"] = 4
        let acetic = DeclarationCatalog.Substance(id: 11, code: "ACETIC_ANHYDRIDE", density: nil, index: 0)
        catalog.substances = [acetic]
        catalog.substancesByCode["ACETIC_ANHYDRIDE"] = acetic
        catalog.units["KGM"] = DeclarationCatalog.Unit(code: "KGM", factor: .one, isVolume: false)
        catalog.licences["Giấy phép số 1"] = (21, "Giấy phép số 1")
        catalog.licences["LIC-2"] = (22, "LIC-2")
        let text = """
            declaration_no,line_no,declared_on,direction,tax_code,customs_office,transport_mode,country,hs_code,substance,quantity,unit,concentration_pct,licence_no,value_usd
            D-1,1,2026-01-05,import,0100233488,HAN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,Gia\u{0302}\u{0301}y phe\u{0301}p so\u{0302}\u{0301} 1,
            D-1,2,2026-01-05,import,0100233505,SGN_AIR,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LIC-2,
            D-1,3,2026-01-05,import,0100233488,NOWHERE,air,CN,2915.24,ACETIC_ANHYDRIDE,1,KGM,,LIC-9,

            """
        var reader = CSVReader(bytes: Array(text.utf8))
        let header = try CSVHeader(try #require(try reader.next()).fields, required: ImportKind.declarations.columns)
        var check = DeclarationCheck(catalog: catalog, header: header)
        var record = RawCSVRecord()
        var outcomes: [DeclarationCheck.Outcome] = []
        while try reader.next(into: &record) { outcomes.append(check.check(record)) }
        #expect(outcomes.map(\.reasons) == [[], [], ["customs_office NOWHERE: unknown customs office code"]])
        #expect(outcomes[0].licenceID == 21 && outcomes[0].licenceNo.map { Array($0.utf8) } == Array("Giấy phép số 1".utf8))
        #expect(outcomes[1].firmID == 8 && outcomes[1].officeID == 4 && outcomes[1].substanceID == 11 && outcomes[1].licenceID == 22)
        #expect(
            check.references
                == DeclarationCheck.References(firms: [7, 8], offices: [3, 4], substances: [11], units: ["KGM"], licences: [21, 22]))
    }
}
