import Foundation
import NIOCore
import PrecursorStore

/// Writes alerts as the JSON of `openapi.yaml`'s `Alert` schema directly into a buffer, with each alert's stored
/// payload copied as PostgreSQL rendered it instead of decoded and re-encoded.
///
/// The same document as the generated `Components.Schemas.Alert` encoding (keys sorted, absent optionals left out,
/// dates as ISO 8601 seconds in UTC, integral numbers without `.0`), only compact; `AlertJSONTests` compares the two.
/// Written for the listing, where `JSONEncoder` and the `OpenAPIObjectContainer` round trip of every payload took
/// most of the request's time.
struct AlertJSONWriter {
    // Bytes are gathered in an array and copied into a ByteBuffer once: appending to an array is several times
    // cheaper per call than writing to a ByteBuffer, and a listing is made of hundreds of small pieces.
    private(set) var bytes: [UInt8]

    /// A payload that is not a JSON object (the schema requires one).
    struct PayloadNotAnObject: Error, CustomStringConvertible {
        let alertID: Int64
        var description: String { "alert \(alertID): the stored payload is not a JSON object" }
    }

    init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// `{"alerts":[…]}`, the body of `GET /v1/alerts`.
    static func alertList(_ alerts: [AlertReview.Alert]) throws -> ByteBuffer {
        var writer = AlertJSONWriter(capacity: 64 + alerts.count * 600)
        writer.raw("{\"alerts\":[")
        for (index, alert) in alerts.enumerated() {
            if index > 0 { writer.raw(",") }
            try writer.alert(alert)
        }
        writer.raw("]}")
        return ByteBuffer(bytes: writer.bytes)
    }

    /// One alert object.
    mutating func alert(_ alert: AlertReview.Alert) throws {
        guard alert.payload.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") else {
            throw PayloadNotAnObject(alertID: alert.id)
        }
        raw("{")
        if let assignedTo = alert.assignedTo {
            key("assignedTo")
            string(assignedTo)
            raw(",")
        }
        if let disposition = alert.disposition.flatMap(Components.Schemas.Disposition.init(rawValue:)) {
            key("disposition")
            string(disposition.rawValue)
            raw(",")
        }
        key("firm")
        string(alert.firmTaxCode)
        raw(",")
        key("firmName")
        string(alert.firmName)
        raw(",")
        key("firstRaisedAt")
        date(alert.firstRaisedAt)
        raw(",")
        key("id")
        utf8(String(alert.id))
        raw(",")
        key("lastRaisedAt")
        date(alert.lastRaisedAt)
        raw(",")
        key("payload")
        utf8(alert.payload)
        raw(",")
        key("raiseCount")
        utf8(String(alert.raiseCount))
        raw(",")
        key("rule")
        string(alert.rule)
        raw(",")
        key("ruleFamily")
        string(alert.ruleFamily)
        raw(",")
        key("score")
        number(alert.score)
        raw(",")
        key("severity")
        string((Components.Schemas.Severity(rawValue: alert.severity) ?? .info).rawValue)
        raw(",")
        key("state")
        string((Components.Schemas.AlertState(rawValue: alert.state) ?? .open).rawValue)
        if let substance = alert.substance {
            raw(",")
            key("substance")
            string(substance)
        }
        raw("}")
    }

    private mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func utf8(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var plainStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart..<index]))
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
                plainStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A finite number as `JSONEncoder` writes it: the shortest round-trip form, integral values without `.0`.
    mutating func number(_ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        utf8(text)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC, whole seconds (fractions truncated), as the OpenAPI runtime's ISO 8601 dates.
    mutating func date(_ date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days to civil date (proleptic Gregorian), after Howard Hinnant's `civil_from_days`.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        bytes.append(UInt8(ascii: "\""))
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        raw("Z\"")
    }

    private mutating func digits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
