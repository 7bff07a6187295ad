import Foundation
import Testing

@testable import PrecursorCore

@Suite struct CSVReaderTests {
    func records(_ text: String) throws -> [CSVRecord] {
        var reader = CSVReader(bytes: Array(text.utf8))
        var out: [CSVRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }

    @Test func readsPlainRecordsWithLineNumbers() throws {
        let out = try records("a,b,c\n1,2,3\n4,5,6\n")
        #expect(
            out == [
                CSVRecord(line: 1, fields: ["a", "b", "c"]), CSVRecord(line: 2, fields: ["1", "2", "3"]),
                CSVRecord(line: 3, fields: ["4", "5", "6"]),
            ])
    }

    @Test func stripsTheByteOrderMarkAndAcceptsCRLF() throws {
        let out = try records("\u{FEFF}tax_code,name\r\n0100233488,Công ty\r\n")
        #expect(out == [CSVRecord(line: 1, fields: ["tax_code", "name"]), CSVRecord(line: 2, fields: ["0100233488", "Công ty"])])
    }

    @Test func quotedFieldsKeepCommasQuotesAndLineBreaks() throws {
        let out = try records("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,one\n")
        #expect(out[1].fields == ["x, y", "say \"hi\""])
        #expect(out[2] == CSVRecord(line: 3, fields: ["two\nlines", "z"]))
        // A record spanning lines is numbered by its first line; the next record keeps physical numbering.
        #expect(out[3].line == 5)
    }

    @Test func emptyFieldsAndMissingFinalNewline() throws {
        #expect(try records("a,,c\n,,") == [CSVRecord(line: 1, fields: ["a", "", "c"]), CSVRecord(line: 2, fields: ["", "", ""])])
    }

    @Test func skipsBlankLinesButCountsThem() throws {
        let out = try records("h\n\n1\r\n\r\n2\n")
        #expect(out.map(\.line) == [1, 3, 5])
    }

    @Test func reportsAnUnbalancedQuoteAtTheLineItOpens() {
        #expect(throws: CSVError(kind: .unterminatedQuote, line: 3)) { try records("a,b\n1,2\n3,\"open\n4,5\n") }
    }

    @Test func reportsTextAfterAClosingQuote() {
        #expect(throws: CSVError(kind: .textAfterClosingQuote, line: 2)) { try records("a,b\n\"x\"y,2\n") }
    }

    @Test func reportsInvalidUTF8() {
        var reader = CSVReader(bytes: Array("a\n".utf8) + [0xC3, 0x28, 0x0A])
        _ = try? reader.next()
        #expect(throws: CSVError(kind: .invalidUTF8, line: 2)) { try reader.next() }
    }

    @Test func streamsFromAFileInSmallChunks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID()).csv").path
        let body = "h1,h2\n" + (1...500).map { "\($0),\"v\($0)\nnext\"" }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: path, contents: Data(body.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = CSVReader(handle: FileHandle(forReadingAtPath: path)!, chunkSize: 7)
        var count = 0
        var lastLine = 0
        while let record = try reader.next() {
            count += 1
            lastLine = record.line
        }
        #expect(count == 501)
        #expect(lastLine == 1 + 2 * 499 + 1)
    }

    @Test func headerNamesEveryProblemAtOnce() {
        #expect(throws: CSVHeader.Problem(missing: ["name"], unknown: ["colour"], duplicated: ["code"])) {
            try CSVHeader(["code", "colour", "code"], required: ["code", "name"])
        }
        let header = try? CSVHeader([" Code ", "name"], required: ["code", "name"])
        #expect(header?.index["code"] == 0)
    }

    @Test func normalisesVietnameseToNFC() {
        let decomposed = "Co\u{0302}ng ty Du\u{031B}o\u{031B}\u{0323}c"  // typed with combining marks
        #expect(decomposed.nfc == "Công ty Dược")
        #expect(decomposed.nfc.unicodeScalars.count < decomposed.unicodeScalars.count)
        #expect("  Hà Nội ".normalizedField == "Hà Nội")
        #expect("   ".normalizedField == nil)
    }
}
