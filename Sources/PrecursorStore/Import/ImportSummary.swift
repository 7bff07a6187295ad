/// What one import did: printed by the CLI, logged by the inbox, recorded in `import_batch`.
public struct ImportSummary: Sendable, Codable, Equatable {
    public var importID: Int
    public var kind: ImportKind
    public var file: String
    public var sha256: String
    public var dryRun: Bool
    /// Data rows read (the header is not counted).
    public var rowsRead = 0
    /// Rows inserted or changed.
    public var rowsLoaded = 0
    /// Good rows identical to what the database already held (including identical repeats within the file).
    public var rowsUnchanged = 0
    public var rowsRejected = 0
    public var seconds = 0.0
    /// The rejects file written beside the input, when any row was rejected and the input was a file.
    public var rejectsFile: String?

    /// Rows read per second of wall time.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsRead) / seconds : 0 }

    enum CodingKeys: String, CodingKey {
        case importID = "import_id"
        case kind, file, sha256
        case dryRun = "dry_run"
        case rowsRead = "rows_read"
        case rowsLoaded = "rows_loaded"
        case rowsUnchanged = "rows_unchanged"
        case rowsRejected = "rows_rejected"
        case seconds
        case rejectsFile = "rejects_file"
        case rowsPerSecond = "rows_per_second"
    }

    public init(importID: Int, kind: ImportKind, file: String, sha256: String, dryRun: Bool) {
        self.importID = importID
        self.kind = kind
        self.file = file
        self.sha256 = sha256
        self.dryRun = dryRun
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        importID = try c.decode(Int.self, forKey: .importID)
        kind = try c.decode(ImportKind.self, forKey: .kind)
        file = try c.decode(String.self, forKey: .file)
        sha256 = try c.decode(String.self, forKey: .sha256)
        dryRun = try c.decode(Bool.self, forKey: .dryRun)
        rowsRead = try c.decode(Int.self, forKey: .rowsRead)
        rowsLoaded = try c.decode(Int.self, forKey: .rowsLoaded)
        rowsUnchanged = try c.decode(Int.self, forKey: .rowsUnchanged)
        rowsRejected = try c.decode(Int.self, forKey: .rowsRejected)
        seconds = try c.decode(Double.self, forKey: .seconds)
        rejectsFile = try c.decodeIfPresent(String.self, forKey: .rejectsFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(importID, forKey: .importID)
        try c.encode(kind, forKey: .kind)
        try c.encode(file, forKey: .file)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(rowsRead, forKey: .rowsRead)
        try c.encode(rowsLoaded, forKey: .rowsLoaded)
        try c.encode(rowsUnchanged, forKey: .rowsUnchanged)
        try c.encode(rowsRejected, forKey: .rowsRejected)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(rowsPerSecond.rounded(), forKey: .rowsPerSecond)
        try c.encodeIfPresent(rejectsFile, forKey: .rejectsFile)
    }
}
