import Foundation

/// The header row of a CSV file checked against the columns a format expects: every required column present,
/// none unknown, none twice. Column order is free.
public struct CSVHeader: Sendable {
    /// Column name → position in each record.
    public let index: [String: Int]
    /// The number of columns every record must have.
    public let width: Int

    /// Why a header is refused; all problems at once.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var missing: [String] = []
        public var unknown: [String] = []
        public var duplicated: [String] = []

        public var description: String {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing column(s) \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { parts.append("unknown column(s) \(unknown.joined(separator: ", "))") }
            if !duplicated.isEmpty { parts.append("duplicated column(s) \(duplicated.joined(separator: ", "))") }
            return "header (line 1): " + parts.joined(separator: "; ")
        }
    }

    /// Checks `fields` (names are trimmed and compared in lower case) against the expected columns.
    public init(_ fields: [String], required: [String], optional: [String] = []) throws(Problem) {
        var index: [String: Int] = [:]
        var problem = Problem()
        let allowed = Set(required + optional)
        for (position, raw) in fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if index[name] != nil {
                if !problem.duplicated.contains(name) { problem.duplicated.append(name) }
            } else if !allowed.contains(name) {
                problem.unknown.append(name.isEmpty ? "(empty name at position \(position + 1))" : name)
            }
            index[name] = index[name] ?? position
        }
        problem.missing = required.filter { index[$0] == nil }
        guard problem.missing.isEmpty, problem.unknown.isEmpty, problem.duplicated.isEmpty else { throw problem }
        self.index = index
        width = fields.count
    }

    /// The value of a column in a record; empty when the column is optional and absent.
    public func value(_ column: String, in record: CSVRecord) -> String {
        guard let position = index[column], position < record.fields.count else { return "" }
        return record.fields[position]
    }
}
