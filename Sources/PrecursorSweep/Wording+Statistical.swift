import PrecursorCore

extension Wording {
    /// The sentences of the statistical, data-quality and exploration findings.
    static func statisticalSentence(_ h: RuleHit, _ l: Language) -> String {
        let en = l == .en
        let name = substanceName(h, l)
        let stat = number(h.statistic ?? 0, places: 1, l)
        let threshold = number(h.threshold, places: 1, l)
        switch h.rule {
        case .volumeSpike:
            let ratio = number(h.expected > 0 ? h.observed / h.expected : 0, places: 1, l)
            if h.kind == "confirmed" || h.kind == "confirmed_kg" { return confirmedSpikeSentence(h, l, name: name, ratio: ratio) }
            return en
                ? "Imported \(kg(h.observed, l)) of \(name) in \(h.period), \(ratio)× the usual \(kg(h.expected, l)) for the season (robust z \(stat), threshold \(threshold))"
                : "Nhập khẩu \(kg(h.observed, l)) \(name) trong tháng \(h.period), gấp \(ratio) lần mức thường lệ \(kg(h.expected, l)) theo mùa (z \(stat), ngưỡng \(threshold))"
        case .peerOutlier:
            let peers = h.reference ?? "?"
            let scope = h.kind == "new_firm" ? (en ? "of its sector" : "cùng ngành") : (en ? "of all sectors" : "mọi ngành")
            let low = h.kind == "low_confidence" ? (en ? ", low confidence" : ", độ tin cậy thấp") : ""
            return en
                ? "New importer of \(name): \(kg(h.observed, l)) a month since its first import against \(kg(h.expected, l)) for the median of \(peers) established peers \(scope) (robust z \(stat), threshold \(threshold)\(low))"
                : "Doanh nghiệp mới nhập khẩu \(name): \(kg(h.observed, l)) mỗi tháng kể từ lần nhập đầu, so với \(kg(h.expected, l)) của trung vị \(peers) doanh nghiệp \(scope) (z \(stat), ngưỡng \(threshold)\(low))"
        case .frequencySpike:
            let span = dateSpan(h, l)
            if h.kind == "split" {
                let control = kg(h.threshold, l)
                return en
                    ? "\(Int(h.observed)) shipments of \(name) \(span), each just under the control threshold of \(control)"
                    : "\(Int(h.observed)) lô \(name) \(span), mỗi lô sát dưới ngưỡng kiểm soát \(control)"
            }
            let usual = number(h.expected, places: 1, l)
            return en
                ? "\(Int(h.observed)) shipments of \(name) \(span) against about \(usual) usual for that time (Poisson p = 10^−\(stat), threshold 10^−\(threshold))"
                : "\(Int(h.observed)) lô \(name) \(span) so với khoảng \(usual) lô thường lệ (p = 10^−\(stat), ngưỡng 10^−\(threshold))"
        case .routeNovelty:
            let route = h.reference ?? "?"
            if h.kind == "courier_table_i" {
                return en
                    ? "Table I substance \(name) imported by courier or post (\(route)) \(dateSpan(h, l))"
                    : "Chất Bảng I \(name) nhập khẩu qua chuyển phát hoặc bưu chính (\(route)) \(dateSpan(h, l))"
            }
            let what: String
            switch h.kind {
            case "mode": what = en ? "transport mode" : "phương thức vận tải"
            case "office": what = en ? "customs office" : "cửa khẩu"
            default: what = en ? "country of origin" : "nước xuất xứ"
            }
            return en
                ? "First use in 24 months of this \(what) for \(name): \(route) \(dateSpan(h, l)) (route weight \(stat))"
                : "Lần đầu trong 24 tháng dùng \(what) này cho \(name): \(route) \(dateSpan(h, l)) (trọng số tuyến \(stat))"
        case .valueOutlier:
            let origin = h.reference ?? "?"
            let value = "USD " + number(h.observed, places: 2, l)
            let peers = "USD " + number(h.expected, places: 2, l)
            return en
                ? "Declared unit value of \(name) from \(origin) in \(h.period) is \(value)/kg against \(peers)/kg for importers of that origin (robust z \(stat), threshold ±\(threshold))"
                : "Đơn giá khai báo của \(name) xuất xứ \(origin) trong tháng \(h.period) là \(value)/kg so với \(peers)/kg của các doanh nghiệp nhập cùng xuất xứ (z \(stat), ngưỡng ±\(threshold))"
        case .unitSlip:
            let line = h.reference ?? "?"
            let ratio = number(h.statistic ?? 0, places: 0, l)
            return en
                ? "Declaration line \(line): \(kg(h.observed, l)) of \(name) is \(ratio)× the firm's usual line of \(kg(h.expected, l)); likely a unit typed wrongly"
                : "Dòng tờ khai \(line): \(kg(h.observed, l)) \(name) gấp \(ratio) lần dòng thường lệ \(kg(h.expected, l)); có thể nhập sai đơn vị"
        case .negativeStock:
            let facility = h.reference.map { en ? " at facility \($0)" : " tại cơ sở \($0)" } ?? ""
            return en
                ? "The \(h.period) report of \(name)\(facility) leaves \(kg(h.observed, l)) in stock: more went out than the firm had"
                : "Báo cáo kỳ \(h.period) của \(name)\(facility) cho tồn kho \(kg(h.observed, l)): xuất nhiều hơn lượng đang có"
        default:
            return en
                ? "Picked at random for review in \(h.period) (exploration slice of \(number(h.threshold * 100, places: 1, l)) % of active firms)"
                : "Được chọn ngẫu nhiên để rà soát trong tháng \(h.period) (mẫu thăm dò \(number(h.threshold * 100, places: 1, l)) % doanh nghiệp đang hoạt động)"
        }
    }

    /// A spike confirmed by the month after it: kg and shipments against the usual, and the month that followed.
    private static func confirmedSpikeSentence(_ h: RuleHit, _ l: Language, name: String, ratio: String) -> String {
        let en = l == .en
        let rate = number(h.reference.flatMap(Double.init) ?? 0, places: 1, l)
        let stat = number(h.statistic ?? 0, places: 1, l)
        let threshold = number(h.threshold, places: 1, l)
        let after = h.referenceDate.map { "\($0.year)-" + ($0.month < 10 ? "0" : "") + "\($0.month)" } ?? "?"
        let evidence =
            h.kind == "confirmed_kg"
            ? (en ? "robust z \(stat), threshold \(threshold)" : "z \(stat), ngưỡng \(threshold)")
            : (en ? "negative-binomial p = 10^−\(stat), threshold 10^−\(threshold)" : "p = 10^−\(stat), ngưỡng 10^−\(threshold)")
        return en
            ? "Imported \(kg(h.observed, l)) of \(name) in \(h.period) in \(h.records) shipments, \(ratio)× the usual \(kg(h.expected, l)) for the season, against about \(rate) shipments a month (\(evidence)); imports in \(after) are back near the usual level, so the excess did not stay in stock"
            : "Nhập khẩu \(kg(h.observed, l)) \(name) trong tháng \(h.period) qua \(h.records) lô, gấp \(ratio) lần mức thường lệ \(kg(h.expected, l)) theo mùa, so với khoảng \(rate) lô mỗi tháng (\(evidence)); nhập khẩu tháng \(after) trở lại mức thường lệ, phần vượt không nằm lại trong kho"
    }
}
