/// Vietnamese names, addresses and tax codes for the demo world (all text NFC).
enum DemoNames {
    static let legalForms = [("Công ty TNHH", 5.0), ("Công ty Cổ phần", 4.0), ("Công ty TNHH MTV", 2.0)]

    static let brands = [
        "Minh Phát", "Thành Công", "Hưng Thịnh", "Phú Thái", "Đại Việt", "Sao Mai", "Hoàng Long", "An Phát", "Việt Hà",
        "Tân Á", "Bình Minh", "Đông Dương", "Trường Sơn", "Hải Âu", "Kim Ngân", "Phương Đông", "Thiên Long", "Nam Việt",
        "Hòa Bình", "Quang Minh", "Đức Thịnh", "Toàn Cầu", "Lộc Phát", "Hồng Hà", "Sông Đà", "Bảo Châu", "Tiến Đạt",
        "Vạn Xuân", "Ánh Dương", "Phúc Lộc", "Mê Kông", "Cửu Long", "Hoàng Gia", "Việt Nhật", "Thái Bình Dương",
        "Sài Gòn", "Hà Thành", "Kinh Bắc", "Duyên Hải", "Tây Nguyên", "Ngọc Lan", "Thảo Nguyên", "Trung Sơn",
        "Hưng Long", "Phú Hưng", "Gia Khang", "Thịnh Vượng", "Tân Phú", "Á Châu", "Liên Việt", "Hợp Nhất", "Vĩnh Phát",
    ]

    static let streets = [
        "Nguyễn Văn Linh", "Lê Lợi", "Trần Hưng Đạo", "Điện Biên Phủ", "Hoàng Quốc Việt", "Phạm Văn Đồng",
        "Võ Văn Kiệt", "Nguyễn Trãi", "Lý Thường Kiệt", "Hai Bà Trưng", "Nguyễn Huệ", "Cách Mạng Tháng Tám",
        "Quốc lộ 1A", "Quốc lộ 5", "Đại lộ Bình Dương", "Trường Chinh",
    ]

    /// A company name: legal form, trade and brand, e.g. "Công ty TNHH Hóa chất Minh Phát".
    static func firmName(trade: String, brand: String, rng: inout DemoRandom) -> String {
        let form = rng.pick(weighted: legalForms)
        let suffix = rng.chance(0.15) ? " Việt Nam" : ""
        return "\(form) \(trade) \(brand)\(suffix)".nfc
    }

    /// A street address outside any zone.
    static func streetAddress(province: String, rng: inout DemoRandom) -> String {
        "Số \(rng.int(1...450)) \(rng.pick(streets)), \(province)".nfc
    }

    /// A plot inside a zone.
    static func zoneAddress(zone: DemoCatalogue.Zone, rng: inout DemoRandom) -> String {
        let letter = rng.pick(["A", "B", "C", "D", "E", "F", "G", "H"])
        return "Lô \(letter)\(rng.int(1...60)), \(zone.name), \(zone.province)".nfc
    }

    /// A valid 10-digit enterprise tax code with the province prefix: 7 random sequence digits and the check digit.
    static func taxCode(prefix: Int, rng: inout DemoRandom) -> String {
        while true {
            var digits = [prefix / 10, prefix % 10]
            for _ in 0..<7 { digits.append(rng.int(0...9)) }
            if digits[2..<9].allSatisfy({ $0 == 0 }) { continue }
            guard let check = TaxCode.checkDigit(digits) else { continue }
            return (digits + [check]).map { String($0) }.joined()
        }
    }
}
