extension TaxCode {
    /// Why a field is not a valid tax code, worded as import reject reasons are (`tax_code 0100233489: check digit 9,
    /// expected 8`); nil when it is valid. `text` is the field as staged (trimmed; nil when empty). The same wording
    /// and tests as the database's `mst_problem` (sql/0008), which the firms, facilities, licences and reports imports
    /// still use.
    public static func problem(_ text: String?) -> String? {
        guard let code = text else { return "tax_code is empty" }
        let bytes = Array(code.utf8)
        let shaped =
            (bytes.count == 10 || (bytes.count == 14 && bytes[10] == UInt8(ascii: "-")))
            && bytes.indices.allSatisfy { $0 == 10 || (bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9")) }
        guard shaped else {
            return "tax_code \(code): expected 10 digits, or 10 digits, a hyphen and a 3-digit branch number"
        }
        let digits = bytes.map { Int($0) - Int(UInt8(ascii: "0")) }
        let check = checkDigit(Array(digits[0..<9]))
        let zeroSequence = digits[2..<9].allSatisfy { $0 == 0 }
        let zeroBranch = bytes.count == 14 && digits[11..<14].allSatisfy { $0 == 0 }
        if !zeroSequence, !zeroBranch, let check, check == digits[9] { return nil }
        if zeroSequence { return "tax_code \(code): digits 3-9 are all zero" }
        if zeroBranch { return "tax_code \(code): branch suffix 000; branches are numbered 001-999" }
        guard let check else { return "tax_code \(code): no check digit exists for the first nine digits" }
        return "tax_code \(code): check digit \(digits[9]), expected \(check)"
    }
}
