import Foundation
import OpenAPIRuntime
import PrecursorCore
import PrecursorStore

/// Enterprise self-reporting: template, submit, amend, list, due.
extension APIHandler {
    /// The enterprise caller's firm; staff tokens have none and are refused (403).
    func enterpriseFirm() throws -> (id: Int64, taxCode: String, bearer: TokenStore.Bearer) {
        let bearer = try currentBearer()
        guard bearer.role == .enterprise, let id = bearer.firmID, let taxCode = bearer.firmTaxCode else {
            throw APIError.forbidden("reports are submitted and read with the firm's own enterprise token")
        }
        return (id, taxCode, bearer)
    }

    func listReports(_ input: Operations.ListReports.Input) async throws -> Operations.ListReports.Output {
        let firm = try enterpriseFirm()
        let versions = try await reports.versions(firmID: firm.id)
        return .ok(.init(body: .json(.init(reports: versions.map(Components.Schemas.ReportVersion.init)))))
    }

    func getReportTemplate(_ input: Operations.GetReportTemplate.Input) async throws -> Operations.GetReportTemplate.Output {
        let firm = try enterpriseFirm()
        let period: Period
        if let text = input.query.period {
            do { period = try Period(text) } catch {
                throw APIError.validation("period is not a period", [.init(field: "period", value: text, reason: error.description)])
            }
        } else {
            let obligation = try await reports.obligation(firmID: firm.id)
            period = Period.containing(today(), frequency: obligation.frequency).previous
        }
        return .ok(.init(body: .csv(HTTPBody(try await reports.template(firmID: firm.id, period: period)))))
    }

    func getReportsDue(_ input: Operations.GetReportsDue.Input) async throws -> Operations.GetReportsDue.Output {
        let firm = try enterpriseFirm()
        let obligation = try await reports.obligation(firmID: firm.id)
        let periods = try await reports.due(firmID: firm.id, today: today())
        return .ok(
            .init(
                body: .json(
                    .init(
                        frequency: obligation.frequency.rawValue, dueDays: obligation.dueDays,
                        periods: periods.map {
                            .init(
                                period: $0.period, dueOn: $0.dueOn, status: .init(rawValue: $0.status) ?? .due,
                                submittedVersions: $0.submittedVersions)
                        }))))
    }

    func submitReport(_ input: Operations.SubmitReport.Input) async throws -> Operations.SubmitReport.Output {
        guard case .csv(let body) = input.body else { throw APIError.badRequest("send the report as text/csv") }
        let outcome = try await store(body, mode: .submit, key: input.headers.idempotencyKey)
        return .created(.init(body: .json(outcome)))
    }

    func amendReport(_ input: Operations.AmendReport.Input) async throws -> Operations.AmendReport.Output {
        guard case .csv(let body) = input.body else { throw APIError.badRequest("send the report as text/csv") }
        let outcome = try await store(body, mode: .amend, key: input.headers.idempotencyKey)
        return .created(.init(body: .json(outcome)))
    }

    private func store(_ body: HTTPBody, mode: ReportSubmission.Mode, key: String?) async throws -> Components.Schemas.Submission {
        let firm = try enterpriseFirm()
        let bytes = try await [UInt8](collecting: body, upTo: 64 << 20)
        do {
            let outcome = try await submissions.submit(
                firmID: firm.id, taxCode: firm.taxCode, csv: bytes, mode: mode, idempotencyKey: key,
                actor: firm.bearer.principal, requestID: RequestContextValues.requestID)
            return .init(
                importId: outcome.importID, lines: outcome.lines, stored: outcome.stored, unchanged: outcome.unchanged,
                versions: outcome.versions.map(Components.Schemas.ReportVersion.init),
                warnings: outcome.warnings.map { .init(line: $0.line, field: $0.field, value: $0.value, reason: $0.reason) },
                replayed: outcome.replayed)
        } catch let failure as ReportSubmission.Failure {
            switch failure {
            case .invalid(let problems):
                throw APIError.validation(
                    failure.description, problems.map { .init(line: $0.line, field: $0.field, value: $0.value, reason: $0.reason) })
            case .conflict(let problems):
                var error = APIError.conflict(failure.description)
                error.errors = problems.map { .init(line: $0.line, field: $0.field, value: $0.value, reason: $0.reason) }
                throw error
            case .tooManyLines:
                throw APIError(status: .contentTooLarge, kind: "too-large", detail: failure.description)
            case .keyReused:
                throw APIError(status: .unprocessableContent, kind: "idempotency-key-reused", detail: failure.description)
            }
        } catch let error as StoreError {
            if case .invalidFile(_, let line, let field, let reason) = error {
                throw APIError.validation("the report cannot be read", [.init(line: line, field: field ?? "line", reason: reason)])
            }
            throw error
        }
    }
}

extension Components.Schemas.ReportVersion {
    init(_ version: FirmDirectory.ReportVersion) {
        self.init(
            id: version.id, period: version.period, facility: version.facility, substance: version.substance,
            version: version.version, submittedAt: version.submittedAt, submittedBy: version.submittedBy,
            openingKg: version.openingKg, importedKg: version.importedKg, closingKg: version.closingKg)
    }
}
