import Foundation
import Logging
import Metrics
import PrecursorStore
import ServiceLifecycle

/// Watches the inbox folder (`PRECURSOR_INBOX`) for complete CSV files and imports each one.
///
/// Senders write `NAME.part` and rename it to `NAME.csv` when complete; only `*.csv` is picked up. The kind comes
/// from the name prefix (`firms-…`, `facilities-…`, `licences-…`, `declarations-…`, `reports-…`). After the import
/// the file moves to `processed/` (every row loaded or unchanged) or `rejected/` (some rows rejected, with its
/// `.rejects.csv`; or a file-level error, with a `.error.txt`). A file whose SHA-256 was already imported is not
/// imported again. Scans at start and every `interval`; nothing is imported before the schema is current.
struct InboxService: Service {
    let folder: String
    let database: Database
    let migrator: Migrator
    let logger: Logger
    var interval: Duration = .seconds(2)

    func run() async throws {
        for sub in ["processed", "rejected"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        logger.info("inbox watching", metadata: ["inbox": "\(folder)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await scan()
            let wait = interval
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    /// Imports every complete file now in the inbox, firms before the files that refer to them.
    func scan() async {
        guard (try? await migrator.status(database).isCurrent) == true else { return }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".csv") && !$0.hasSuffix(".rejects.csv") }
            .sorted { (ImportKind(fileName: $0)?.loadOrder ?? 99, $0) < (ImportKind(fileName: $1)?.loadOrder ?? 99, $1) }
        for name in names where !Task.isShuttingDownGracefully {
            await process(name)
        }
    }

    private func process(_ name: String) async {
        let path = folder + "/" + name
        guard let kind = ImportKind(fileName: name) else {
            refuse(name, kind: "unknown", reason: "the name must start with firms-, facilities-, licences-, declarations- or reports-")
            return
        }
        let importer = Importer(database: database, logger: logger)
        do {
            let sha = try Importer.sha256(ofFile: path)
            if try await importer.alreadyImported(sha256: sha) {
                move(name, to: "processed")
                count(files: kind.rawValue, outcome: "duplicate")
                logger.info("inbox file already imported; not imported again", metadata: ["file": "\(name)", "sha256": "\(sha)"])
                return
            }
            let summary = try await importer.run(kind, path: path, options: .init(actor: .daemon, source: "inbox"))
            let outcome = summary.rowsRejected > 0 ? "rejected" : "processed"
            move(name, to: outcome)
            count(files: kind.rawValue, outcome: outcome)
            for (rows, label) in [(summary.rowsLoaded, "loaded"), (summary.rowsUnchanged, "unchanged"), (summary.rowsRejected, "rejected")] {
                Counter(label: "precursor_ingest_rows_total", dimensions: [("kind", kind.rawValue), ("outcome", label)])
                    .increment(by: rows)
            }
            logger.info(
                "inbox file processed",
                metadata: [
                    "file": "\(name)", "outcome": "\(outcome)", "import_id": "\(summary.importID)",
                    "rows_read": "\(summary.rowsRead)", "rows_loaded": "\(summary.rowsLoaded)",
                    "rows_unchanged": "\(summary.rowsUnchanged)", "rows_rejected": "\(summary.rowsRejected)",
                ])
        } catch let error as StoreError {
            if case .invalidFile = error {
                try? Data("\(error)\n".utf8).write(to: URL(fileURLWithPath: path + ".error.txt"))
                refuse(name, kind: kind.rawValue, reason: error.description)
            } else {
                // The database is away or failing: leave the file where it is and try again on the next scan.
                logger.warning("inbox import failed; will retry", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        } catch {
            logger.warning("inbox import failed; will retry", metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    private func refuse(_ name: String, kind: String, reason: String) {
        move(name, to: "rejected")
        count(files: kind, outcome: "error")
        logger.error("inbox file refused", metadata: ["file": "\(name)", "reason": "\(reason)"])
    }

    private func count(files kind: String, outcome: String) {
        Counter(label: "precursor_ingest_files_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
    }

    /// Moves the file and its companions (rejects file, error note) into `processed/` or `rejected/`.
    private func move(_ name: String, to sub: String) {
        let fm = FileManager.default
        for companion in [name, name + ".rejects.csv", name + ".error.txt"] {
            let from = folder + "/" + companion
            let to = folder + "/" + sub + "/" + companion
            guard fm.fileExists(atPath: from) else { continue }
            try? fm.removeItem(atPath: to)
            do { try fm.moveItem(atPath: from, toPath: to) } catch {
                logger.error("inbox cannot move a file", metadata: ["file": "\(companion)", "error": "\(error)"])
            }
        }
    }
}
