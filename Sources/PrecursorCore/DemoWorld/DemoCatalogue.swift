/// The reference codes the demo world uses, embedded so that generation needs no files. Every code is one of the
/// repository's `seeds/` (`DemoCatalogue.problems(…)` checks them against the seed files; a unit test runs it).
public enum DemoCatalogue {
    /// A commonly traded precursor with licit use, and how a median firm of the demo world handles it.
    public struct Substance: Sendable {
        /// Catalogue code (`substance.code`).
        public let code: String
        /// The national 8-digit HS code (or the 6-digit HS code where the catalogue has no national one), no dots.
        public let hsCode: String
        /// Density in kg/L for liquids; nil for solids (never declared by volume).
        public let density: Double?
        /// The licensing authority: MOIT for industrial precursors, MOH for pharmaceutical ones.
        public let authority: String
        /// A median firm's monthly use, kg of pure substance.
        public let monthlyKg: Double
        /// Shipments a median firm receives per month.
        public let shipmentsPerMonth: Double
        /// Typical unit value, USD per kg of pure substance (before origin and firm factors).
        public let usdPerKg: Double
        /// Commercial grades declared, concentration in tenths of a percent (995 = 99.5 %).
        public let grades: [Int]
        /// The control threshold in kg of pure substance per shipment that the `split_shipments` scenario stays just
        /// under (each split shipment is 0.95–0.99 of it).
        public let splitThresholdKg: Double
        /// Countries of origin and their weights.
        public let origins: [(String, Double)]
    }

    /// The substances of the demo world.
    public static let substances: [Substance] = [
        Substance(
            code: "ACETONE", hsCode: "29141100", density: 0.791, authority: "MOIT", monthlyKg: 6000,
            shipmentsPerMonth: 1.3, usdPerKg: 1.0, grades: [995], splitThresholdKg: 10000,
            origins: [("CN", 4), ("KR", 3), ("TW", 2), ("TH", 2), ("SG", 2), ("JP", 1)]),
        Substance(
            code: "TOLUENE", hsCode: "29023000", density: 0.867, authority: "MOIT", monthlyKg: 8000,
            shipmentsPerMonth: 1.3, usdPerKg: 0.95, grades: [995], splitThresholdKg: 10000,
            origins: [("KR", 3), ("SG", 3), ("TH", 2), ("CN", 2), ("JP", 1)]),
        Substance(
            code: "MEK", hsCode: "29141200", density: 0.805, authority: "MOIT", monthlyKg: 3000,
            shipmentsPerMonth: 1.0, usdPerKg: 1.35, grades: [995], splitThresholdKg: 5000,
            origins: [("CN", 2), ("TW", 2), ("JP", 2), ("KR", 1)]),
        Substance(
            code: "SULPHURIC_ACID", hsCode: "28070010", density: 1.83, authority: "MOIT", monthlyKg: 15000,
            shipmentsPerMonth: 1.5, usdPerKg: 0.12, grades: [980, 960], splitThresholdKg: 20000,
            origins: [("CN", 3), ("KR", 2), ("JP", 2)]),
        Substance(
            code: "HYDROCHLORIC_ACID", hsCode: "28061000", density: 1.18, authority: "MOIT", monthlyKg: 4000,
            shipmentsPerMonth: 1.4, usdPerKg: 0.45, grades: [320, 350], splitThresholdKg: 5000,
            origins: [("CN", 3), ("TH", 1), ("KR", 1)]),
        Substance(
            code: "ETHYL_ETHER", hsCode: "29091100", density: 0.713, authority: "MOIT", monthlyKg: 600,
            shipmentsPerMonth: 0.7, usdPerKg: 2.8, grades: [990], splitThresholdKg: 1000,
            origins: [("CN", 2), ("DE", 1), ("IN", 1)]),
        Substance(
            code: "ACETIC_ANHYDRIDE", hsCode: "29152400", density: 1.08, authority: "MOIT", monthlyKg: 4000,
            shipmentsPerMonth: 0.8, usdPerKg: 1.6, grades: [990, 985], splitThresholdKg: 5000,
            origins: [("CN", 3), ("DE", 1), ("US", 1), ("IN", 1)]),
        Substance(
            code: "POTASSIUM_PERMANGANATE", hsCode: "284161", density: nil, authority: "MOIT", monthlyKg: 1200,
            shipmentsPerMonth: 0.6, usdPerKg: 2.4, grades: [990], splitThresholdKg: 1000,
            origins: [("CN", 4), ("IN", 1)]),
        Substance(
            code: "EPHEDRINE", hsCode: "29394100", density: nil, authority: "MOH", monthlyKg: 30,
            shipmentsPerMonth: 0.5, usdPerKg: 160, grades: [990], splitThresholdKg: 25,
            origins: [("IN", 3), ("CN", 2), ("DE", 2)]),
        Substance(
            code: "PSEUDOEPHEDRINE", hsCode: "29394200", density: nil, authority: "MOH", monthlyKg: 80,
            shipmentsPerMonth: 0.5, usdPerKg: 120, grades: [990], splitThresholdKg: 50,
            origins: [("IN", 3), ("CN", 2), ("DE", 1)]),
    ]

