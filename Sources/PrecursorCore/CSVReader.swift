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

/// One record's raw bytes, reused from record to record so that a hot loop allocates nothing per row.
///
/// Field `i` is `bytes[fieldStart(i)..<ends[i]]`; the bytes are exactly as read (quotes removed, doubled quotes
/// undone), not yet validated as UTF-8.
public struct RawCSVRecord: Sendable {
    /// The physical line the record starts on.
    public internal(set) var line = 0
    /// Every field's bytes, one after another.
    public internal(set) var bytes: [UInt8] = []
    /// The end offset of each field in `bytes`.
    public internal(set) var ends: [Int] = []

    public init() {
        bytes.reserveCapacity(1024)
        ends.reserveCapacity(32)
    }

    /// The number of fields.
    public var count: Int { ends.count }

    /// The start offset of field `index` in `bytes`.
    public func fieldStart(_ index: Int) -> Int { index == 0 ? 0 : ends[index - 1] }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

/// A streaming RFC 4180 reader: reads a file in chunks, so memory stays flat in the file size.
///
/// Accepts a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields with doubled quotes and line breaks inside.
/// Blank lines are skipped. Field values are returned as read (no trimming, no normalisation).
public struct CSVReader: ~Copyable {
    private let source: FileHandle
    private let chunkSize: Int
    private let observe: ((UnsafeRawBufferPointer) -> Void)?
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    private var line = 1
    private var started = false
    private var raw = RawCSVRecord()

    /// Reads from an open file handle (a file, a pipe or standard input); `observe` sees every chunk as it is read
    /// (for a checksum over the exact bytes).
    public init(handle: FileHandle, chunkSize: Int = 1 << 20, observe: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        source = handle
        self.chunkSize = chunkSize
        self.observe = observe
    }

    /// Reads from bytes in memory (tests, small documents).
    public init(bytes: [UInt8]) {
        source = FileHandle.nullDevice
        chunkSize = 1
        observe = nil
        buffer = bytes
        exhausted = true
    }

    private mutating func fill() -> Bool {
        if position < buffer.count { return true }
        if exhausted { return false }
        // read(2) returns what is there: a pipe that stays open (a sender still writing) never blocks a full chunk.
        if buffer.count != chunkSize { buffer = [UInt8](repeating: 0, count: chunkSize) }
        let descriptor = source.fileDescriptor
        var count = 0
        repeat {
            count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
        } while count < 0 && errno == EINTR
        guard count > 0 else {
            buffer.removeAll()
            position = 0
            exhausted = true
            return false
        }
        if count < chunkSize { buffer.removeSubrange(count...) }
        if let observe { buffer.withUnsafeBytes { observe($0) } }
        position = 0
        return true
    }

    private mutating func peek() -> UInt8? {
        fill() ? buffer[position] : nil
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws(CSVError) -> CSVRecord? {
        var record = raw
        raw = RawCSVRecord()
        defer { raw = record }
        guard try next(into: &record) else { return nil }
        var fields: [String] = []
        fields.reserveCapacity(record.count)
        for index in 0..<record.count {
            guard let text = String(validating: record.bytes[record.fieldStart(index)..<record.ends[index]], as: UTF8.self) else {
                throw CSVError(kind: .invalidUTF8, line: record.line)
            }
            fields.append(text)
        }
        return CSVRecord(line: record.line, fields: fields)
    }

    /// Reads the next record's raw bytes into `record` (reusing its storage); false at the end of the input.
    /// The bytes are not validated as UTF-8: the caller does that where it needs text.
    public mutating func next(into record: inout RawCSVRecord) throws(CSVError) -> Bool {
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
        guard peek() != nil else { return false }

        record.reset()
        record.line = line
        var quoted = false
        var afterQuote = false
        var fieldEmpty = true
        var quoteLine = line

        while true {
            guard fill() else {
                if quoted { throw CSVError(kind: .unterminatedQuote, line: quoteLine) }
                record.ends.append(record.bytes.count)
                return true
            }
            let byte = buffer[position]
            position += 1
            if quoted {
                if byte == 0x22 {
                    if peek() == 0x22 {
                        position += 1
                        record.bytes.append(0x22)
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    record.bytes.append(byte)
                }
                continue
            }
            switch byte {
            case 0x2C:  // ,
                record.ends.append(record.bytes.count)
                afterQuote = false
                fieldEmpty = true
            case 0x0A:  // \n
                line += 1
                record.ends.append(record.bytes.count)
                return true
            case 0x0D where peek() == 0x0A || peek() == nil:  // \r\n
                continue
            case 0x22 where fieldEmpty && !afterQuote:  // opening quote
                quoted = true
                fieldEmpty = false
                quoteLine = line
            default:
                if afterQuote { throw CSVError(kind: .textAfterClosingQuote, line: line) }
                fieldEmpty = false
                record.bytes.append(byte)
                // The ordinary bytes that follow (no comma, quote or line end) are copied as one run.
                let end = buffer.withUnsafeBufferPointer { bytes in
                    var end = position
                    while end < bytes.count {
                        let next = bytes[end]
                        if next == 0x2C || next == 0x0A || next == 0x0D || next == 0x22 { break }
                        end += 1
                    }
                    return end
                }
                if end > position {
                    record.bytes.append(contentsOf: buffer[position..<end])
                    position = end
                }
            }
        }
    }
}
