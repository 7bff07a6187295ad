import Foundation

/// Text forms of the demo world's numbers, written from integers so every platform prints the same bytes.
enum DemoFormat {
    /// Grams as kg with three decimals: 1234567 → "1234.567".
    static func kg(_ grams: Int64) -> String {
        let sign = grams < 0 ? "-" : ""
        let value = abs(grams)
        let rest = value % 1000
        return sign + "\(value / 1000)." + (rest < 10 ? "00" : rest < 100 ? "0" : "") + "\(rest)"
    }

    /// Thousandths as a plain decimal without trailing zeros: 12000 → "12", 12500 → "12.5".
    static func milli(_ value: Int64) -> String {
        var text = kg(value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Cents as dollars: 12345 → "123.45".
    static func cents(_ value: Int64) -> String {
        let rest = value % 100
        return "\(value / 100)." + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Tenths of a percent: 995 → "99.5", 320 → "32".
    static func grade(_ tenths: Int) -> String {
        tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    /// An RFC 4180 field: quoted when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One CSV line with its line end.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
