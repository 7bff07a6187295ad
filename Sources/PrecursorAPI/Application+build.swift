import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import PrecursorCore
import PrecursorStore
import PrecursorSweep
import Prometheus

/// Where and how the HTTP server listens, and its limits.
public struct HTTPSettings: Sendable {
    public var host: String
    public var port: Int
    /// The largest request body accepted; larger ones get 413.
    public var maximumBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 4 << 20) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
    }
}

/// What the API needs from the rest of the daemon.
public struct APIDependencies: Sendable {
    public let database: Database
    public let readiness: Readiness
    public let registry: PrometheusCollectorRegistry
    public let logger: Logger
    /// Today in Vietnam; injected so tests can move time.
    public let today: @Sendable () -> CivilDate
    /// The most lines one report submission may have.
    public let maximumReportLines: Int
    /// Authenticated tokens, remembered for a few seconds (a revoked token is refused at most its TTL later).
    public let tokenCache: TokenCache

    public init(
        database: Database, readiness: Readiness, registry: PrometheusCollectorRegistry, logger: Logger,
        maximumReportLines: Int = 5000, tokenCache: TokenCache = TokenCache(ttl: .seconds(5)),
        today: @escaping @Sendable () -> CivilDate = { CivilDate.today(in: "Asia/Ho_Chi_Minh") }
    ) {
        self.database = database
        self.readiness = readiness
        self.registry = registry
        self.logger = logger
        self.today = today
        self.maximumReportLines = maximumReportLines
        self.tokenCache = tokenCache
    }
}

/// Builds the router: problem+json errors and body limits outermost, metrics, the OpenAPI document, and the
/// operations generated from it behind bearer authentication.
public func buildRouter(settings: HTTPSettings, dependencies: APIDependencies) throws -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ProblemMiddleware(maximumBodyBytes: settings.maximumBodyBytes, logger: dependencies.logger))
    router.add(middleware: MetricsMiddleware())
    let document = openAPIDocument()
    router.get("/openapi.yaml") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: document)))
    }
    let logger = dependencies.logger
    let database = dependencies.database
    let tokens = TokenStore(database: database, logger: logger)
    let alerts = AlertReview(database: database, logger: logger)
    let authenticator = Authenticator(tokens: tokens, cache: dependencies.tokenCache)
    let handler = APIHandler(
        readiness: dependencies.readiness, registry: dependencies.registry,
        tokens: tokens, firms: FirmDirectory(database: database, logger: logger),
        alerts: alerts, reports: ReportDesk(database: database, logger: logger),
        submissions: ReportSubmission(database: database, logger: logger, maximumLines: dependencies.maximumReportLines),
        rules: RuleSettings(database: database, logger: logger),
        sweeps: SweepRunner(database: database, logger: Logger(label: "precursor.sweep")),
        database: database,
        today: dependencies.today)
    try handler.registerHandlers(
        on: GeneratedOperations(router: router, excluded: [AlertListingRoute.operation]),
        middlewares: [BearerAuthMiddleware(authenticator: authenticator)])
    let listing = AlertListingRoute(authenticator: authenticator, alerts: alerts)
    router.get(RouterPath(AlertListingRoute.operation.path), use: listing.respond)
    return router
}

/// Builds the HTTP application. `onServerRunning` receives the bound port (useful with port 0).
public func buildApplication(
    settings: HTTPSettings, dependencies: APIDependencies,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    Application(
        router: try buildRouter(settings: settings, dependencies: dependencies),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "precursord"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: dependencies.logger)
}

/// The OpenAPI document this server was generated from.
public func openAPIDocument() -> String {
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
        let text = try? String(contentsOf: url, encoding: .utf8)
    else { return "openapi: 3.1.0\ninfo: {title: Precursor Registry API, version: unavailable}\npaths: {}\n" }
    return text
}
