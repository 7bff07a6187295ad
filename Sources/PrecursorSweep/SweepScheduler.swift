import Foundation
import Logging
import Metrics
import PrecursorCore
import PrecursorStore
import ServiceLifecycle

/// The daemon's scheduled sweeps (DESIGN §7): at each slot of the schedule it runs the daily full sweep and the
/// incremental one when their slots have not run yet. With several daemons on one database each slot runs once:
/// the advisory lock lets one sweep run at a time and the unique `sweep_run.slot` records the slot with the
/// sweep's own transaction. On start it runs the latest slot if every daemon missed it. Graceful shutdown lets
/// the sweep in flight finish (or, past the shutdown deadline, be cancelled and rolled back).
public struct SweepScheduler: Service {
    let runner: SweepRunner
    let schedule: SweepSchedule
    let logger: Logger
    let now: @Sendable () -> Date
    let ready: @Sendable () async throws -> Void

    /// `ready` returns once the schema is current (the daemon's migrations); the first sweep waits for it, and a
    /// cancellation meanwhile (migrations failed, the daemon stops) ends the scheduler without sweeping.
    public init(
        database: Database, schedule: SweepSchedule, logger: Logger, now: @escaping @Sendable () -> Date = Date.init,
        ready: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.runner = SweepRunner(database: database, logger: logger)
        self.schedule = schedule
        self.logger = logger
        self.now = now
        self.ready = ready
    }

    public func run() async throws {
        logger.info(
            "sweep scheduler started",
            metadata: [
                "interval_seconds": "\(schedule.intervalSeconds)",
                "daily_at": "\(String(format: "%02d:%02d", schedule.dailyHour, schedule.dailyMinute))",
                "time_zone": "\(schedule.timeZone.identifier)",
            ])
        do {
            try await cancelWhenGracefulShutdown { try await ready() }
        } catch {
            return
        }
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runDueSlots()
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                // The schema may still be migrating at start: quiet at first, loud when it persists.
                logger.log(level: failures > 3 ? .error : .debug, "scheduled sweep failed", metadata: ["error": "\(error)"])
            }
            let wait =
                failures > 0 && failures <= 3
                ? Duration.seconds(1) : Duration.seconds(max(0.05, schedule.nextSlot(after: now()).timeIntervalSince(now())))
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    /// Runs the latest full and incremental slots that have not run yet (the full one first: when both fall on
    /// the same instant, the full sweep takes the slot).
    func runDueSlots() async throws {
        let moment = now()
        let full = schedule.fullSlot(atOrBefore: moment)
        let incremental = schedule.incrementalSlot(atOrBefore: moment)
        for (slot, scope) in [(full, SweepRunner.Request.Scope.full), (incremental, .incremental)] {
            let request = SweepRunner.Request(
                kind: .scheduled, scope: scope, asOf: schedule.asOf(moment), slot: slot, actor: .daemon)
            if let report = try await runner.run(request, wait: false) {
                SweepMetrics.record(report)
            }
        }
    }
}

/// The sweep metrics on `/metrics`: duration by scope, findings and alerts per rule, last success time.
public enum SweepMetrics {
    public static func record(_ report: SweepReport) {
        Timer(label: "precursor_sweep_duration_seconds", dimensions: [("scope", report.scope.rawValue)])
            .recordSeconds(report.seconds)
        Counter(label: "precursor_sweeps_total", dimensions: [("scope", report.scope.rawValue), ("outcome", "succeeded")]).increment()
        for (rule, count) in report.findings {
            Counter(label: "precursor_sweep_findings_total", dimensions: [("rule", rule)]).increment(by: count)
        }
        for (rule, count) in report.alerts {
            Counter(label: "precursor_sweep_alerts_total", dimensions: [("rule", rule)]).increment(by: count)
        }
        Gauge(label: "precursor_sweep_last_success_timestamp_seconds").record(Date().timeIntervalSince1970)
    }
}
