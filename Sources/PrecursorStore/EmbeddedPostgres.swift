import Crypto
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of our own in a data folder: `initdb` once, `pg_ctl start` listening on a unix socket inside
/// that folder (TCP only when asked), `pg_ctl stop` on the way out. Used by `precursord` when `DATABASE_URL` is unset,
/// by `make demo` and by the test suite.
///
/// PostgreSQL refuses to run as root; when we are root the cluster runs as an unprivileged system user (`postgres`
/// when it exists, else `precursor-pg`, created on first use) who is given the folder.
public struct EmbeddedPostgres: Sendable {
    /// How the cluster is set up.
    public struct Options: Sendable {
        /// The cluster's data folder.
        public var dataDirectory: String
        /// The port (also the socket file's name, `.s.PGSQL.<port>`).
        public var port: Int = 5432
        /// Listen on this TCP address as well (e.g. `127.0.0.1`); nil for the unix socket only.
        public var tcpAddress: String?
        /// The database to create and connect to.
        public var database: String = "precursor"
        /// Keep fsync on. Throwaway test clusters turn it off for speed.
        public var durable: Bool = true
        /// Extra `-c name=value` server settings.
        public var settings: [String: String] = [:]

        public init(dataDirectory: String) {
            self.dataDirectory = dataDirectory
        }
    }

    public let options: Options
    /// The absolute data folder.
    public let dataDirectory: String
    /// The folder holding the unix socket.
    public let socketDirectory: String
    /// The folder holding initdb, pg_ctl and postgres.
    public let binDirectory: String
    /// The user the server runs as when we are root; nil when we run it as ourselves.
    public let runAs: String?
    let logger: Logger

    /// The superuser role created by initdb.
    public static let superuser = "postgres"

    /// Prepares (but does not start) a cluster; finds the PostgreSQL programs and, as root, the user to run them as.
    public init(options: Options, logger: Logger) throws(StoreError) {
        self.options = options
        self.logger = logger
        let absolute = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
        dataDirectory = absolute
        binDirectory = try EmbeddedPostgres.findBinDirectory()
        // A unix-socket path is limited to about 107 bytes: keep the socket in the data folder when it fits, else in
        // a short folder of its own under /tmp named after the data folder.
        if (absolute + "/.s.PGSQL.\(options.port)").utf8.count <= 100 {
            socketDirectory = absolute
        } else {
            let digest = SHA256.hash(data: Data(absolute.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
            socketDirectory = "/tmp/precursor-pg-\(digest)"
        }
        runAs = geteuid() == 0 ? try EmbeddedPostgres.unprivilegedUser() : nil
    }

    /// The connection string for the cluster's database over its unix socket.
    public var databaseURL: DatabaseURL {
        DatabaseURL(host: socketDirectory, port: options.port, user: EmbeddedPostgres.superuser, database: options.database)
    }

    /// Whether the cluster was ever initialised.
    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION")
    }

    /// Initialises the cluster if needed and starts it, waiting until it accepts connections. A server already
    /// running on this folder is adopted. Returns whether this call started it.
    @discardableResult
    public func start() throws(StoreError) -> Bool {
        try prepareFolders()
        if !isInitialised { try initialise() }
        if isRunning {
            logger.info("embedded PostgreSQL already running", metadata: ["data_dir": "\(dataDirectory)"])
            return false
        }
        var serverOptions = ["-c listen_addresses='\(options.tcpAddress ?? "")'", "-k \(quoted(socketDirectory))", "-p \(options.port)"]
        if !options.durable {
            serverOptions += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        }
        for (name, value) in options.settings.sorted(by: { $0.key < $1.key }) {
            serverOptions.append("-c \(name)=\(value)")
        }
        let result = try run(
            "pg_ctl",
            ["-D", dataDirectory, "-l", dataDirectory + "/postgres.log", "-w", "-t", "60", "-o", serverOptions.joined(separator: " "), "start"]
        )
        guard result.status == 0 else {
            let log =
                (try? String(contentsOfFile: dataDirectory + "/postgres.log", encoding: .utf8))?
                .split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
            throw .embedded("pg_ctl start failed (exit \(result.status)): \(result.output.trimmed)\n\(log)")
        }
        logger.info(
            "embedded PostgreSQL started",
            metadata: ["data_dir": "\(dataDirectory)", "socket_dir": "\(socketDirectory)", "port": "\(options.port)"]
        )
        return true
    }

    /// Whether a server is running on this data folder.
    public var isRunning: Bool {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") else { return false }
        return (try? run("pg_ctl", ["-D", dataDirectory, "status"]).status) == 0
    }

    /// Stops the server (fast shutdown: open transactions roll back) and waits until it has exited.
    public func stop() throws(StoreError) {
        guard isRunning else { return }
        let postmaster = self.postmasterPID
        let result = try run("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"])
        guard result.status == 0 || !isRunning else {
            throw .embedded("pg_ctl stop failed (exit \(result.status)): \(result.output.trimmed)")
        }
        // pg_ctl returns once the pid file is gone; the postmaster exits a moment later. Wait for that, so that
        // whoever stops us can rely on no postgres process being left.
        if let postmaster {
            let deadline = ContinuousClock.now + .seconds(10)
            while EmbeddedPostgres.processIsAlive(postmaster), ContinuousClock.now < deadline {
                usleep(10_000)
            }
        }
        logger.info("embedded PostgreSQL stopped", metadata: ["data_dir": "\(dataDirectory)"])
    }