    /// A substance by code.
    public static func substance(_ code: String) -> Substance {
        substances.first { $0.code == code }!
    }

    /// Price level of a country of origin relative to the substance's typical unit value.
    static let originPriceFactor: [String: Double] = [
        "CN": 0.92, "IN": 0.9, "KR": 1.0, "TW": 1.0, "TH": 0.97, "SG": 1.03, "JP": 1.12, "DE": 1.25, "US": 1.2,
        "MY": 0.98, "ID": 0.95, "HK": 1.05, "KH": 0.9, "LA": 0.9,
    ]

    /// Part of the country.
    enum Region: Sendable { case north, central, south, mekong }

    /// A customs office (`customs_office.code`) and the transport mode its declarations carry.
    struct Office: Sendable {
        let code: String
        let mode: String
        /// The neighbour country of a land gate.
        let neighbour: String?
    }

    /// Where a region's firms usually clear their sea (or inland-depot) imports, with weights.
    static let usualOffices: [Region: [(Office, Double)]] = [
        .north: [
            (Office(code: "HPG_PORT", mode: "sea", neighbour: nil), 3), (Office(code: "LACH_HUYEN", mode: "sea", neighbour: nil), 2),
            (Office(code: "ICD_GIA_LAM", mode: "sea", neighbour: nil), 1), (Office(code: "ICD_TIEN_SON", mode: "sea", neighbour: nil), 1),
        ],
        .central: [(Office(code: "DAD_PORT", mode: "sea", neighbour: nil), 3), (Office(code: "QUY_NHON", mode: "sea", neighbour: nil), 1)],
        .south: [
            (Office(code: "CAT_LAI", mode: "sea", neighbour: nil), 4), (Office(code: "CAI_MEP", mode: "sea", neighbour: nil), 2),
            (Office(code: "ICD_SONG_THAN", mode: "sea", neighbour: nil), 1),
        ],
        .mekong: [(Office(code: "CAN_THO", mode: "sea", neighbour: nil), 2), (Office(code: "CAT_LAI", mode: "sea", neighbour: nil), 2)],
    ]

    /// The air-cargo office of each region (pharmaceutical ingredients often fly).
    static let airOffice: [Region: Office] = [
        .north: Office(code: "HAN_AIR", mode: "air", neighbour: nil), .central: Office(code: "DAD_AIR", mode: "air", neighbour: nil),
        .south: Office(code: "SGN_AIR", mode: "air", neighbour: nil), .mekong: Office(code: "SGN_AIR", mode: "air", neighbour: nil),
    ]

    /// Road gates to China that northern firms may use as their usual route for Chinese goods.
    static let chinaGates = [Office(code: "HUU_NGHI", mode: "road", neighbour: "CN"), Office(code: "LAO_CAI", mode: "road", neighbour: "CN")]

