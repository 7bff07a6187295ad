import Foundation
import Logging
import PostgresNIO

/// Writes `FILE.rejects.csv`: one row per rejected line with every reason and the original columns, so that the
/// sender can fix the rows and resend them.
enum RejectsFile {
    static func write(
        to path: String, columns: [String], batchID: Int, connection: PostgresConnection, logger: Logger
    ) async throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw StoreError.invalidFile(path: path, line: nil, field: nil, reason: "cannot write the rejects file")
        }
        defer { try? handle.close() }
        var out = Data()
        out.append(contentsOf: (["line", "reasons"] + columns).map(quote).joined(separator: ",").utf8)
        out.append(0x0A)
        let fields = columns.map { "coalesce(fields->>'\($0)', '')" }.joined(separator: ", ")
        var binds = PostgresBindings()
        binds.append(batchID)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT line, array_to_string(reasons, '; '), ARRAY[\(fields)]::text[]
                  FROM ingest_reject WHERE import_batch_id = $1 ORDER BY line
                """,
            binds: binds)
        for try await (line, reasons, values) in try await connection.query(query, logger: logger).decode((Int, String, [String]).self) {
            out.append(contentsOf: ([String(line), reasons] + values).map(quote).joined(separator: ",").utf8)
            out.append(0x0A)
            if out.count >= 1 << 16 {
                handle.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        handle.write(out)
    }

    /// RFC 4180 quoting where a value needs it.
    static func quote(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
