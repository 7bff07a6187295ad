import Foundation
import Logging
import PrecursorAPI
import PrecursorStore
import PrecursorSweep

/// Every setting of the daemon, read once from the environment. README's configuration table documents each.
struct Configuration {
    /// `DATABASE_URL`; nil starts the embedded PostgreSQL.
    var databaseURL: DatabaseURL?
    /// `PRECURSOR_DATA_DIR` (default `.precursor`): the embedded cluster lives in `<dir>/pg`.
    var dataDirectory: String
    /// `PRECURSOR_PG_PORT` (default 5432): the embedded cluster's port / socket name.
    var embeddedPort: Int
    /// `PRECURSOR_PG_LISTEN`: also listen on this TCP address (default: unix socket only).
    var embeddedTCP: String?
    /// `PRECURSOR_HTTP_HOST`, `PRECURSOR_HTTP_PORT` (default 127.0.0.1:8080; port 0 picks a free one),
    /// `PRECURSOR_HTTP_MAX_BODY_BYTES` (default 4 MiB; larger request bodies get 413).
    var http: HTTPSettings
    /// `PRECURSOR_LOG_LEVEL` (trace … critical, default info).
    var logLevel: Logger.Level
    /// `PRECURSOR_LOG_FORMAT`: `text` (default on a terminal) or `json` (one object per line).
    var logFormat: String
    /// `PRECURSOR_SHUTDOWN_SECONDS` (default 10): the most a graceful stop may take.
    var shutdownSeconds: Int
    /// `PRECURSOR_INBOX`: folder watched for CSV files to import (off when unset).
    var inbox: String?
    /// `PRECURSOR_QUEUE_METRICS_SECONDS` (default 15): how often queue depth and age are refreshed for `/metrics`.
    var queueMetricsSeconds: Int
    /// `PRECURSOR_SWEEPS` (`on` default, `off`): run the scheduled sweeps in this daemon.
    /// `PRECURSOR_SWEEP_INTERVAL` (default `1h`; `90s`, `15m` or seconds): incremental sweep every interval.
    /// `PRECURSOR_SWEEP_DAILY_AT` (default `02:00`) and `PRECURSOR_SWEEP_TIMEZONE` (default `Asia/Ho_Chi_Minh`):
    /// the daily full sweep, and the zone of every sweep's as-of date.
    var sweepSchedule: SweepSchedule?
    /// `PRECURSOR_TOKEN_CACHE_SECONDS` (default 5; 0 turns the cache off): how long an authenticated API token is
    /// trusted without asking the database again, so the longest a revoked token keeps working.
    var tokenCacheSeconds: Int
    /// `PRECURSOR_DB_CONNECTIONS` (default three per CPU core, at least 4): the most PostgreSQL connections the daemon
    /// opens. More connections than the cores can run at once add no throughput and lengthen the slowest requests:
    /// on two cores the listing's p99 was 145–256 ms with 20 and about 50 ms with 6.
    var databaseConnections: Int

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw Invalid(description: "\(name)=\(text) is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        let level = env["PRECURSOR_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "info"
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw Invalid(description: "PRECURSOR_LOG_LEVEL=\(level) is not one of trace, debug, info, notice, warning, error, critical")
        }
        let format = env["PRECURSOR_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 } ?? (isatty(2) == 1 ? "text" : "json")
        guard ["text", "json"].contains(format) else {
            throw Invalid(description: "PRECURSOR_LOG_FORMAT=\(format) is not text or json")
        }
        var url: DatabaseURL?
        if let text = env["DATABASE_URL"], !text.isEmpty {
            do { url = try DatabaseURL(text) } catch { throw Invalid(description: error.description) }
        }
        var schedule: SweepSchedule?
        let sweeps = env["PRECURSOR_SWEEPS"].flatMap { $0.isEmpty ? nil : $0 } ?? "on"
        guard ["on", "off"].contains(sweeps) else { throw Invalid(description: "PRECURSOR_SWEEPS=\(sweeps) is not on or off") }
        if sweeps == "on" {
            let intervalText = env["PRECURSOR_SWEEP_INTERVAL"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h"
            guard let interval = SweepSchedule.parseInterval(intervalText) else {
                throw Invalid(description: "PRECURSOR_SWEEP_INTERVAL=\(intervalText) is not a duration such as 1h, 15m, 90s or 3600")
            }
            let timeText = env["PRECURSOR_SWEEP_DAILY_AT"].flatMap { $0.isEmpty ? nil : $0 } ?? "02:00"
            guard let time = SweepSchedule.parseTime(timeText) else {
                throw Invalid(description: "PRECURSOR_SWEEP_DAILY_AT=\(timeText) is not a time of day HH:MM")
            }
            let zoneText = env["PRECURSOR_SWEEP_TIMEZONE"].flatMap { $0.isEmpty ? nil : $0 } ?? "Asia/Ho_Chi_Minh"
            guard let zone = TimeZone(identifier: zoneText) else {
                throw Invalid(description: "PRECURSOR_SWEEP_TIMEZONE=\(zoneText) is not a time zone name such as Asia/Ho_Chi_Minh")
            }
            schedule = SweepSchedule(intervalSeconds: interval, dailyHour: time.hour, dailyMinute: time.minute, timeZone: zone)
        }
        return Configuration(
            databaseURL: url,
            dataDirectory: env["PRECURSOR_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".precursor",
            embeddedPort: try int("PRECURSOR_PG_PORT", 5432, 1...65535),
            embeddedTCP: env["PRECURSOR_PG_LISTEN"].flatMap { $0.isEmpty ? nil : $0 },
            http: HTTPSettings(
                host: env["PRECURSOR_HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
                port: try int("PRECURSOR_HTTP_PORT", 8080, 0...65535),
                maximumBodyBytes: try int("PRECURSOR_HTTP_MAX_BODY_BYTES", 4 << 20, 1024...(256 << 20))),
            logLevel: logLevel,
            logFormat: format,
            shutdownSeconds: try int("PRECURSOR_SHUTDOWN_SECONDS", 10, 1...600),
            inbox: env["PRECURSOR_INBOX"].flatMap { $0.isEmpty ? nil : $0 },
            queueMetricsSeconds: try int("PRECURSOR_QUEUE_METRICS_SECONDS", 15, 1...3600),
            sweepSchedule: schedule,
            tokenCacheSeconds: try int("PRECURSOR_TOKEN_CACHE_SECONDS", 5, 0...300),
            databaseConnections: try int("PRECURSOR_DB_CONNECTIONS", max(4, 3 * ProcessInfo.processInfo.activeProcessorCount), 2...500))
    }
}
