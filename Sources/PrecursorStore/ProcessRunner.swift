import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`.
///
/// Foundation's `Process.waitUntilExit` can miss a child's exit on Linux and wait forever (the child stays a zombie);
/// the launcher, the CLI tests and the daemon tests need a wait that cannot hang, so they use this instead.
///
/// Starting a child is serialised across the process (`spawnLock`): the child's ends of a pipe are inheritable from
/// `pipe()` until they are closed after `posix_spawn`, and a child spawned by another thread in that moment kept a
/// copy of them. When that other child lived long (a test's `precursord`, the test cluster's postmaster), reading
/// this child's output to its end waited for it, blocking one thread of the test run's cooperative pool (two on a
/// two-core machine); with both blocked, every test in flight stops with its connections idle.
public final class ChildProcess: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// Readable ends of the child's standard output and error, when captured.
    public let stdout: FileHandle?
    public let stderr: FileHandle?
    /// Writable end of the child's standard input, when provided.
    public let stdin: FileHandle?

    /// How to connect one of the child's standard streams.
    public enum Stream: Sendable {
        case null
        case pipe
        case inherit
        /// Standard error only: into the same place as standard output (`2>&1`).
        case toStdout
    }

    /// Starts `executable` (an absolute path) with `arguments`; `environment` nil inherits ours.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        stdin stdinMode: Stream = .null, stdout stdoutMode: Stream = .pipe, stderr stderrMode: Stream = .pipe
    ) throws {
        ChildProcess.spawnLock.lock()
        defer { ChildProcess.spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        for (fd, mode) in [(Int32(0), stdinMode), (1, stdoutMode), (2, stderrMode)] {
            switch mode {
            case .inherit:
                continue
            case .toStdout:
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                let (childEnd, parentEnd) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                // Both ends close on exec: the child gets its end as `fd` through dup2 (which clears the flag), and a
                // process spawned meanwhile by other code (not through this lock) inherits neither.
                _ = fcntl(parentEnd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(childEnd, F_SETFD, FD_CLOEXEC)
                posix_spawn_file_actions_adddup2(&actions, childEnd, fd)
                posix_spawn_file_actions_addclose(&actions, childEnd)
                parentEnds[Int(fd)] = parentEnd
                childEnds.append(childEnd)
            }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in env { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, env)
        for end in childEnds { close(end) }
        guard status == 0 else {
            for end in parentEnds.compactMap({ $0 }) { close(end) }
            throw POSIXError(POSIXErrorCode(rawValue: status) ?? .ENOENT)
        }
        pid = child
        stdin = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        stdout = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        stderr = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Held from a child's first `pipe()` until its own ends are closed, so that no other child inherits them.
    private static let spawnLock = NSLock()

    /// Blocks until the child exits; returns its exit status (128 + signal when a signal ended it).
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Sends a signal to the child.
    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Reads standard output and error to their ends (concurrently, so neither pipe fills) and waits for exit.
    public func finish() -> (status: Int32, stdout: Data, stderr: Data) {
        let errorData = Locked(Data())
        let done = DispatchSemaphore(value: 0)
        Thread {
            errorData.set(self.stderr?.readDataToEndOfFile() ?? Data())
            done.signal()
        }.start()
        let output = stdout?.readDataToEndOfFile() ?? Data()
        done.wait()
        return (wait(), output, errorData.get())
    }
}

/// A value guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}

/// Runs a helper program to completion and captures what it printed.
struct ProcessRunner {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `executable` with `arguments`, optionally as another user (through `runuser`, when we are root).
    static func run(_ executable: String, _ arguments: [String], as user: String? = nil) throws -> Result {
        let child: ChildProcess
        if let user {
            child = try ChildProcess(runuserPath(), ["-u", user, "--", executable] + arguments, stderr: .toStdout)
        } else {
            child = try ChildProcess(executable, arguments, stderr: .toStdout)
        }
        let output = child.stdout?.readDataToEndOfFile() ?? Data()
        return Result(status: child.wait(), output: String(decoding: output, as: UTF8.self))
    }

    static func runuserPath() -> String {
        for candidate in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "runuser"
    }

    /// The first executable of that name on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
