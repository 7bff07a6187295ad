import Foundation
import Logging
import PostgresNIO
import PrecursorStore

/// The test run's PostgreSQL: one throwaway cluster per run (the same embedded launcher as the daemon), a template
/// database migrated once, and a fresh copy of it for each suite (`CREATE DATABASE … TEMPLATE …` takes milliseconds).
/// `PRECURSOR_TEST_DATABASE_URL` points the run at an existing server instead.
public enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "precursor.test")
        logger.logLevel = .warning
        return logger
    }()

    /// The server every test database lives on.
    public static func server() async throws -> DatabaseURL {
        try await Cluster.shared.server()
    }

    /// A new database with the whole schema applied and nothing else.
    public static func migrated(_ label: String = "t") async throws -> DatabaseURL {
        let server = try await Cluster.shared.template()
        let name = uniqueName(label)
        try await DatabaseAdmin(server: server, logger: logger).createDatabase(name, template: Cluster.templateName)
        return server.with(database: name)
    }

    /// A new, empty database (no schema at all).
    public static func empty(_ label: String = "e") async throws -> DatabaseURL {
        let server = try await Cluster.shared.server()
        let name = uniqueName(label)
        try await DatabaseAdmin(server: server, logger: logger).createDatabase(name)
        return server.with(database: name)
    }

    /// Runs `body` against a fresh migrated database.
    public static func withMigrated<T: Sendable>(_ label: String = "t", _ body: (Database) async throws -> T) async throws -> T {
        try await Database.with(url: try await migrated(label), logger: logger, body)
    }

    private static let counter = Counter()

    static func uniqueName(_ label: String) -> String {
        let clean = label.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(30)
        return "t_\(clean)_\(counter.next())"
    }

    /// The repository root (sql/, seeds/).
    public static var repositoryRoot: String { ResourceLocator.sourceRoot }

    /// The folder holding the built executables (precursord, precursorctl) next to the test bundle.
    public static var binaryFolder: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for folder in candidates where FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("precursorctl").path) {
            return folder.path
        }
        return repositoryRoot + "/.build/debug"
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// The cluster shared by the run; started on first use, stopped when the test process exits.
actor Cluster {
    static let shared = Cluster()
    static let templateName = "precursor_template"

    private var serverTask: Task<DatabaseURL, any Error>?
    private var templateTask: Task<DatabaseURL, any Error>?

    func server() async throws -> DatabaseURL {
        if let task = serverTask { return try await task.value }
        let task = Task { try Cluster.start() }
        serverTask = task
        return try await task.value
    }

    func template() async throws -> DatabaseURL {
        if let task = templateTask { return try await task.value }
        let task = Task {
            let server = try await self.server()
            let admin = DatabaseAdmin(server: server, logger: TestDatabase.logger)
            try await admin.dropDatabase(Cluster.templateName)
            try await admin.createDatabase(Cluster.templateName)
            let url = server.with(database: Cluster.templateName)
            let migrator = Migrator(
                migrations: try Migration.load(from: TestDatabase.repositoryRoot + "/sql"), logger: TestDatabase.logger)
            try await Database.with(url: url, logger: TestDatabase.logger) { try await migrator.migrate($0) }
            return server
        }
        templateTask = task
        return try await task.value
    }

    private static func start() throws -> DatabaseURL {
        if let text = ProcessInfo.processInfo.environment["PRECURSOR_TEST_DATABASE_URL"], !text.isEmpty {
            return try DatabaseURL(text)
        }
        removeStaleClusters()
        let folder = "/tmp/precursor-test-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        var options = EmbeddedPostgres.Options(dataDirectory: folder)
        options.durable = false
        // Swift Testing runs every test at once; each holds a small pool (daemons under test hold up to 20).
        options.settings = ["max_connections": "800"]
        let cluster = try EmbeddedPostgres(options: options, logger: TestDatabase.logger)
        try cluster.start()
        runningCluster = cluster
        atexit {
            if let cluster = runningCluster {
                try? cluster.stop()
                try? FileManager.default.removeItem(atPath: cluster.dataDirectory)
            }
        }
        return cluster.databaseURL
    }
}

/// Clusters left by test runs that were killed: their owner process is gone, so stop their server and remove them.
private func removeStaleClusters() {
    let fm = FileManager.default
    for name in (try? fm.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix("precursor-test-") {
        guard let owner = Int32(name.dropFirst("precursor-test-".count)), owner != getpid(), kill(owner, 0) != 0 else { continue }
        let folder = "/tmp/" + name
        if let pidText = try? String(contentsOfFile: folder + "/postmaster.pid", encoding: .utf8),
            let first = pidText.split(separator: "\n").first, let postmaster = Int32(first)
        {
            kill(postmaster, SIGQUIT)
        }
        try? fm.removeItem(atPath: folder)
    }
}

nonisolated(unsafe) private var runningCluster: EmbeddedPostgres?
