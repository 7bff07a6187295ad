import PrecursorCore

/// The one-sentence reasons of findings, in English and Vietnamese: what was observed, what was expected, the
/// threshold and the record that matters. Numbers are written the way each reader writes them (2,000.5 kg;
/// 2.000,5 kg), dates too (12 Mar 2026; 12/3/2026).
public enum Wording {
    public enum Language: Sendable { case en, vi }

    public static func reasons(for hit: RuleHit) -> (en: String, vi: String) {
        (sentence(hit, .en), sentence(hit, .vi))
    }

    static func sentence(_ h: RuleHit, _ l: Language) -> String {
        let name = substanceName(h, l)
        let amount = kg(h.observed, l)
        switch h.rule {
        case .unlicensedImport:
            let moved = movement(h, l)
            let span = dateSpan(h, l)
            let lines = h.records == 1 ? "" : (l == .en ? " in \(h.records) declaration lines" : " trong \(h.records) dòng tờ khai")
            return l == .en
                ? "\(moved.capitalisedFirst) \(amount) of \(name) \(span)\(lines) with no licence of the firm covering it"
                : "\(moved.capitalisedFirst) \(amount) \(name) \(span)\(lines) mà doanh nghiệp không có giấy phép"
        case .licenceInvalid:
            let licence = h.reference ?? "?"
            let moved = movement(h, l)
            let span = dateSpan(h, l)
            return l == .en
                ? "\(moved.capitalisedFirst) \(amount) of \(name) \(span) under licence \(licence), \(invalidity(h, l))"
                : "\(moved.capitalisedFirst) \(amount) \(name) \(span) theo giấy phép \(licence) \(invalidity(h, l))"
        case .licenceOverdrawn:
            let licence = h.reference ?? "?"
            let percent = h.expected > 0 ? Int((h.observed / h.expected * 100).rounded(.down)) : 0
            let granted = kg(h.expected, l)
            if h.kind == "over" {
                return l == .en
                    ? "Licence \(licence): \(amount) of \(name) declared against \(granted) granted (\(percent) %), overdrawn by \(kg(h.observed - h.expected, l))"
                    : "Giấy phép \(licence): đã khai \(amount) \(name) so với \(granted) được cấp (\(percent) %), vượt \(kg(h.observed - h.expected, l))"
            }
            let warning = Int((h.threshold * 100).rounded())
            return l == .en
                ? "Licence \(licence): \(amount) of \(name) declared against \(granted) granted (\(percent) %, warning from \(warning) %)"
                : "Giấy phép \(licence): đã khai \(amount) \(name) so với \(granted) được cấp (\(percent) %, cảnh báo từ \(warning) %)"
        case .reportMismatch:
            let customs = kg(h.expected, l)
            let reported = kg(h.observed, l)
            let gap = kg(abs(h.expected - h.observed), l)
            let tolerance = kg(h.threshold, l)
            let exported = h.direction == "export"
            return l == .en
                ? "Customs shows \(customs) of \(name) \(exported ? "exported" : "imported") in \(h.period); the firm reported \(reported) (difference \(gap), tolerance \(tolerance))"
                : "Hải quan ghi nhận \(exported ? "xuất khẩu" : "nhập khẩu") \(customs) \(name) trong kỳ \(h.period); doanh nghiệp báo cáo \(reported) (chênh lệch \(gap), ngưỡng \(tolerance))"
        case .balanceGap:
            let facility = h.reference.map { l == .en ? " at facility \($0)" : " tại cơ sở \($0)" } ?? ""
            let gap = kg(abs(h.expected - h.observed), l)
            let tolerance = kg(h.threshold, l)
            if h.kind == "continuity" {
                return l == .en
                    ? "Opening stock of \(name)\(facility) for \(h.period) is \(amount) but the previous period closed at \(kg(h.expected, l)) (difference \(gap), tolerance \(tolerance))"
                    : "Tồn đầu kỳ \(h.period) của \(name)\(facility) là \(amount) nhưng tồn cuối kỳ trước là \(kg(h.expected, l)) (chênh lệch \(gap), ngưỡng \(tolerance))"
            }
            return l == .en
                ? "The \(h.period) report of \(name)\(facility) does not balance: opening + in − out = \(kg(h.expected, l)) but closing stock is \(amount) (gap \(gap), tolerance \(tolerance))"
                : "Báo cáo kỳ \(h.period) của \(name)\(facility) không cân đối: tồn đầu + nhập − xuất = \(kg(h.expected, l)) nhưng tồn cuối là \(amount) (chênh lệch \(gap), ngưỡng \(tolerance))"
        case .missingReport:
            let due = h.referenceDate.map { date($0, l) } ?? "?"
            let moved =
                h.records == 0
                ? ""
                : (l == .en
                    ? "; customs shows \(h.records) declaration line\(h.records == 1 ? "" : "s") in that period"
                    : "; hải quan ghi nhận \(h.records) dòng tờ khai trong kỳ")
            return l == .en
                ? "The report for \(h.period) was due on \(due) and has not been filed\(moved)"
                : "Báo cáo kỳ \(h.period) đến hạn ngày \(due) nhưng chưa nộp\(moved)"
        case .volumeSpike, .peerOutlier, .frequencySpike, .routeNovelty, .valueOutlier, .unitSlip, .negativeStock,
            .exploration:
            return statisticalSentence(h, l)
        }
    }

