import Foundation
import OpenAPIRuntime
import PrecursorCore
import PrecursorStore
import PrecursorSweep

/// Sweeps on demand (supervisors and admins) and their history (staff).
extension APIHandler {
    static let sweepRoles: Set<TokenStore.Role> = [.supervisor, .admin]

    func runSweep(_ input: Operations.RunSweep.Input) async throws -> Operations.RunSweep.Output {
        let bearer = try currentBearer()
        try bearer.require(Self.sweepRoles, to: "run sweeps")
        var asOfText: String?
        var full = false
        if case .json(let body)? = input.body {
            asOfText = body.asOf
            full = body.full ?? false
        }
        let asOf: CivilDate
        if let asOfText {
            do { asOf = try CivilDate(iso: asOfText) } catch {
                throw APIError.validation("asOf: \(error)", [.init(field: "asOf", reason: "\(error)")])
            }
        } else {
            asOf = today()
        }
        let request = SweepRunner.Request(
            kind: .manual, scope: full ? .full : .incremental, asOf: asOf, actor: bearer.principal,
            requestID: RequestContextValues.requestID)
        guard let report = try await sweeps.run(request) else { throw APIError.badRequest("the sweep did not run") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        id: report.id, scope: .init(rawValue: report.scope.rawValue)!,
                        requestedScope: .init(rawValue: report.requestedScope.rawValue)!, asOf: report.asOf,
                        seconds: report.seconds, scopeEntries: report.scopeEntries,
                        findings: .init(additionalProperties: report.findings),
                        alerts: .init(additionalProperties: report.alerts),
                        outcomes: .init(additionalProperties: report.outcomes)))))
    }

    func listSweeps(_ input: Operations.ListSweeps.Input) async throws -> Operations.ListSweeps.Output {
        try currentBearer().require(Self.staffRoles, to: "read sweeps")
        let records = try await SweepRecord.recent(input.query.limit ?? 50, database: database)
        return .ok(
            .init(
                body: .json(
                    .init(
                        sweeps: records.map { r in
                            .init(
                                id: r.id, kind: .init(rawValue: r.kind)!, scope: .init(rawValue: r.scope)!, asOf: r.asOf,
                                status: .init(rawValue: r.status)!, startedAt: r.startedAt, finishedAt: r.finishedAt,
                                findingCount: r.findingCount, alertCount: r.alertCount, error: r.error)
                        }))))
    }
}
