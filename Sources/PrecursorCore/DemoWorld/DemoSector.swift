/// The five sectors of the demo world: how common each is, how large, which substances it handles and how it
/// disposes of them.
enum DemoSector: String, CaseIterable, Sendable {
    case pharmaManufacturer = "pharma_manufacturer"
    case pharmaDistributor = "pharma_distributor"
    case chemicalManufacturer = "chemical_manufacturer"
    case chemicalDistributor = "chemical_distributor"
    case userIndustry = "user_industry"

    /// Share of the world's firms.
    var share: Double {
        switch self {
        case .pharmaManufacturer: 0.12
        case .pharmaDistributor: 0.14
        case .chemicalManufacturer: 0.18
        case .chemicalDistributor: 0.24
        case .userIndustry: 0.32
        }
    }

    /// Size of a median firm relative to the substance's median volume.
    var scale: Double {
        switch self {
        case .pharmaManufacturer: 0.8
        case .pharmaDistributor: 0.6
        case .chemicalManufacturer: 1.5
        case .chemicalDistributor: 1.2
        case .userIndustry: 0.7
        }
    }

    /// Substances handled, with weights.
    var substances: [(String, Double)] {
        switch self {
        case .pharmaManufacturer:
            [("PSEUDOEPHEDRINE", 4), ("EPHEDRINE", 3), ("ACETONE", 2), ("ETHYL_ETHER", 1), ("HYDROCHLORIC_ACID", 1), ("TOLUENE", 1)]
        case .pharmaDistributor:
            [("PSEUDOEPHEDRINE", 5), ("EPHEDRINE", 3)]
        case .chemicalManufacturer:
            [
                ("SULPHURIC_ACID", 3), ("ACETIC_ANHYDRIDE", 2), ("HYDROCHLORIC_ACID", 2), ("TOLUENE", 2), ("ACETONE", 2), ("MEK", 1),
                ("POTASSIUM_PERMANGANATE", 1),
            ]
        case .chemicalDistributor:
            [
                ("ACETONE", 3), ("TOLUENE", 3), ("MEK", 2), ("SULPHURIC_ACID", 2), ("HYDROCHLORIC_ACID", 2), ("ETHYL_ETHER", 1),
                ("ACETIC_ANHYDRIDE", 1), ("POTASSIUM_PERMANGANATE", 1),
            ]
        case .userIndustry:
            [
                ("TOLUENE", 3), ("ACETONE", 3), ("MEK", 2), ("SULPHURIC_ACID", 2), ("HYDROCHLORIC_ACID", 2), ("POTASSIUM_PERMANGANATE", 1),
                ("ACETIC_ANHYDRIDE", 1),
            ]
        }
    }

    /// The trade word of a company name.
    var trades: [String] {
        switch self {
        case .pharmaManufacturer: ["Dược phẩm", "Hóa dược", "Dược phẩm Trung ương", "Dược liệu"]
        case .pharmaDistributor: ["Dược phẩm", "Thương mại Dược phẩm", "Phân phối Dược", "Xuất nhập khẩu Y tế"]
        case .chemicalManufacturer: ["Hóa chất", "Hóa chất Công nghiệp", "Hóa chất Cơ bản", "Hóa chất Miền Nam"]
        case .chemicalDistributor: ["Thương mại Hóa chất", "Xuất nhập khẩu Hóa chất", "Hóa chất", "Vật tư Hóa chất"]
        case .userIndustry:
            ["Sơn", "Nhựa", "Dệt nhuộm", "Bao bì", "Giấy", "Cao su", "Xử lý nước", "Mực in", "Keo dán", "Da giày", "Xi mạ"]
        }
    }

    /// Distributors sell what they import; the others use it.
    var sells: Bool { self == .pharmaDistributor || self == .chemicalDistributor }
}
