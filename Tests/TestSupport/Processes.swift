import Foundation
import PrecursorStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The outcome of running a built executable to completion.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `precursorctl` (or another built executable) as a process, the way a user does.
public func runCommand(
    _ arguments: [String], executable: String = "precursorctl", environment: [String: String] = [:], stdin: Data? = nil
) async throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    env["DATABASE_URL"] = nil
    for (key, value) in environment { env[key] = value }
    let child = try ChildProcess(
        TestDatabase.binaryFolder + "/" + executable, arguments, environment: env, stdin: stdin == nil ? .null : .pipe)
    if let stdin, let handle = child.stdin {
        Thread {
            handle.write(stdin)
            try? handle.close()
        }.start()
    }
    let (status, out, err) = await finished(child)
    return CommandResult(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

/// Runs blocking `work` (waiting for a child, reading its output) on a thread of its own: blocked on one of the
/// cooperative pool's threads (two on a two-core machine), it could hold up every test in flight.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// The child's exit status, standard output and standard error once it exits, waited for off the cooperative pool.
public func finished(_ child: ChildProcess) async -> (Int32, Data, Data) {
    await offPool { child.finish() }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// A response as a test sees it.
public struct HTTPResult: Sendable {
    public let status: Int
    public let contentType: String
    public let body: String

    /// The body parsed as a JSON object.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
}

/// A running `precursord`, its log lines available as they are written.
public final class DaemonProcess: @unchecked Sendable {
    public let child: ChildProcess
    private let lines: AsyncStream<String>
    private var iterator: AsyncStream<String>.AsyncIterator
    private let lock = NSLock()
    private var seen: [String] = []
    /// The HTTP port, known once the daemon logged that it listens.
    public private(set) var port: Int?

    /// Starts the daemon with JSON logs on an ephemeral port.
    public init(environment: [String: String]) throws {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["PRECURSOR_HTTP_PORT"] = "0"
        env["PRECURSOR_LOG_FORMAT"] = "json"
        // Scheduled sweeps would raise alerts under tests that count them; tests of the scheduler turn them on.
        env["PRECURSOR_SWEEPS"] = "off"
        for (key, value) in environment { env[key] = value }
        child = try ChildProcess(TestDatabase.binaryFolder + "/precursord", [], environment: env, stdout: .null, stderr: .pipe)
        let (stream, continuation) = AsyncStream<String>.makeStream()
        lines = stream
        iterator = stream.makeAsyncIterator()
        let buffer = LockedData()
        let err = child.stderr!
        Thread {
            while true {
                let chunk = err.availableData
                if chunk.isEmpty {
                    continuation.finish()
                    return
                }
                var pending = buffer.get()
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending = Data(pending[pending.index(after: newline)...])
                }
                buffer.set(pending)
            }
        }.start()
    }

    /// Waits for the process to exit on its own; returns its status.
    public func waitForExit() async -> Int32 {
        while await waitForLog("\u{0}never\u{0}") != nil {}
        return child.wait()
    }

    /// Waits for a log line containing `text`; returns it, or nil when the daemon's output ended first.
    @discardableResult
    public func waitForLog(_ text: String) async -> String? {
        while let line = await iterator.next() {
            lock.withLock { seen.append(line) }
            if line.contains("\"http_port\""), let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let value = (object["http_port"] as? String).flatMap(Int.init)
            {
                port = value
            }
            if line.contains(text) { return line }
        }
        return nil
    }

    /// Everything logged so far (for failure messages).
    public var log: String { lock.withLock { seen.joined(separator: "\n") } }

    /// Sends a signal and waits for the process to exit; returns its status and how long it took.
    public func stop(signal: Int32 = SIGTERM) async -> (status: Int32, seconds: Double) {
        let start = Date()
        child.signal(signal)
        let status = await waitForExit()
        return (status, Date().timeIntervalSince(start))
    }

    /// GET a path on the daemon; returns the status code and body.
    public func get(_ path: String, token: String? = nil) async throws -> (Int, String) {
        let response = try await request("GET", path, token: token)
        return (response.status, response.body)
    }

    /// The base URL of the daemon's HTTP server.
    public var baseURL: String { "http://127.0.0.1:\(port ?? 0)" }

    /// Sends a request to the daemon over a real socket.
    public func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            if request.value(forHTTPHeaderField: "Content-Type") == nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        }
        let immutable = request
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: immutable) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                let http = response as? HTTPURLResponse
                continuation.resume(
                    returning: HTTPResult(
                        status: http?.statusCode ?? 0, contentType: http?.value(forHTTPHeaderField: "Content-Type") ?? "",
                        body: String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }

    deinit {
        // Never leave a daemon behind a failed test; reaping an already-reaped pid is harmless.
        child.signal(SIGKILL)
        _ = child.wait()
    }
}
