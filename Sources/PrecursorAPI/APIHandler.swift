import Foundation
import Logging
import OpenAPIRuntime
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Prometheus

/// The API's operations, generated from `openapi.yaml` and implemented over the store.
struct APIHandler: APIProtocol {
    let readiness: Readiness
    let registry: PrometheusCollectorRegistry
    let tokens: TokenStore
    let firms: FirmDirectory
    let alerts: AlertReview
    let reports: ReportDesk
    let submissions: ReportSubmission
    let rules: RuleSettings
    let sweeps: SweepRunner
    let database: Database
    /// Today in Vietnam (injected so tests can move time).
    let today: @Sendable () -> CivilDate

    static let staffRoles: Set<TokenStore.Role> = [.analyst, .supervisor, .admin]

    // MARK: Health

    func getLive(_ input: Operations.GetLive.Input) async throws -> Operations.GetLive.Output {
        .ok(.init(body: .json(.init(status: "live"))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        let report = await readiness.check()
        let body = Components.Schemas.Readiness(ready: report.ready, database: report.database, schema: report.schema, pending: report.pending)
        return report.ready ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(registry.emitToString()))))
    }

    // MARK: Enterprise

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let bearer = try currentBearer()
        var me = Components.Schemas.Me(name: bearer.name, role: .init(bearer.role))
        if let taxCode = bearer.firmTaxCode, let firm = try await firms.firm(taxCode: taxCode) {
            me.firm = .init(firm)
            me.licences = try await firms.licences(firmID: firm.id).map(Components.Schemas.Licence.init)
        }
        return .ok(.init(body: .json(me)))
    }

    // MARK: Analyst

    func listFirms(_ input: Operations.ListFirms.Input) async throws -> Operations.ListFirms.Output {
        try currentBearer().require(Self.staffRoles, to: "list firms")
        let (limit, offset) = try Self.page(input.query.limit, input.query.offset)
        let ranked = try await firms.ranked(flaggedOnly: input.query.flagged ?? false, limit: limit, offset: offset)
        return .ok(.init(body: .json(.init(firms: ranked.map(Components.Schemas.FirmRisk.init)))))
    }

    func getFirm(_ input: Operations.GetFirm.Input) async throws -> Operations.GetFirm.Output {
        let bearer = try currentBearer()
        guard let taxCode = try? TaxCode(input.path.taxCode).value,
            bearer.role != .enterprise || taxCode == bearer.firmTaxCode,
            let dossier = try await firms.dossier(taxCode: taxCode)
        else {
            throw APIError.notFound("no firm with tax code \(input.path.taxCode)")
        }
        // Enterprises read their own registry data, never the risk unit's alerts about them.
        let visibleAlerts = bearer.role == .enterprise ? [] : dossier.alerts
        return .ok(
            .init(
                body: .json(
                    .init(
                        firm: .init(dossier.firm),
                        facilities: dossier.facilities.map {
                            .init(code: $0.code, kind: $0.kind, name: $0.name, zone: $0.zone, province: $0.province, address: $0.address)
                        },
                        licences: dossier.licences.map(Components.Schemas.Licence.init),
                        monthlyVolumes: dossier.monthlyVolumes.map {
                            .init(month: $0.month, substance: $0.substance, direction: $0.direction, kg: $0.kg, shipments: $0.shipments)
                        },
                        reports: dossier.reports.map(Components.Schemas.ReportVersion.init),
                        alerts: try visibleAlerts.map(Components.Schemas.Alert.init)))))
    }

    /// The generated path for `GET /v1/alerts`; the router serves it with `AlertListingRoute` instead, which builds
    /// the same filter and writes the same document faster. Kept as the reference the tests compare the route with.
    func listAlerts(_ input: Operations.ListAlerts.Input) async throws -> Operations.ListAlerts.Output {
        try currentBearer().require(Self.staffRoles, to: "list alerts")
        let filter = try Self.alertFilter(input.query)
        return .ok(.init(body: .json(.init(alerts: try await alerts.list(filter).map(Components.Schemas.Alert.init)))))
    }

    /// The store's filter for an alert listing's query; throws 400 for paging out of range.
    static func alertFilter(_ query: Operations.ListAlerts.Input.Query) throws -> AlertReview.Filter {
        var filter = AlertReview.Filter()
        filter.state = query.state?.rawValue
        filter.rule = query.rule
        filter.severity = query.severity?.rawValue
        filter.firmTaxCode = query.firm.map { (try? TaxCode($0).value) ?? $0 }
        filter.substance = query.substance
        filter.period = query.period
        (filter.limit, filter.offset) = try page(query.limit, query.offset)
        return filter
    }

    func getAlert(_ input: Operations.GetAlert.Input) async throws -> Operations.GetAlert.Output {
        let bearer = try currentBearer()
        guard Self.staffRoles.contains(bearer.role), let (alert, actions) = try await alerts.get(input.path.id) else {
            throw APIError.notFound("no alert with id \(input.path.id)")
        }
        return .ok(.init(body: .json(try .init(alert, actions))))
    }

    func actOnAlert(_ input: Operations.ActOnAlert.Input) async throws -> Operations.ActOnAlert.Output {
        let bearer = try currentBearer()
        guard Self.staffRoles.contains(bearer.role) else { throw APIError.notFound("no alert with id \(input.path.id)") }
        guard case .json(let body) = input.body else { throw APIError.badRequest("send a JSON body") }
        let request: AlertReview.Request
        switch body.action {
        case .acknowledge: request = .acknowledge(note: body.note)
        case .escalate: request = .escalate(note: body.note)
        case .assign:
            guard let to = body.assignTo else {
                throw APIError.validation("assign needs assignTo", [.init(field: "assignTo", reason: "name whom to assign the alert to")])
            }
            request = .assign(to: to, note: body.note)
        case .close:
            guard let disposition = body.disposition, let note = body.note else {
                throw APIError.validation(
                    "close needs a disposition and a note",
                    [.init(field: "disposition", reason: "one of confirmed, explained, data_error"), .init(field: "note", reason: "say why")])
            }
            request = .close(disposition: disposition.rawValue, note: note)
        }
        do {
            let (alert, actions) = try await alerts.act(
                input.path.id, request, actor: bearer.principal, requestID: RequestContextValues.requestID)
            return .ok(.init(body: .json(try .init(alert, actions))))
        } catch let problem as AlertReview.Problem {
            switch problem {
            case .notFound: throw APIError.notFound(problem.description)
            case .closed: throw APIError.conflict(problem.description)
            case .invalid(let field, let reason): throw APIError.validation(problem.description, [.init(field: field, reason: reason)])
            }
        }
    }

    /// Checks paging parameters against the documented ranges (the generated code does not).
    static func page(_ limit: Int?, _ offset: Int?) throws -> (Int, Int) {
        var errors: [APIError.FieldError] = []
        if let limit, !(1...500).contains(limit) { errors.append(.init(field: "limit", value: "\(limit)", reason: "must be from 1 to 500")) }
        if let offset, !(0...1_000_000).contains(offset) {
            errors.append(.init(field: "offset", value: "\(offset)", reason: "must be from 0 to 1000000"))
        }
        guard errors.isEmpty else {
            throw APIError(status: .badRequest, kind: "bad-request", detail: "paging parameters out of range", errors: errors)
        }
        return (limit ?? 50, offset ?? 0)
    }

    // MARK: Admin

    func issueToken(_ input: Operations.IssueToken.Input) async throws -> Operations.IssueToken.Output {
        let bearer = try currentBearer()
        try bearer.require([.admin], to: "issue tokens")
        guard case .json(let body) = input.body else { throw APIError.badRequest("send a JSON body") }
        var expires: CivilDate?
        if let text = body.expires {
            do { expires = try CivilDate(iso: text) } catch {
                throw APIError.validation("expires is not a date", [.init(field: "expires", value: text, reason: error.description)])
            }
        }
        do {
            let issued = try await tokens.issue(
                role: TokenStore.Role(rawValue: body.role.rawValue)!, firm: body.firm, name: body.name, expires: expires,
                actor: bearer.principal, requestID: RequestContextValues.requestID, today: today())
            return .created(
                .init(
                    body: .json(
                        .init(
                            id: issued.token.id, prefix: issued.token.prefix, role: body.role, firm: issued.token.firmTaxCode,
                            name: issued.token.name, expiresAt: issued.token.expiresAt, secret: issued.secret))))
        } catch let problem as TokenStore.Problem {
            throw APIError.validation(problem.description, [.init(field: "firm", reason: problem.description)])
        }
    }
}
