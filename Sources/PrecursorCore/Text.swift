import Foundation

extension String {
    /// The text in Unicode Normalisation Form C: Vietnamese typed with combining diacritics (e.g. "e" + U+0302 +
    /// U+0301) becomes the precomposed letters ("ế") that the database stores and compares.
    public var nfc: String {
        // Most input is ASCII or already NFC; skip the Foundation round trip for pure ASCII.
        if utf8.allSatisfy({ $0 < 0x80 }) { return self }
        return precomposedStringWithCanonicalMapping
    }

    /// The text NFC-normalised with surrounding white space removed; nil when nothing remains.
    public var normalizedField: String? {
        let trimmed = nfc.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