    /// Zone customs offices for firms inside those zones.
    static let zoneOffices: [String: Office] = [
        "KCX_TAN_THUAN": Office(code: "KCX_TAN_THUAN", mode: "sea", neighbour: nil),
        "KCN_VSIP_1": Office(code: "VSIP_BD", mode: "sea", neighbour: nil),
        "KCN_VSIP_2": Office(code: "VSIP_BD", mode: "sea", neighbour: nil),
        "KCN_BAC_THANG_LONG": Office(code: "BAC_THANG_LONG", mode: "sea", neighbour: nil),
    ]

    /// Hot routes a `route_shift` moves to: air cargo, express courier, and the land gates to Cambodia and Laos.
    static let hotAir = [Office(code: "HAN_AIR", mode: "air", neighbour: nil), Office(code: "SGN_AIR", mode: "air", neighbour: nil)]
    static let hotExpress = [Office(code: "HAN_EXP", mode: "express", neighbour: nil), Office(code: "SGN_EXP", mode: "express", neighbour: nil)]
    static let hotLandGates = [
        Office(code: "MOC_BAI", mode: "road", neighbour: "KH"), Office(code: "XA_MAT", mode: "road", neighbour: "KH"),
        Office(code: "TINH_BIEN", mode: "road", neighbour: "KH"), Office(code: "CAU_TREO", mode: "road", neighbour: "LA"),
        Office(code: "LAO_BAO", mode: "road", neighbour: "LA"), Office(code: "NA_MEO", mode: "road", neighbour: "LA"),
    ]
    /// Origins no regular importer of the demo world uses (a `route_shift` may switch to one).
    static let unusualOrigins = ["MY", "ID", "HK"]

    /// A province: its name as the seeds write it, its tax-code prefix and its region.
    struct Province: Sendable {
        let name: String
        let taxPrefix: Int
        let region: Region
    }

