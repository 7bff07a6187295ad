import Foundation

/// Finds the folders the store reads at run time: `sql/` (migrations) and `seeds/` (reference data).
///
/// Looked up, in order: the environment variable (`PRECURSOR_SQL_DIR`, `PRECURSOR_SEEDS_DIR`); the folder next to
/// the executable's `share/precursor` (an installed layout: `bin/precursord`, `share/precursor/sql`); the current
/// folder; and the source checkout this binary was built from.
public enum ResourceLocator {
    /// The migrations folder.
    public static func sqlDirectory() throws(StoreError) -> String {
        try find("sql", environment: "PRECURSOR_SQL_DIR", marker: "0001_reference.sql")
    }

    /// The reference-data folder.
    public static func seedsDirectory() throws(StoreError) -> String {
        try find("seeds", environment: "PRECURSOR_SEEDS_DIR", marker: "substances.csv")
    }

    /// The checkout this binary was built from (three levels above this source file).
    public static var sourceRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    private static func find(_ name: String, environment: String, marker: String) throws(StoreError) -> String {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment[environment], !explicit.isEmpty {
            guard fm.fileExists(atPath: explicit + "/" + marker) else {
                throw .configuration("\(environment)=\(explicit) has no \(marker)")
            }
            return explicit
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let candidates = [
            executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/precursor/\(name)").path,
            fm.currentDirectoryPath + "/" + name,
            sourceRoot + "/" + name,
        ]
        for candidate in candidates where fm.fileExists(atPath: candidate + "/" + marker) {
            return candidate
        }
        throw .configuration("cannot find the \(name)/ folder (looked in \(candidates.joined(separator: ", "))); set \(environment)")
    }
}
