import Foundation
import PrecursorCore

/// A map from catalogue codes (tax codes, office and unit codes, substance codes and CAS numbers, licence numbers) to
/// values, looked up by a field's bytes: a declarations file makes seven look-ups a line, and a `[String: Value]` made a
/// String and ran SipHash for each (a fifth of the importer's CPU at a million lines).
///
/// Keys compare as their NFC bytes, so canonically equivalent texts are one key, as they are for a `[String: Value]`;
/// a key stored twice keeps its last value. Each key has a dense index (the order of first insertion), for callers
/// that mark which entries they used.
struct CodeTable<Value> {
    /// The values, by index.
    private(set) var values: [Value] = []
    private var keyBytes: [UInt8] = []
    private var keyEnds: [Int] = []
    /// Open addressing: each slot holds an index + 1, or 0 when empty; at most half of them are full.
    private var slots = [Int32](repeating: 0, count: 16)

    init() {}

    /// The number of keys.
    var count: Int { values.count }

    /// The value of `key`; setting replaces the value of a key already there.
    subscript(key: String) -> Value? {
        get { find(key).map { values[$0] } }
        set {
            guard let newValue else { preconditionFailure("a CodeTable never removes a key") }
            if let index = find(key) {
                values[index] = newValue
            } else {
                insert(Array(key.nfc.utf8), newValue)
            }
        }
    }

    /// The index and value of the key whose staged text these bytes are (trimmed; NFC-normalised here when they are
    /// not ASCII); nil when there is none, and for no bytes (an empty field is NULL, which names nothing).
    func find(_ bytes: ArraySlice<UInt8>) -> (index: Int, value: Value)? {
        let index: Int?
        if bytes.isEmpty {
            return nil
        } else if bytes.allSatisfy({ $0 < 0x80 }) {
            index = bytes.withUnsafeBytes { slot(of: $0) }
        } else {
            index = find(String(decoding: bytes, as: UTF8.self))
        }
        return index.map { ($0, values[$0]) }
    }

    private func find(_ key: String) -> Int? {
        var normalized = key.nfc
        return normalized.withUTF8 { slot(of: UnsafeRawBufferPointer($0)) }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        // FNV-1a, then the high bits folded in (the table masks the low ones).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    private func slot(of bytes: UnsafeRawBufferPointer) -> Int? {
        let mask = slots.count - 1
        var position = Self.hash(bytes) & mask
        return keyBytes.withUnsafeBytes { stored in
            while true {
                let entry = Int(slots[position]) - 1
                if entry < 0 { return nil }
                let start = entry == 0 ? 0 : keyEnds[entry - 1]
                if keyEnds[entry] - start == bytes.count,
                    bytes.isEmpty || memcmp(stored.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
                {
                    return entry
                }
                position = (position + 1) & mask
            }
        }
    }

    private mutating func insert(_ key: [UInt8], _ value: Value) {
        values.append(value)
        keyBytes.append(contentsOf: key)
        keyEnds.append(keyBytes.count)
        if values.count * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for entry in 0..<values.count { place(entry) }
        } else {
            place(values.count - 1)
        }
    }

    private mutating func place(_ entry: Int) {
        let start = entry == 0 ? 0 : keyEnds[entry - 1]
        let mask = slots.count - 1
        var position = keyBytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[start..<keyEnds[entry]])) } & mask
        while slots[position] != 0 { position = (position + 1) & mask }
        slots[position] = Int32(entry + 1)
    }
}
