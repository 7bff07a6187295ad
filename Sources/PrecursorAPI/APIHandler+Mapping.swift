import Foundation
import OpenAPIRuntime
import PrecursorStore

extension Components.Schemas.Role {
    init(_ role: TokenStore.Role) {
        self = Self(rawValue: role.rawValue)!
    }
}

extension Components.Schemas.Firm {
    init(_ firm: FirmDirectory.Firm) {
        self.init(
            taxCode: firm.taxCode, name: firm.name, sector: firm.sector, province: firm.province, status: firm.status,
            keyEnterprise: firm.keyEnterprise, registeredOn: firm.registeredOn, reportingFrequency: firm.reportingFrequency)
    }
}

extension Components.Schemas.Licence {
    init(_ licence: FirmDirectory.Licence) {
        self.init(
            licenceNo: licence.licenceNo, authority: licence.authority, activity: licence.activity, validFrom: licence.validFrom,
            validUntil: licence.validUntil, extendedUntil: licence.extendedUntil, shipmentsAllowed: licence.shipmentsAllowed,
            shipmentsUsed: licence.shipmentsUsed, status: licence.status,
            lines: licence.lines.map {
                .init(
                    substance: $0.substance, concentrationPct: $0.concentrationPct, grantedKg: $0.grantedKg, drawnKg: $0.drawnKg,
                    remainingKg: $0.remainingKg)
            })
    }
}

extension Components.Schemas.FirmRisk {
    init(_ risk: FirmDirectory.Risk) {
        self.init(
            taxCode: risk.taxCode, name: risk.name, sector: risk.sector, province: risk.province, score: risk.score,
            openAlerts: risk.openAlerts, hotRoute: risk.hotRoute, reasons: risk.reasons)
    }
}

extension Components.Schemas.Alert {
    init(_ alert: AlertReview.Alert) throws {
        let payload = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(alert.payload.utf8))
        self.init(
            id: alert.id, firm: alert.firmTaxCode, firmName: alert.firmName, substance: alert.substance, ruleFamily: alert.ruleFamily,
            rule: alert.rule, severity: .init(rawValue: alert.severity) ?? .info, score: alert.score,
            state: .init(rawValue: alert.state) ?? .open, disposition: alert.disposition.flatMap(Components.Schemas.Disposition.init(rawValue:)),
            assignedTo: alert.assignedTo, firstRaisedAt: alert.firstRaisedAt, lastRaisedAt: alert.lastRaisedAt,
            raiseCount: alert.raiseCount, payload: .init(additionalProperties: payload))
    }
}

extension Components.Schemas.AlertDetail {
    init(_ alert: AlertReview.Alert, _ actions: [AlertReview.Action]) throws {
        self.init(
            alert: try .init(alert),
            actions: actions.map {
                .init(
                    action: $0.action, disposition: $0.disposition.flatMap(Components.Schemas.Disposition.init(rawValue:)),
                    assignedTo: $0.assignedTo, note: $0.note, actor: $0.actor, at: $0.at)
            })
    }
}