    static func invalidity(_ h: RuleHit, _ l: Language) -> String {
        let en = l == .en
        switch h.kind {
        case "unknown": return en ? "which is not in the registry" : "không có trong sổ đăng ký"
        case "other_firm": return en ? "which was granted to another firm" : "cấp cho doanh nghiệp khác"
        case "revoked": return en ? "which has been revoked" : "đã bị thu hồi"
        case "suspended": return en ? "which is suspended" : "đang bị đình chỉ"
        case "expired":
            let day = h.referenceDate.map { date($0, l) } ?? "?"
            return en ? "which expired on \(day)" : "đã hết hạn ngày \(day)"
        case "not_yet_valid":
            let day = h.referenceDate.map { date($0, l) } ?? "?"
            return en ? "which is valid only from \(day)" : "chỉ có hiệu lực từ ngày \(day)"
        case "other_substance": return en ? "which does not cover this substance" : "không cấp cho chất này"
        case "other_activity": return en ? "which is granted for another activity" : "cấp cho hoạt động khác"
        case "shipments_exceeded":
            let allowed = Int(h.threshold)
            return en ? "beyond the \(allowed) shipment(s) it allows" : "vượt số chuyến được phép (\(allowed))"
        default: return en ? "which is not valid for it (\(h.kind))" : "không hợp lệ (\(h.kind))"
        }
    }

    static func movement(_ h: RuleHit, _ l: Language) -> String {
        let export = h.direction == "export"
        return l == .en ? (export ? "exported" : "imported") : (export ? "xuất khẩu" : "nhập khẩu")
    }

    static func dateSpan(_ h: RuleHit, _ l: Language) -> String {
        guard let first = h.firstDate else { return l == .en ? "in \(h.period)" : "trong kỳ \(h.period)" }
        guard let last = h.lastDate, last != first else { return (l == .en ? "on " : "ngày ") + date(first, l) }
        return l == .en ? "between \(date(first, l)) and \(date(last, l))" : "từ ngày \(date(first, l)) đến ngày \(date(last, l))"
    }

    static func substanceName(_ h: RuleHit, _ l: Language) -> String {
        let en = h.substanceNameEN ?? h.substanceCode ?? "controlled substances"
        return l == .vi ? (h.substanceNameVI ?? en) : en
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `12 Mar 2026` or `12/3/2026`.
    public static func date(_ d: CivilDate, _ l: Language) -> String {
        l == .en ? "\(d.day) \(monthNames[d.month - 1]) \(d.year)" : "\(d.day)/\(d.month)/\(d.year)"
    }

    /// Kilograms with grouping: whole kg from 100 kg, one decimal from 1 kg, three below (`2,000 kg`, `2.000 kg`).
    public static func kg(_ value: Double, _ l: Language) -> String {
        let places = abs(value) >= 100 ? 0 : (abs(value) >= 1 ? 1 : 3)
        return number(value, places: places, l) + " kg"
    }

    public static func number(_ value: Double, places: Int, _ l: Language) -> String {
        let rounded = value.rounded(toPlaces: places)
        let negative = rounded < 0
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let totalUnits = (abs(rounded) * scale).rounded()
        let whole = (totalUnits / scale).rounded(.down)
        let fraction = Int(totalUnits - whole * scale)
        var digits = String(Int(whole))
        var grouped = ""
        while digits.count > 3 {
            grouped = (l == .en ? "," : ".") + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        if places > 0 {
            var decimals = String(fraction)
            while decimals.count < places { decimals = "0" + decimals }
            while decimals.hasSuffix("0") { decimals.removeLast() }
            if !decimals.isEmpty { grouped += (l == .en ? "." : ",") + decimals }
        }
        return (negative ? "−" : "") + grouped
    }
}

extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}
