/// Vietnamese enterprise tax code (mã số thuế, MST).
///
/// A legal entity has 10 digits: two of province prefix, seven of sequence and a check digit over the first nine
/// (weights 31, 29, 23, 19, 17, 13, 7, 5, 3; check = 10 − S mod 11, with 10 written as 0; a prefix whose sum is
/// divisible by 11 can never be valid). A dependent unit (branch) appends a three-digit suffix `001`–`999`, written
/// `NNNNNNNNNN-NNN`; only the first ten digits carry the check.
public struct TaxCode: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The canonical form: `NNNNNNNNNN` or `NNNNNNNNNN-NNN`.
    public let value: String

    /// Why a text is not a tax code.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case badCharacter(Character)
        case wrongLength(Int)
        case zeroSequence
        case zeroBranchSuffix
        case impossiblePrefix
        case wrongCheckDigit(expected: Int, found: Int)

        public var description: String {
            switch self {
            case .empty: "is empty"
            case .badCharacter(let c): "contains '\(c)'; only digits, spaces, dots and hyphens are allowed"
            case .wrongLength(let n): "has \(n) digits; expected 10 (enterprise) or 13 (branch)"
            case .zeroSequence: "has an all-zero sequence (digits 3-9)"
            case .zeroBranchSuffix: "has branch suffix 000; branches are numbered 001-999"
            case .impossiblePrefix: "has a first nine digits for which no check digit exists"
            case .wrongCheckDigit(let expected, let found): "has check digit \(found), expected \(expected)"
            }
        }
    }

    static let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]

    /// Parses and validates a tax code, ignoring spaces, dots and hyphens.
    public init(_ text: String) throws(Problem) {
        var digits: [Int] = []
        digits.reserveCapacity(13)
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                digits.append(digit)
            } else if character == " " || character == "." || character == "-" {
                continue
            } else {
                throw .badCharacter(character)
            }
        }
        if digits.isEmpty { throw .empty }
        guard digits.count == 10 || digits.count == 13 else { throw .wrongLength(digits.count) }
        if digits[2..<9].allSatisfy({ $0 == 0 }) { throw .zeroSequence }
        if digits.count == 13, digits[10..<13].allSatisfy({ $0 == 0 }) { throw .zeroBranchSuffix }
        guard let check = TaxCode.checkDigit(Array(digits[0..<9])) else { throw .impossiblePrefix }
        guard check == digits[9] else { throw .wrongCheckDigit(expected: check, found: digits[9]) }
        let text = String(digits.map { Character(String($0)) })
        value = digits.count == 10 ? text : "\(text.prefix(10))-\(text.suffix(3))"
    }

    /// The check digit for nine leading digits, or nil when the prefix admits none.
    public static func checkDigit(_ nine: [Int]) -> Int? {
        precondition(nine.count == 9, "a check digit is computed over nine digits")
        let sum = zip(nine, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = sum % 11
        if remainder == 0 { return nil }
        return remainder == 10 ? 0 : 10 - remainder
    }

    /// The parent enterprise's code for a branch; the code itself for an enterprise.
    public var enterprise: TaxCode {
        isBranch ? TaxCode(canonical: String(value.prefix(10))) : self
    }

    /// Whether this is a dependent unit's 13-digit code.
    public var isBranch: Bool { value.count == 14 }

    public var description: String { value }

    public static func < (lhs: TaxCode, rhs: TaxCode) -> Bool { lhs.value < rhs.value }

    private init(canonical: String) { value = canonical }
}