    /// The postmaster's process id, from its pid file.
    public var postmasterPID: pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return pid_t(first)
    }

    /// Whether a process exists and is not a zombie waiting to be reaped.
    public static func processIsAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    // MARK: - Setting up

    private func prepareFolders() throws(StoreError) {
        let fm = FileManager.default
        for folder in [dataDirectory, socketDirectory] {
            do {
                // Parents with the usual permissions (the server's user must traverse them); the folder itself private.
                let parent = (folder as NSString).deletingLastPathComponent
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
                if !fm.fileExists(atPath: folder) {
                    try fm.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                }
            } catch {
                throw .embedded("cannot create the folder \(folder): \(error.localizedDescription)")
            }
            if let user = runAs {
                let chown = try runPlain("/bin/chown", ["-R", "\(user):", folder])
                guard chown.status == 0 else { throw .embedded("cannot give \(folder) to user \(user): \(chown.output.trimmed)") }
                // PostgreSQL run as another user needs to reach the folder through every parent.
                let reach = try runPlain(ProcessRunner.runuserPath(), ["-u", user, "--", "test", "-w", folder])
                guard reach.status == 0 else {
                    throw .embedded(
                        "PostgreSQL runs as user \(user), which cannot reach \(folder): every parent folder needs execute "
                            + "permission for it (chmod o+x on the parents) or set PRECURSOR_DATA_DIR to a folder under /var/lib or /tmp"
                    )
                }
            }
        }
    }

    /// Text sorts and compares by code point, the order `C.UTF-8` gives too, but byte by byte (`--lc-collate=C`):
    /// PostgreSQL 15 compares in any other collation through `strcoll` and without abbreviated keys, so building the
    /// unique key of a million declaration lines took 1.7–2.1 s against 1.3–1.4 s. Case mapping and character classes
    /// stay `C.UTF-8` (`lower('ĐÔNG Á')` is `đông á`, `ILIKE` and `~*` fold Vietnamese letters).
    private func initialise() throws(StoreError) {
        let result = try run(
            "initdb",
            [
                "-D", dataDirectory, "-U", EmbeddedPostgres.superuser, "-E", "UTF8", "--locale=C.UTF-8", "--lc-collate=C",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions",
            ]
        )
        guard result.status == 0 else {
            throw .embedded("initdb failed (exit \(result.status)) in \(dataDirectory): \(result.output.trimmed)")
        }
        logger.info("embedded PostgreSQL initialised", metadata: ["data_dir": "\(dataDirectory)"])
    }

    private func run(_ program: String, _ arguments: [String]) throws(StoreError) -> ProcessRunner.Result {
        let path = binDirectory + "/" + program
        do {
            return try ProcessRunner.run(path, arguments, as: runAs)
        } catch {
            throw .embedded("cannot run \(path): \(error.localizedDescription)")
        }
    }

    private func runPlain(_ path: String, _ arguments: [String]) throws(StoreError) -> ProcessRunner.Result {
        do {
            return try ProcessRunner.run(path, arguments)
        } catch {
            throw .embedded("cannot run \(path): \(error.localizedDescription)")
        }
    }

    private func quoted(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: - Finding PostgreSQL

    /// The folder with the server programs: `PRECURSOR_PG_BINDIR`, `pg_config --bindir`, the newest
    /// `/usr/lib/postgresql/*/bin`, or the folder of `initdb` on PATH.
    public static func findBinDirectory() throws(StoreError) -> String {
        let fm = FileManager.default
        func hasServer(_ folder: String) -> Bool {
            fm.isExecutableFile(atPath: folder + "/initdb") && fm.isExecutableFile(atPath: folder + "/pg_ctl")
        }
        if let explicit = ProcessInfo.processInfo.environment["PRECURSOR_PG_BINDIR"] {
            guard hasServer(explicit) else {
                throw .embedded("PRECURSOR_PG_BINDIR=\(explicit) has no initdb and pg_ctl")
            }
            return explicit
        }
        if let pgConfig = ProcessRunner.which("pg_config"),
            let result = try? ProcessRunner.run(pgConfig, ["--bindir"]), result.status == 0
        {
            let folder = result.output.trimmed
            if hasServer(folder) { return folder }
        }
        if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            for version in versions.compactMap(Int.init).sorted(by: >) {
                let folder = "/usr/lib/postgresql/\(version)/bin"
                if hasServer(folder) { return folder }
            }
        }
        if let initdb = ProcessRunner.which("initdb") {
            let resolved = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent().path
            if hasServer(resolved) { return resolved }
        }
        throw .embedded(
            "PostgreSQL is not installed (no initdb and pg_ctl found via PRECURSOR_PG_BINDIR, pg_config, /usr/lib/postgresql/*/bin or PATH); "
                + "install it with `apt-get install -y postgresql`, or set DATABASE_URL to use an existing server"
        )
    }

    /// The unprivileged user to run PostgreSQL as when we are root.
    static func unprivilegedUser() throws(StoreError) -> String {
        if let explicit = ProcessInfo.processInfo.environment["PRECURSOR_PG_USER"], !explicit.isEmpty { return explicit }
        for candidate in ["postgres", "precursor-pg"] where getpwnam(candidate) != nil {
            return candidate
        }
        let useradd = ["/usr/sbin/useradd", "/sbin/useradd"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "useradd"
        let result: ProcessRunner.Result
        do {
            result = try ProcessRunner.run(useradd, ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "precursor-pg"])
        } catch {
            throw .embedded("running as root and no unprivileged user for PostgreSQL; creating precursor-pg failed: \(error)")
        }
        guard result.status == 0 || getpwnam("precursor-pg") != nil else {
            throw .embedded("running as root and no unprivileged user for PostgreSQL; `useradd precursor-pg` failed: \(result.output.trimmed)")
        }
        return "precursor-pg"
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
