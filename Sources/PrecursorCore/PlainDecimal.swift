/// A decimal number as the import formats write it: digits with an optional sign and one optional decimal point, no
/// exponent, NaN or thousands separators (`12`, `-0.5`, `+.25`, `7.`).
///
/// Held exactly as an integer mantissa and a scale (digits after the point), so that kilograms of pure substance are
/// computed without rounding until the end, as PostgreSQL's `numeric` does. Parsing follows the database's
/// `ingest_numeric` (sql/0008): at most 15 digits before the point and 9 after by default, at least one digit.
public struct PlainDecimal: Sendable, Hashable {
    /// The value times 10^scale.
    public let mantissa: Int128
    /// How many digits follow the decimal point.
    public let scale: Int

    public init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    /// Parses `bytes` (ASCII), or returns nil when they are not a plain decimal within the digit limits.
    public init?(_ bytes: ArraySlice<UInt8>, integerDigits: Int = 15, fractionDigits: Int = 9) {
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: Int128 = 0
        var before = 0
        var after = 0
        var point = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if point { return nil }
                point = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if point { after += 1 } else { before += 1 }
                if before > integerDigits || after > fractionDigits { return nil }
                mantissa = mantissa * 10 + Int128(byte - UInt8(ascii: "0"))
            } else {
                return nil
            }
            index += 1
        }
        guard before + after > 0 else { return nil }
        self.mantissa = negative ? -mantissa : mantissa
        scale = after
    }

    /// Parses a text such as the database prints a `numeric` (`0.791`, `1000`).
    public init?(_ text: String) {
        self.init(Array(text.utf8)[...], integerDigits: 38, fractionDigits: 38)
    }

    public static let zero = PlainDecimal(mantissa: 0, scale: 0)
    public static let one = PlainDecimal(mantissa: 1, scale: 0)
    public static let hundred = PlainDecimal(mantissa: 100, scale: 0)

    public var isNegative: Bool { mantissa < 0 }

    /// Whether the value is at least 10^exponent (exponent ≥ 0).
    public func isAtLeast(powerOfTen exponent: Int) -> Bool {
        // Past 10^38 the limit exceeds every mantissa.
        guard let limit = Self.power(exponent + scale) else { return false }
        return mantissa >= limit
    }

    /// Whether the value is more than zero and at most 100 (a concentration in percent).
    public var isPercentage: Bool {
        guard mantissa > 0 else { return false }
        guard let limit = Self.power(scale + 2) else { return true }
        return mantissa <= limit
    }

    /// The exact product, or nil when it does not fit the mantissa.
    public func multiplied(by other: PlainDecimal) -> PlainDecimal? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: other.mantissa)
        guard !overflow else { return nil }
        return PlainDecimal(mantissa: product, scale: scale + other.scale)
    }

    /// The value divided by 100 (exact: two more digits of scale).
    public var hundredth: PlainDecimal { PlainDecimal(mantissa: mantissa, scale: scale + 2) }

    /// Rounded to `places` digits after the point, halves away from zero (PostgreSQL's `round(numeric, int)`).
    public func rounded(places: Int) -> PlainDecimal? {
        if scale <= places {
            guard let factor = Self.power(places - scale) else { return nil }
            let (value, overflow) = mantissa.multipliedReportingOverflow(by: factor)
            return overflow ? nil : PlainDecimal(mantissa: value, scale: places)
        }
        guard let divisor = Self.power(scale - places) else { return PlainDecimal(mantissa: 0, scale: places) }
        let (quotient, remainder) = mantissa.quotientAndRemainder(dividingBy: divisor)
        let half = remainder.magnitude * 2 >= divisor.magnitude
        return PlainDecimal(mantissa: half ? quotient + (mantissa < 0 ? -1 : 1) : quotient, scale: places)
    }

    /// The value written with exactly `scale` digits after the point (`1980.000000`), as PostgreSQL reads it.
    public var text: String {
        var digits = mantissa.magnitude <= UInt64.max ? String(UInt64(mantissa.magnitude)) : String(mantissa.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return mantissa < 0 ? "-" + digits : digits
    }

    /// 10^exponent, or nil outside 0...38.
    static func power(_ exponent: Int) -> Int128? {
        exponent >= 0 && exponent < powers.count ? powers[exponent] : nil
    }

    private static let powers: [Int128] = (0...38).reduce(into: []) { table, n in table.append(n == 0 ? 1 : table[n - 1] * 10) }
}
