/// Calendar checks for dates written `YYYY-MM-DD`, as every import format writes them.
public enum ISODate {
    /// Whether `bytes` are a real date written `YYYY-MM-DD`: four digits with a first digit 1-9, a month 01-12 and a
    /// day that exists in that month (2026-02-30 is not). The same test as the database's `ingest_date` (sql/0008).
    public static func isReal(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 10 else { return false }
        let base = bytes.startIndex
        var year = 0
        var month = 0
        var day = 0
        for offset in 0..<10 {
            let byte = bytes[base + offset]
            if offset == 4 || offset == 7 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
                let digit = Int(byte - UInt8(ascii: "0"))
                if offset < 4 {
                    year = year * 10 + digit
                } else if offset < 7 {
                    month = month * 10 + digit
                } else {
                    day = day * 10 + digit
                }
            }
        }
        guard year >= 1000, (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    /// The number of days in a month of the Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
