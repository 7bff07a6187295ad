/// A pattern planted in the demo world and recorded in `truth.csv`: an anomaly the sweep rules should flag, or a
/// benign look-alike they should not.
public enum DemoScenario: String, CaseIterable, Sendable, Comparable {
    /// One month's imports × 3–8 (the extra is sold on and reported).
    case spike
    /// Imports grow × 1.3 a month for 4–6 months and stay up.
    case ramp
    /// Customs imports that the report leaves out: the period's reported `imported_kg` is ≥ 30 % below customs.
    case unreportedImport = "unreported_import"
    /// Stock disappears: either the period's closing is below opening + in − out by a material amount, or the
    /// period's opening is below the previous period's closing.
    case stockLeakage = "stock_leakage"
    /// 3–5 shipments within a few days, each 0.95–0.99 of the substance's split threshold
    /// (`DemoCatalogue.Substance.splitThresholdKg`, kg of pure substance).
    case splitShipments = "split_shipments"
    /// A shipment through a route the firm never used: air cargo, express courier, a land gate to Cambodia or Laos,
    /// or a new country of origin.
    case routeShift = "route_shift"
    /// Cumulative imports in a licence year pass the licence's granted kg.
    case licenceOverdraw = "licence_overdraw"
    /// Imports after the licence's `valid_until`, still citing it; a new licence follows a month later.
    case licenceLapse = "licence_lapse"
    /// A firm registered 3–6 months before the end with large volumes (× 4–7 a peer's) in its first 3 months.
    case newEntrant = "new_entrant"
    /// Declared unit values about 1/5 of the peers' for 3 months.
    case undervalued
    /// Look-alike: a lasting step up (× 1.8–2.5), licensed and reported.
    case capacityGrowth = "capacity_growth"
    /// Look-alike: a strong seasonal swing that follows the shared seasonal index (peaks when peers peak).
    case seasonalPeak = "seasonal_peak"
    /// Look-alike: a report filed after its due date (but filed, and correct).
    case lateReport = "late_report"

    /// Whether a scenario is an anomaly or a benign look-alike.
    public enum Kind: String, Sendable { case anomaly, lookalike }

    public var kind: Kind {
        switch self {
        case .capacityGrowth, .seasonalPeak, .lateReport: .lookalike
        default: .anomaly
        }
    }

    public static func < (lhs: DemoScenario, rhs: DemoScenario) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
