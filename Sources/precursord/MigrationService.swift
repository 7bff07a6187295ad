import Logging
import PrecursorStore
import ServiceLifecycle

/// Brings the schema up to date at start. A database that cannot be reached yet is retried with backoff (readiness
/// reports it meanwhile); an edited or unknown migration stops the daemon, because running on a schema we cannot
/// trust would be worse than not running.
struct MigrationService: Service {
    let database: Database
    let migrator: Migrator
    let logger: Logger
    /// Opened once the schema is current.
    var gate: SchemaGate? = nil

    func run() async throws {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let applied = try await migrator.migrate(database)
                logger.info("schema current", metadata: ["applied_now": "\(applied.count)"])
                await gate?.open()
                break
            } catch let error as StoreError {
                switch error {
                case .unreachable:
                    logger.warning("database not reachable yet; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    let wait = delay
                    _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                    delay = min(delay * 2, .seconds(10))
                default:
                    logger.critical("cannot bring the schema up to date", metadata: ["error": "\(error)"])
                    throw error
                }
            }
        }
        // Stay up so that the ServiceGroup does not treat this service's end as the daemon's end.
        try? await gracefulShutdown()
    }
}
