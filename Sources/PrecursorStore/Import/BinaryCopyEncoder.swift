import NIOCore
import PrecursorCore

/// Writes rows in PostgreSQL's binary COPY format, each value already in its column's type: the server stores them
/// without parsing text (`int4`, `int8`, `date`, `numeric`, `text`).
///
/// The format: a signature and two zero words, then per row a 16-bit field count and each field as a 32-bit length
/// (-1 for NULL) followed by its bytes (big-endian), and a trailer of -1. A row is written in place through one
/// pointer (`BinaryRow`): a million rows of small values through `ByteBuffer.writeInteger` cost seconds.
struct BinaryCopyEncoder: CopyRows {
    private(set) var buffer: ByteBuffer

    init(capacity: Int = 1 << 19) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeBytes([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])  // PGCOPY\n\377\r\n\0
        buffer.writeInteger(Int32(0))  // flags
        buffer.writeInteger(Int32(0))  // header extension length
    }

    static var isBinary: Bool { true }

    var pendingBytes: Int { buffer.readableBytes }

    /// Hands over the bytes encoded so far and starts a new buffer.
    mutating func take() -> ByteBuffer {
        let full = buffer
        buffer = ByteBufferAllocator().buffer(capacity: max(full.capacity, 1 << 16))
        return full
    }

    /// Ends the data (after the last row).
    mutating func finish() {
        buffer.writeInteger(Int16(-1))
    }

    /// Appends one row of `fields` values that `body` writes in at most `capacity` bytes (see `BinaryRow` for what
    /// each value takes).
    mutating func appendRow(fields: Int, capacity: Int, _ body: (inout BinaryRow) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity + 2) { raw in
            var row = BinaryRow(base: raw.baseAddress!)
            row.put(UInt16(fields))
            body(&row)
            precondition(row.offset <= capacity + 2, "a binary COPY row outgrew its capacity")
            return row.offset
        }
    }
}

/// One row being written in place. Sizes: NULL 4 bytes, `int4` and `date` 8, `int8` 12, `text` 4 + its bytes,
/// `numeric` at most `BinaryRow.numericCapacity`.
struct BinaryRow {
    /// The most bytes a `numeric` of `PlainDecimal` takes: header, length and up to 11 base-10000 digits.
    static let numericCapacity = 4 + 8 + 2 * 11

    let base: UnsafeMutableRawPointer
    private(set) var offset = 0

    init(base: UnsafeMutableRawPointer) {
        self.base = base
    }

    fileprivate mutating func put<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
    }

    mutating func null() {
        put(Int32(-1))
    }

    /// An `int4` value.
    mutating func int32(_ value: Int) {
        put(Int32(4))
        put(Int32(truncatingIfNeeded: value))
    }

    /// An `int8` value, NULL for nil.
    mutating func int64(_ value: Int?) {
        guard let value else { return null() }
        put(Int32(8))
        put(Int64(value))
    }

    /// A `text` value from bytes that are valid UTF-8 (and NFC where that matters).
    mutating func text(_ bytes: ArraySlice<UInt8>) {
        put(Int32(bytes.count))
        bytes.withUnsafeBytes { (base + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        offset += bytes.count
    }

    /// A `text` value, NULL for nil.
    mutating func text(_ value: String?) {
        guard var value else { return null() }
        value.withUTF8 { utf8 in
            put(Int32(utf8.count))
            if let address = utf8.baseAddress { (base + offset).copyMemory(from: address, byteCount: utf8.count) }
            offset += utf8.count
        }
    }

    /// A `date` from `YYYY-MM-DD` bytes already checked by `ISODate.isReal`: days since 2000-01-01.
    mutating func date(_ bytes: ArraySlice<UInt8>) {
        func number(_ offset: Int, _ count: Int) -> Int {
            var value = 0
            for index in bytes.startIndex + offset..<bytes.startIndex + offset + count {
                value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
            }
            return value
        }
        put(Int32(4))
        put(Int32(Self.daysSince2000(year: number(0, 4), month: number(5, 2), day: number(8, 2))))
    }

    /// Days from 2000-01-01 to a date of the proleptic Gregorian calendar (PostgreSQL's `date` representation).
    static func daysSince2000(year: Int, month: Int, day: Int) -> Int {
        // Days from civil (H. Hinnant): years start in March so that the leap day comes last.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 - 10_957  // 1970-01-01, then 2000-01-01
    }

    private static let padding: [UInt128] = [1, 10, 100, 1000]

    /// A `numeric` with exactly `value`'s digits and display scale; the column's type modifier then rounds it as an
    /// assignment of the same value would. NULL for nil.
    mutating func numeric(_ value: PlainDecimal?) {
        guard let value else { return null() }
        // Base-10000 digits line up with the decimal point: pad the fraction to a multiple of four digits.
        let pad = (4 - value.scale % 4) % 4
        let magnitude = value.mantissa.magnitude * Self.padding[pad]
        if magnitude <= UInt128(UInt64.max) {
            numeric(UInt64(magnitude), fractionGroups: (value.scale + pad) / 4, negative: value.mantissa < 0, scale: value.scale)
        } else {
            numeric(magnitude, fractionGroups: (value.scale + pad) / 4, negative: value.mantissa < 0, scale: value.scale)
        }
    }

    private mutating func numeric<T: FixedWidthInteger & UnsignedInteger>(
        _ magnitude: T, fractionGroups: Int, negative: Bool, scale: Int
    ) {
        var rest = magnitude
        var dropped = 0
        // Trailing zero groups carry no information.
        while rest > 0, rest % 10_000 == 0 {
            rest /= 10_000
            dropped += 1
        }
        var count = 0
        var probe = rest
        while probe > 0 {
            probe /= 10_000
            count += 1
        }
        put(Int32(8 + 2 * count))
        put(Int16(count))
        put(Int16(count == 0 ? 0 : count + dropped - fractionGroups - 1))
        put(UInt16(negative && count > 0 ? 0x4000 : 0))
        put(Int16(scale))
        // Most significant group first: fill the digits from the end.
        var position = offset + 2 * count
        offset = position
        while rest > 0 {
            position -= 2
            base.storeBytes(of: UInt16(rest % 10_000).bigEndian, toByteOffset: position, as: UInt16.self)
            rest /= 10_000
        }
    }
}
