import ArgumentParser
import Foundation
import Logging
import PrecursorStore

#if canImport(Glibc)
    import Glibc
#endif

/// `precursorctl queue …`: the reference consumer.
struct QueueCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Consume the alert queue (a reference consumer for downstream systems).",
        subcommands: [Consume.self])
}

struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Claim messages of a topic and hand each to a command; ack on exit 0, nack with its stderr otherwise.",
        discussion: """
            Each message's JSON goes to CMD's standard input (run with /bin/sh -c); PRECURSOR_MESSAGE_ID,
            PRECURSOR_MESSAGE_ATTEMPT, PRECURSOR_ALERT_ID and PRECURSOR_TOPIC are set. While CMD runs its lease is
            extended every third of the visibility timeout, so long work is not handed to another consumer. A failed
            message comes back after exponential backoff and is dead after the topic's max attempts
            (see `admin queue replay-dead`). Delivery is at least once: CMD must be idempotent on the message id.
            Between claims the consumer sleeps until an enqueue is announced (LISTEN) or --poll seconds pass.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The topic, e.g. alerts or data_quality.") var topic: String
    @Option(name: .customLong("exec"), help: "The command that handles one message (run with /bin/sh -c).") var command: String
    @Option(help: "Messages claimed at once.") var batch: Int = 10
    @Option(name: .customLong("visibility-timeout"), help: "Seconds a claim holds a message before another consumer may take it.")
    var visibilityTimeout: Int = 60
    @Option(help: "Seconds between claims when idle and no enqueue was announced.") var poll: Int = 5
    @Flag(help: "Exit once the topic has no visible messages.") var drain = false
    @Option(name: .customLong("max-messages"), help: "Exit after handling this many messages.") var maxMessages: Int?

    func validate() throws {
        guard batch >= 1, batch <= 1000 else { throw ValidationError("--batch must be from 1 to 1000") }
        guard visibilityTimeout >= 3 else { throw ValidationError("--visibility-timeout must be at least 3 seconds") }
        guard poll >= 1 else { throw ValidationError("--poll must be at least 1 second") }
    }

    func run() async throws {
        let consumer = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        signal(SIGPIPE, SIG_IGN)
        let (acked, failed) = try await database.withDatabase { db in
            let queue = AlertQueue(database: db)
            try await AdminQueue.requireTopic(topic, queue)
            var acked = 0
            var failed = 0
            while maxMessages.map({ acked + failed < $0 }) ?? true {
                let limit = min(batch, maxMessages.map { $0 - acked - failed } ?? batch)
                let messages = try await queue.claim(
                    topic: topic, limit: limit, visibilityTimeout: .seconds(visibilityTimeout), consumer: consumer)
                if messages.isEmpty {
                    if drain { break }
                    _ = try await queue.waitForMessages(topic: topic, timeout: .seconds(poll))
                    continue
                }
                for message in messages {
                    if try await handle(message, queue: queue) { acked += 1 } else { failed += 1 }
                }
            }
            return (acked, failed)
        }
        CLIFailure.note("\(acked) acked, \(failed) failed")
    }

    /// Runs the command for one message, heartbeating meanwhile; acks or nacks. True when acked.
    func handle(_ message: ClaimedMessage, queue: AlertQueue) async throws -> Bool {
        var env = ProcessInfo.processInfo.environment
        env["PRECURSOR_MESSAGE_ID"] = String(message.id)
        env["PRECURSOR_MESSAGE_ATTEMPT"] = String(message.attempts)
        env["PRECURSOR_ALERT_ID"] = message.alertID.map(String.init) ?? ""
        env["PRECURSOR_TOPIC"] = topic
        let child = try ChildProcess("/bin/sh", ["-c", command], environment: env, stdin: .pipe, stdout: .inherit, stderr: .pipe)
        let payload = Data((message.payload + "\n").utf8)
        if let input = child.stdin {
            Thread {
                // A command that does not read its input may exit first: EPIPE is then expected, not fatal.
                try? input.write(contentsOf: payload)
                try? input.close()
            }.start()
        }
        let lease = Duration.seconds(visibilityTimeout)
        let (status, errorText) = await withTaskGroup(of: (Int32, String)?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    Thread {
                        let (status, _, err) = child.finish()
                        continuation.resume(returning: (status, String(decoding: err, as: UTF8.self)))
                    }.start()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: lease / 3)
                    if Task.isCancelled { break }
                    if (try? await queue.extend(message, by: lease)) == nil {
                        CLIFailure.note("message \(message.id): could not extend the lease (lost or database unreachable)")
                    }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? (-1, "")
        }
        if status == 0 {
            let ok = try await queue.ack(message)
            CLIFailure.note(
                "message \(message.id) attempt \(message.attempts): "
                    + (ok ? "acked" : "done, but the lease was lost (another consumer may repeat it)"))
            return ok
        }
        let reason = errorText.trimmingCharacters(in: .whitespacesAndNewlines)
        let error = "exit status \(status)" + (reason.isEmpty ? "" : ": " + String(reason.suffix(3900)))
        let outcome = try await queue.nack(message, error: error)
        switch outcome {
        case .retry(let at): CLIFailure.note("message \(message.id) attempt \(message.attempts) failed (\(error)); retry after \(at)")
        case .dead: CLIFailure.note("message \(message.id) failed its last attempt (\(error)); now dead")
        case .leaseLost: CLIFailure.note("message \(message.id) failed (\(error)); the lease was already lost")
        }
        return false
    }
}
