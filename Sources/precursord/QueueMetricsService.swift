import Logging
import Metrics
import PrecursorStore
import ServiceLifecycle

/// Publishes per-topic queue gauges for `/metrics` every `interval`, and keeps the archive's monthly partitions
/// created ahead. Until the schema exists (migrations run alongside) its errors are only logged at debug level;
/// on its first success it logs which case of the pgmq facade applied. Stops on graceful shutdown.
struct QueueMetricsService: Service {
    let database: Database
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let queue = AlertQueue(database: database, logger: logger)
        var started = false
        var failures = 0
        var partitionsEnsured = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if !started || ContinuousClock.now - partitionsEnsured > .seconds(3600) {
                    try await queue.ensureArchivePartitions()
                    partitionsEnsured = ContinuousClock.now
                }
                publish(try await queue.metrics())
                if !started {
                    let facade = try await queue.pgmqFacadeStatus()
                    logger.info("queue metrics started", metadata: ["pgmq_facade": "\(facade)"])
                    started = true
                }
                failures = 0
            } catch {
                failures += 1
                // Expected while migrations are still running; worth a warning once it persists.
                let level: Logger.Level = started || failures > 30 ? .warning : .debug
                logger.log(level: level, "queue metrics not available", metadata: ["error": "\(error)"])
            }
            let wait = started ? interval : .seconds(1)
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    private func publish(_ metrics: [QueueTopicMetrics]) {
        for m in metrics {
            let dimensions = [("topic", m.topic)]
            Gauge(label: "precursor_queue_depth", dimensions: dimensions).record(m.depth)
            Gauge(label: "precursor_queue_visible_depth", dimensions: dimensions).record(m.visibleDepth)
            Gauge(label: "precursor_queue_oldest_age_seconds", dimensions: dimensions).record(m.oldestAgeSeconds ?? 0)
            Gauge(label: "precursor_queue_dead", dimensions: dimensions).record(m.dead)
        }
    }
}
