import Foundation
import OpenAPIRuntime
import PrecursorStore

/// Rule thresholds for supervisors and admins.
extension APIHandler {
    static let ruleRoles: Set<TokenStore.Role> = [.supervisor, .admin]

    func listRules(_ input: Operations.ListRules.Input) async throws -> Operations.ListRules.Output {
        try currentBearer().require(Self.ruleRoles, to: "read rule thresholds")
        return .ok(.init(body: .json(.init(rules: try await rules.list().map(Components.Schemas.RuleSetting.init)))))
    }

    func setRule(_ input: Operations.SetRule.Input) async throws -> Operations.SetRule.Output {
        let bearer = try currentBearer()
        try bearer.require(Self.ruleRoles, to: "change rule thresholds")
        guard case .json(let body) = input.body else { throw APIError.badRequest("send a JSON body") }
        do {
            let setting = try await rules.set(
                rule: input.path.rule, key: input.path.key, value: body.value, actor: bearer.principal,
                requestID: RequestContextValues.requestID)
            return .ok(.init(body: .json(.init(setting))))
        } catch let problem as RuleSettings.Problem {
            switch problem {
            case .unknown: throw APIError.notFound(problem.description)
            case .notFinite: throw APIError.validation(problem.description, [.init(field: "value", reason: problem.description)])
            }
        }
    }
}

extension Components.Schemas.RuleSetting {
    init(_ setting: RuleSettings.Setting) {
        self.init(
            rule: setting.rule, key: setting.key, value: setting.value, description: setting.description,
            updatedAt: setting.updatedAt, updatedBy: setting.updatedBy)
    }
}
