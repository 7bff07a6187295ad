import Foundation

/// One CSV record and the physical line it starts on (the header is line 1).
public struct CSVRecord: Sendable, Equatable {
    public let line: Int
    public let fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A CSV file that breaks RFC 4180 in a way that makes its records unknowable.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case unterminatedQuote
        case textAfterClosingQuote
        case invalidUTF8
    }

    public let kind: Kind
    public let line: Int

    public var description: String {
        switch kind {
        case .unterminatedQuote:
            "line \(line): a quoted field opened here is never closed (unbalanced quotes)"
        case .textAfterClosingQuote:
            "line \(line): text follows a closing quote; quote the whole field and double any quote inside it"
        case .invalidUTF8:
            "line \(line): the bytes are not valid UTF-8; save the file as UTF-8"
        }
    }
}

/// A streaming RFC 4180 reader: reads a file in chunks, so memory stays flat in the file size.
///
/// Accepts a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields with doubled quotes and line breaks inside.
/// Blank lines are skipped. Field values are returned as read (no trimming, no normalisation).
public struct CSVReader: ~Copyable {
    private let source: FileHandle
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    private var line = 1
    private var started = false

    /// Reads from an open file handle (a file, a pipe or standard input).
    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        source = handle
        self.chunkSize = chunkSize
    }

    /// Reads from bytes in memory (tests, small documents).
    public init(bytes: [UInt8]) {
        source = FileHandle.nullDevice
        chunkSize = 1
        buffer = bytes
        exhausted = true
    }

    private mutating func fill() -> Bool {
        if position < buffer.count { return true }
        if exhausted { return false }
        let data = source.readData(ofLength: chunkSize)
        if data.isEmpty {
            exhausted = true
            return false
        }
        buffer = [UInt8](data)
        position = 0
        return true
    }

    private mutating func peek() -> UInt8? {
        fill() ? buffer[position] : nil
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws(CSVError) -> CSVRecord? {
        if !started {
            started = true
            if fill(), buffer.count - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB,
                buffer[position + 2] == 0xBF
            {
                position += 3
            }
        }
        // Skip blank lines between records.
        while let byte = peek(), byte == 0x0A || byte == 0x0D {
            position += 1
            if byte == 0x0A { line += 1 }
        }
        guard peek() != nil else { return nil }

        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        field.reserveCapacity(64)
        var quoted = false
        var afterQuote = false
        var quoteLine = line

        func finish(_ field: inout [UInt8], into fields: inout [String], line: Int) throws(CSVError) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw CSVError(kind: .invalidUTF8, line: line)
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
        }

        while true {
            guard fill() else {
                if quoted { throw CSVError(kind: .unterminatedQuote, line: quoteLine) }
                try finish(&field, into: &fields, line: startLine)
                return CSVRecord(line: startLine, fields: fields)
            }
            let byte = buffer[position]
            position += 1
            if quoted {
                if byte == 0x22 {
                    if peek() == 0x22 {
                        position += 1
                        field.append(0x22)
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case 0x2C:  // ,
                try finish(&field, into: &fields, line: startLine)
                afterQuote = false
            case 0x0A:  // \n
                line += 1
                try finish(&field, into: &fields, line: startLine)
                return CSVRecord(line: startLine, fields: fields)
            case 0x0D where peek() == 0x0A || peek() == nil:  // \r\n
                continue
            case 0x22 where field.isEmpty && !afterQuote:  // opening quote
                quoted = true
                quoteLine = line
            default:
                if afterQuote { throw CSVError(kind: .textAfterClosingQuote, line: line) }
                field.append(byte)
            }
        }
    }
}