    static let provinces: [String: Province] = {
        let list = [
            Province(name: "Hà Nội", taxPrefix: 1, region: .north), Province(name: "Hải Phòng", taxPrefix: 2, region: .north),
            Province(name: "Hồ Chí Minh", taxPrefix: 3, region: .south), Province(name: "Đà Nẵng", taxPrefix: 4, region: .central),
            Province(name: "Bình Dương", taxPrefix: 37, region: .south), Province(name: "Đồng Nai", taxPrefix: 36, region: .south),
            Province(name: "Bắc Ninh", taxPrefix: 23, region: .north), Province(name: "Long An", taxPrefix: 11, region: .south),
            Province(name: "Bà Rịa - Vũng Tàu", taxPrefix: 35, region: .south), Province(name: "Cần Thơ", taxPrefix: 18, region: .mekong),
            Province(name: "Quảng Ngãi", taxPrefix: 43, region: .central), Province(name: "Thanh Hóa", taxPrefix: 28, region: .central),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()

    /// An industrial, export-processing or economic zone (`zone.code`), its province, its Vietnamese short name and
    /// how many of the world's facilities it draws.
    struct Zone: Sendable {
        let code: String
        let province: String
        let name: String
        let weight: Double
    }

    static let zones: [Zone] = [
        Zone(code: "KCX_TAN_THUAN", province: "Hồ Chí Minh", name: "KCX Tân Thuận", weight: 1.5),
        Zone(code: "KCX_LINH_TRUNG_1", province: "Hồ Chí Minh", name: "KCX Linh Trung I", weight: 1),
        Zone(code: "KCX_LINH_TRUNG_2", province: "Hồ Chí Minh", name: "KCX Linh Trung II", weight: 0.7),
        Zone(code: "KCN_TAN_TAO", province: "Hồ Chí Minh", name: "KCN Tân Tạo", weight: 1.2),
        Zone(code: "KCN_HIEP_PHUOC", province: "Hồ Chí Minh", name: "KCN Hiệp Phước", weight: 1.2),
        Zone(code: "SHTP", province: "Hồ Chí Minh", name: "Khu Công nghệ cao TP.HCM", weight: 0.6),
        Zone(code: "KCN_VSIP_1", province: "Bình Dương", name: "KCN VSIP I", weight: 1.5),
        Zone(code: "KCN_VSIP_2", province: "Bình Dương", name: "KCN VSIP II", weight: 1.2),
        Zone(code: "KCN_MY_PHUOC", province: "Bình Dương", name: "KCN Mỹ Phước", weight: 1.2),
        Zone(code: "KCN_SONG_THAN", province: "Bình Dương", name: "KCN Sóng Thần", weight: 1.2),
        Zone(code: "KCN_AMATA", province: "Đồng Nai", name: "KCN Amata", weight: 1.3),
        Zone(code: "KCN_BIEN_HOA_2", province: "Đồng Nai", name: "KCN Biên Hòa 2", weight: 1.3),
        Zone(code: "KCN_NHON_TRACH", province: "Đồng Nai", name: "KCN Nhơn Trạch", weight: 1.5),
        Zone(code: "KCN_LONG_HAU", province: "Long An", name: "KCN Long Hậu", weight: 1),
        Zone(code: "KCN_PHU_MY", province: "Bà Rịa - Vũng Tàu", name: "KCN Phú Mỹ", weight: 1),
        Zone(code: "KCN_THANG_LONG", province: "Hà Nội", name: "KCN Thăng Long", weight: 1.2),
        Zone(code: "KCN_NOI_BAI", province: "Hà Nội", name: "KCN Nội Bài", weight: 0.8),
        Zone(code: "KCN_QUANG_MINH", province: "Hà Nội", name: "KCN Quang Minh", weight: 0.8),
        Zone(code: "KCN_BAC_THANG_LONG", province: "Hà Nội", name: "KCN Bắc Thăng Long", weight: 0.8),
        Zone(code: "HHTP", province: "Hà Nội", name: "Khu Công nghệ cao Hòa Lạc", weight: 0.4),
        Zone(code: "KCN_QUE_VO", province: "Bắc Ninh", name: "KCN Quế Võ", weight: 1),
        Zone(code: "KCN_YEN_PHONG", province: "Bắc Ninh", name: "KCN Yên Phong", weight: 1),
        Zone(code: "KCN_TIEN_SON", province: "Bắc Ninh", name: "KCN Tiên Sơn", weight: 0.8),
        Zone(code: "KCN_VSIP_BAC_NINH", province: "Bắc Ninh", name: "KCN VSIP Bắc Ninh", weight: 0.8),
        Zone(code: "KCN_DINH_VU", province: "Hải Phòng", name: "KCN Đình Vũ", weight: 1.2),
        Zone(code: "KCN_NOMURA", province: "Hải Phòng", name: "KCN Nomura Hải Phòng", weight: 0.8),
        Zone(code: "KCN_DEEP_C", province: "Hải Phòng", name: "KCN DEEP C", weight: 0.8),
        Zone(code: "KCN_TRANG_DUE", province: "Hải Phòng", name: "KCN Tràng Duệ", weight: 0.6),
        Zone(code: "KCN_HOA_KHANH", province: "Đà Nẵng", name: "KCN Hòa Khánh", weight: 0.8),
        Zone(code: "KCN_TRA_NOC", province: "Cần Thơ", name: "KCN Trà Nóc", weight: 0.6),
        Zone(code: "KKT_DUNG_QUAT", province: "Quảng Ngãi", name: "KKT Dung Quất", weight: 0.5),
        Zone(code: "KKT_NGHI_SON", province: "Thanh Hóa", name: "KKT Nghi Sơn", weight: 0.5),
    ]

    /// Every customs-office code the world may write.
    static var officeCodes: Set<String> {
        var codes = Set<String>()
        for list in usualOffices.values { for (office, _) in list { codes.insert(office.code) } }
        for office in airOffice.values { codes.insert(office.code) }
        for office in chinaGates + hotAir + hotExpress + hotLandGates + Array(zoneOffices.values) { codes.insert(office.code) }
        return codes
    }
}
