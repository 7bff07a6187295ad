import Logging
import PrecursorStore

/// Answers `/health/ready`: the database is reachable and its schema is exactly what this build expects.
public struct Readiness: Sendable {
    /// The outcome of one probe.
    public struct Report: Sendable, Codable, Equatable {
        public var ready: Bool
        public var database: String
        public var schema: String
        public var pending: [String]
    }

    private let database: Database
    private let migrator: Migrator
    private let timeout: Duration

    public init(database: Database, migrator: Migrator, timeout: Duration = .seconds(2)) {
        self.database = database
        self.migrator = migrator
        self.timeout = timeout
    }

    /// Probes the database, giving up after the timeout (a pool that cannot connect would otherwise wait).
    public func check() async -> Report {
        let migrator = self.migrator
        let database = self.database
        let timeout = self.timeout
        let outcome: Result<MigrationStatus, any Error>? = await withTaskGroup(of: Result<MigrationStatus, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await migrator.status(database)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case nil:
            return Report(ready: false, database: "no answer within \(timeout)", schema: "unknown", pending: [])
        case .failure(let error):
            return Report(ready: false, database: StoreError.from(error).description, schema: "unknown", pending: [])
        case .success(let status):
            let schema: String
            if !status.edited.isEmpty {
                schema = "edited migration(s): \(status.edited.joined(separator: ", "))"
            } else if !status.unknown.isEmpty {
                schema = "unknown migration(s): \(status.unknown.joined(separator: ", "))"
            } else if !status.pending.isEmpty {
                schema = "pending migration(s)"
            } else {
                schema = "current"
            }
            return Report(ready: status.isCurrent, database: "reachable", schema: schema, pending: status.pending)
        }
    }
}
