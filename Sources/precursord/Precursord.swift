import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import PrecursorAPI
import PrecursorStore
import PrecursorSweep
import Prometheus
import ServiceLifecycle

/// The daemon: configuration, logging and metrics bootstrap, the embedded PostgreSQL when no `DATABASE_URL` is
/// given, and one ServiceGroup (database pool, migrations, HTTP server) stopped by SIGTERM or SIGINT.
@main
enum Precursord {
    static func main() async {
        // Swift concurrency's jobs run on NIO's event loops, so a request handler and the sockets it reads and writes
        // (HTTP and PostgreSQL) share threads instead of handing every step to another pool: on two cores the thread
        // switches cost more than the listing itself. First thing in main, on the main thread, before any task.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let configuration: Configuration
        do {
            configuration = try Configuration.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("precursord: configuration: \(error)\n".utf8))
            exit(2)
        }
        let level = configuration.logLevel
        let json = configuration.logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "precursor.daemon")

        var embedded: EmbeddedPostgres?
        let url: DatabaseURL
        do {
            if let configured = configuration.databaseURL {
                url = configured
            } else {
                var options = EmbeddedPostgres.Options(dataDirectory: configuration.dataDirectory + "/pg")
                options.port = configuration.embeddedPort
                options.tcpAddress = configuration.embeddedTCP
                let cluster = try EmbeddedPostgres(options: options, logger: Logger(label: "precursor.embedded-postgres"))
                try cluster.start()
                embedded = cluster
                try await cluster.ensureDatabase()
                url = cluster.databaseURL
            }
        } catch {
            logger.critical("cannot start the embedded PostgreSQL", metadata: ["error": "\(error)"])
            exit(3)
        }

        let code = await serve(configuration: configuration, url: url, registry: registry, logger: logger)
        if let embedded {
            do { try embedded.stop() } catch { logger.error("stopping the embedded PostgreSQL failed", metadata: ["error": "\(error)"]) }
        }
        logger.info("precursord stopped")
        exit(code)
    }

    /// Runs the services until a signal stops them; returns the exit code.
    static func serve(configuration: Configuration, url: DatabaseURL, registry: PrometheusCollectorRegistry, logger: Logger) async -> Int32 {
        do {
            let storeLogger = Logger(label: "precursor.store")
            let database = try Database(url: url, logger: storeLogger, maximumConnections: configuration.databaseConnections)
            let migrator = try Migrator.fromDefaultFolder(logger: storeLogger)
            let readiness = Readiness(database: database, migrator: migrator)
            let dependencies = APIDependencies(
                database: database, readiness: readiness, registry: registry, logger: Logger(label: "precursor.http"),
                tokenCache: TokenCache(ttl: .seconds(configuration.tokenCacheSeconds)))
            let app = try buildApplication(
                settings: configuration.http, dependencies: dependencies,
                onServerRunning: { port in
                    logger.info(
                        "precursord listening",
                        metadata: ["url": "http://\(configuration.http.host):\(port)", "http_port": "\(port)", "database": "\(url)"])
                })
            let schema = SchemaGate()
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: database.client),
                .init(service: MigrationService(database: database, migrator: migrator, logger: logger, gate: schema)),
                .init(service: app),
            ]
            services.append(
                .init(
                    service: QueueMetricsService(
                        database: database, interval: .seconds(configuration.queueMetricsSeconds), logger: Logger(label: "precursor.queue"))))
            if let schedule = configuration.sweepSchedule {
                services.append(
                    .init(
                        service: SweepScheduler(
                            database: database, schedule: schedule, logger: Logger(label: "precursor.sweep"),
                            ready: { try await schema.wait() })))
            }
            if let inbox = configuration.inbox {
                services.append(
                    .init(service: InboxService(folder: inbox, database: database, migrator: migrator, logger: Logger(label: "precursor.inbox"))))
            }
            var groupConfiguration = ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.shutdownSeconds)
            try await ServiceGroup(configuration: groupConfiguration).run()
            return 0
        } catch {
            logger.critical("precursord failed", metadata: ["error": "\(error)"])
            return 1
        }
    }
}
