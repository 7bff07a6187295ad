import Foundation
import Logging
import PostgresNIO
import PrecursorCore

/// A finding as stored: the columns of `finding`.
public struct FindingRow: Sendable {
    public var firmID: Int64
    public var substanceID: Int32?
    public var rule: String
    public var period: String
    public var score: Double
    public var severity: String
    /// JSON object text.
    public var evidence: String
    public var dedupeKey: String

    public init(
        firmID: Int64, substanceID: Int32?, rule: String, period: String, score: Double, severity: String, evidence: String,
        dedupeKey: String
    ) {
        self.firmID = firmID
        self.substanceID = substanceID
        self.rule = rule
        self.period = period
        self.score = score
        self.severity = severity
        self.evidence = evidence
        self.dedupeKey = dedupeKey
    }
}

/// An alert row as the policy needs it.
public struct AlertSnapshot: Sendable {
    public var id: Int64
    public var firmID: Int64
    public var substanceID: Int32?
    public var family: String
    public var score: Double
    public var rules: [String]
    public var evidenceKeys: [String]
}

extension SweepStore {
    /// Stores the findings in one statement; returns their ids in the order given.
    public func insertFindings(_ findings: [FindingRow], sweepID: Int64) async throws -> [Int64] {
        guard !findings.isEmpty else { return [] }
        let rows = try await connection.rows(
            """
            INSERT INTO finding (sweep_run_id, firm_id, substance_id, rule, period, score, severity, evidence, dedupe_key)
            SELECT \(sweepID), f, nullif(s, 0), r, p, sc::numeric, sv, e::jsonb, k
              FROM unnest(\(findings.map(\.firmID)), \(findings.map { $0.substanceID ?? 0 }), \(findings.map(\.rule)),
                          \(findings.map(\.period)), \(findings.map(\.score)), \(findings.map(\.severity)),
                          \(findings.map(\.evidence)), \(findings.map(\.dedupeKey))) WITH ORDINALITY
                   AS x(f, s, r, p, sc, sv, e, k, n)
             ORDER BY n
            RETURNING id
            """, logger: logger)
        let ids = try rows.map { try $0.decode(Int64.self) }
        guard ids.count == findings.count else {
            throw StoreError.configuration("stored \(ids.count) of \(findings.count) findings")
        }
        return ids.sorted()
    }

    /// Open alerts of these firms.
    public func openAlerts(firmIDs: [Int64]) async throws -> [AlertSnapshot] {
        try await alerts(firmIDs: firmIDs, closed: false)
    }

    /// Closed alerts of these firms (their evidence keys are not raised again).
    public func closedAlerts(firmIDs: [Int64]) async throws -> [AlertSnapshot] {
        try await alerts(firmIDs: firmIDs, closed: true)
    }

    private func alerts(firmIDs: [Int64], closed: Bool) async throws -> [AlertSnapshot] {
        guard !firmIDs.isEmpty else { return [] }
        return try await connection.rows(
            """
            SELECT id, firm_id, substance_id, rule_family, score::float8,
                   coalesce(ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(payload->'rules') WHEN 'array' THEN payload->'rules' END)), ARRAY[rule]),
                   coalesce(ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(payload->'evidence_keys') WHEN 'array' THEN payload->'evidence_keys' END)), ARRAY[evidence_key])
              FROM alert
             WHERE firm_id = ANY(\(firmIDs)) AND (state = 'closed') = \(closed)
            """, logger: logger
        ).map { row in
            let (id, firm, substance, family, score, rules, keys) =
                try row.decode((Int64, Int64, Int32?, String, Double, [String], [String]).self)
            return AlertSnapshot(id: id, firmID: firm, substanceID: substance, family: family, score: score, rules: rules, evidenceKeys: keys)
        }
    }

    /// Records which alert each finding fed.
    public func linkFindings(_ findingIDs: [Int64], to alertIDs: [Int64]) async throws {
        guard !findingIDs.isEmpty else { return }
        try await connection.run(
            """
            UPDATE finding f SET alert_id = x.a FROM unnest(\(findingIDs), \(alertIDs)) AS x(id, a) WHERE f.id = x.id
            """, logger: logger)
    }

    /// Marks the sweep succeeded with its counts (JSON object text) and the watermark the next one starts from.
    public func finish(sweepID: Int64, scope: String, counts: String, findings: Int, alerts: Int, watermark: Date) async throws {
        try await connection.run(
            """
            UPDATE sweep_run SET status = 'succeeded', finished_at = clock_timestamp(), scope = \(scope),
                   counts = \(counts)::jsonb, finding_count = \(findings), alert_count = \(alerts),
                   data_watermark = \(watermark)
             WHERE id = \(sweepID)
            """, logger: logger)
    }
}

extension Database {
    /// Records a sweep that failed (its own work was rolled back): kind, as-of date, the error.
    public func recordFailedSweep(kind: String, scope: String, asOf: CivilDate, startedAt: Date, error: String) async throws {
        _ = try await rows(
            """
            INSERT INTO sweep_run (kind, scope, as_of, started_at, finished_at, status, error)
            VALUES (\(kind), \(scope), \(asOf), \(startedAt), clock_timestamp(), 'failed', \(error))
            """)
    }
}
