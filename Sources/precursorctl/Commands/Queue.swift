import ArgumentParser
import Foundation
import PrecursorStore

/// `precursorctl admin queue …`: inspect and repair the alert queue over a direct database connection.
struct AdminQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and repair the alert queue (depth, dead messages, purge).",
        subcommands: [Stats.self, Peek.self, ReplayDead.self, Purge.self])

    /// Fails with a usage error naming the known topics when `topic` does not exist.
    static func requireTopic(_ topic: String, _ queue: AlertQueue) async throws {
        guard try await queue.topicExists(topic) else {
            let known = try await queue.metrics().map(\.topic).joined(separator: ", ")
            throw StoreError.configuration("there is no queue topic named '\(topic)' (topics: \(known))")
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per topic: pending, visible, leased, oldest age, dead.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format: table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let metrics = try await database.withDatabase { try await AlertQueue(database: $0).metrics() }
            switch format {
            case .json:
                print(String(decoding: try JSONEncoder.sorted.encode(metrics), as: UTF8.self))
            case .csv:
                print("topic,depth,visible_depth,leased,oldest_age_seconds,dead")
                for m in metrics {
                    print(
                        "\(m.topic),\(m.depth),\(m.visibleDepth),\(m.leased),\(m.oldestAgeSeconds.map { String(format: "%.1f", $0) } ?? ""),\(m.dead)"
                    )
                }
            case .table:
                print("topic              pending  visible  leased  oldest_age     dead")
                for m in metrics {
                    let age = m.oldestAgeSeconds.map { String(format: "%.1fs", $0) } ?? "-"
                    print(
                        m.topic.padding(toLength: 16, withPad: " ", startingAt: 0)
                            + String(format: "%9d %8d %7d", m.depth, m.visibleDepth, m.leased)
                            + age.leftPadded(12) + String(format: " %8d", m.dead))
                }
            }
        }
    }

    struct Peek: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the next pending messages of a topic in claim order, without claiming them.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The topic, e.g. alerts or data_quality.") var topic: String
        @Option(help: "How many messages to show.") var limit: Int = 10
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            let messages = try await database.withDatabase { db in
                let queue = AlertQueue(database: db)
                try await AdminQueue.requireTopic(topic, queue)
                return try await queue.peek(topic: topic, limit: limit)
            }
            if format == .json {
                let encoder = JSONEncoder.sorted
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(messages), as: UTF8.self))
                return
            }
            for m in messages {
                let state = m.leased ? "leased" : (m.visibleAt > Date() ? "backoff" : "ready")
                print(
                    "#\(m.id) p\(m.priority) \(state) attempts \(m.attempts)/\(m.maxAttempts)"
                        + (m.lastError.map { " last error: \($0)" } ?? "") + "\n  \(m.payload)")
            }
            if messages.isEmpty { print("no pending messages in \(topic)") }
        }
    }

    struct ReplayDead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay-dead",
            abstract: "Put dead messages back in the queue with attempts reset (audited).",
            discussion: "Keeps each message's id and error history. Without --id, replays every dead message of the topic.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The topic.") var topic: String
        @Option(help: "Replay only this message id.") var id: Int64?

        func run() async throws {
            let ids = try await database.withDatabase { db in
                let queue = AlertQueue(database: db)
                try await AdminQueue.requireTopic(topic, queue)
                return try await queue.replayDead(topic: topic, id: id, actor: .cliOperator)
            }
            if let id, ids.isEmpty {
                CLIFailure.fail("message \(id) is not a dead message of topic \(topic)")
                throw CLIFailure.Problems()
            }
            print("replayed \(ids.count) dead message(s) in \(topic)" + (ids.isEmpty ? "" : ": \(ids.map(String.init).joined(separator: ", "))"))
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every pending message of a topic (archived as purged; audited).")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The topic.") var topic: String

        func run() async throws {
            let count = try await database.withDatabase { db in
                let queue = AlertQueue(database: db)
                try await AdminQueue.requireTopic(topic, queue)
                return try await queue.purge(topic: topic, actor: .cliOperator)
            }
            print("purged \(count) pending message(s) from \(topic)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
