import NIOCore
import PrecursorCore

/// Rows being encoded for `COPY … FROM STDIN`, handed to the server in chunks.
protocol CopyRows {
    /// Whether the rows are in PostgreSQL's binary COPY format (else its text format).
    static var isBinary: Bool { get }
    /// Bytes encoded and not yet handed over.
    var pendingBytes: Int { get }
    /// Hands over the bytes encoded so far.
    mutating func take() -> ByteBuffer
    /// Ends the data after the last row.
    mutating func finish()
}

/// Turns raw CSV records into rows of PostgreSQL's COPY text format (tab-separated, backslash escapes, `\N` for
/// NULL), byte by byte: the hot loop of an import allocates no String for ASCII fields.
///
/// Each row starts with the record's line number. Fields are trimmed of spaces and tabs; an empty field becomes NULL;
/// a field with non-ASCII bytes is validated as UTF-8 and NFC-normalised (Vietnamese typed with combining
/// diacritics is stored precomposed).
struct CopyEncoder: CopyRows {
    /// Why a record cannot be encoded; the importer turns it into a file-level error naming the line.
    enum Problem: Error {
        case invalidUTF8(line: Int)
        case nulByte(line: Int)
    }

    private(set) var buffer: ByteBuffer
    private var digits = [UInt8](repeating: 0, count: 20)

    init(capacity: Int = 1 << 17) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    static var isBinary: Bool { false }

    var pendingBytes: Int { buffer.readableBytes }

    /// Hands over the bytes encoded so far and starts a new buffer.
    mutating func take() -> ByteBuffer {
        let full = buffer
        buffer = ByteBufferAllocator().buffer(capacity: max(full.capacity, 1 << 16))
        return full
    }

    /// The text format needs no trailer.
    mutating func finish() {}

    /// Checks every field of `record` as `append(_:)` would stage it (no NUL byte; valid UTF-8), for a record that is
    /// not staged as text.
    static func validate(_ record: borrowing RawCSVRecord) throws(Problem) {
        let bytes = record.bytes
        // Nearly every record is ASCII without NUL: one pass over all its bytes says so.
        let plain = bytes.withUnsafeBufferPointer { buffer in !buffer.contains { $0 == 0 || $0 >= 0x80 } }
        if plain { return }
        for index in 0..<record.count {
            let start = record.fieldStart(index)
            let end = record.ends[index]
            var ascii = true
            for position in start..<end {
                let byte = bytes[position]
                if byte >= 0x80 { ascii = false } else if byte == 0 { throw .nulByte(line: record.line) }
            }
            if !ascii, String(validating: bytes[start..<end], as: UTF8.self) == nil { throw .invalidUTF8(line: record.line) }
        }
    }

    /// Appends one row: the line number, then every field of `record`.
    mutating func append(_ record: borrowing RawCSVRecord) throws(Problem) {
        writeInteger(record.line)
        for index in 0..<record.count {
            buffer.writeInteger(UInt8(ascii: "\t"))
            try writeField(record, index)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    // MARK: - Rows built column by column

    /// Starts a row with the record's line number.
    mutating func beginRow(line: Int) {
        writeInteger(line)
    }

    /// Appends field `index` of `record`, staged as `append(_:)` stages it.
    mutating func appendField(_ record: borrowing RawCSVRecord, _ index: Int) throws(Problem) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        try writeField(record, index)
    }

    /// Appends an integer column, NULL for nil.
    mutating func appendInteger(_ value: Int?) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let value { writeInteger(value) } else { buffer.writeStaticString("\\N") }
    }

    /// Appends a text column, NULL for nil.
    mutating func appendText(_ value: String?) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        guard let value else {
            buffer.writeStaticString("\\N")
            return
        }
        if value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            writeEscaped(Array(value.utf8)[...])
        } else {
            buffer.writeString(value)
        }
    }

    /// Appends a `text[]` column, NULL for an empty array.
    mutating func appendTextArray(_ values: [String]) {
        guard !values.isEmpty else { return appendText(nil) }
        let quoted = values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        appendText("{" + quoted.joined(separator: ",") + "}")
    }

    /// Ends the row.
    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private mutating func writeInteger(_ value: Int) {
        var value = value
        var count = 0
        repeat {
            count += 1
            digits[digits.count - count] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        } while value > 0
        buffer.writeBytes(digits[(digits.count - count)...])
    }

    private mutating func writeField(_ record: borrowing RawCSVRecord, _ index: Int) throws(Problem) {
        var start = record.fieldStart(index)
        var end = record.ends[index]
        let bytes = record.bytes
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == end {
            buffer.writeStaticString("\\N")
            return
        }
        var plain = true
        var ascii = true
        for position in start..<end {
            let byte = bytes[position]
            if byte >= 0x80 {
                ascii = false
            } else if byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                plain = false
            } else if byte == 0 {
                throw .nulByte(line: record.line)
            }
        }
        if ascii {
            if plain {
                buffer.writeBytes(bytes[start..<end])
            } else {
                writeEscaped(bytes[start..<end])
            }
            return
        }
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else { throw .invalidUTF8(line: record.line) }
        writeEscaped(Array(text.nfc.utf8)[...])
    }

    private mutating func writeEscaped(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
