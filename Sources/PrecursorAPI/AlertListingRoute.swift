import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
@_spi(Generated) import OpenAPIRuntime
import PrecursorStore

/// `GET /v1/alerts` served on the router itself, so that its body is the JSON document PostgreSQL assembles from the
/// JSON each alert keeps of itself (`AlertReview.listDocument`) rather than rows decoded and encoded again by the
/// generated encoder (the listing is the API's busiest read).
///
/// Everything else is the generated operation's: the query is decoded by the same OpenAPI runtime calls the generated
/// server makes, the caller is authenticated by the same `Authenticator`, the filter is built by the same
/// `APIHandler.alertFilter`, and errors become the same problem documents.
struct AlertListingRoute: Sendable {
    /// The generated operation this route replaces, as `GeneratedOperations` names it.
    static let operation = GeneratedOperations.Key(method: .get, path: "/v1/alerts")

    let authenticator: Authenticator
    let alerts: AlertReview
    private let converter = Converter(configuration: .init())

    init(authenticator: Authenticator, alerts: AlertReview) {
        self.authenticator = authenticator
        self.alerts = alerts
    }

    func respond(_ request: Request, context: some RequestContext) async throws -> Response {
        // The generated server's order: authenticate, decode the query, check the role, check Accept.
        let bearer = try await authenticator.bearer(request.headers)
        let query = try query(request.head)
        try bearer.require(APIHandler.staffRoles, to: "list alerts")
        let filter = try APIHandler.alertFilter(query)
        do {
            try converter.validateAcceptIfPresent("application/json", in: request.headers)
        } catch {
            throw APIError.badRequest("the request does not match the API: the Accept header — \(error)")
        }
        let body = try await alerts.listDocument(filter)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    /// The query parameters, decoded exactly as the generated server decodes them.
    func query(_ request: HTTPRequest) throws -> Operations.ListAlerts.Input.Query {
        let query = request.soar_query
        func item<T: Decodable>(_ name: String, _ type: T.Type) throws -> T? {
            try converter.getOptionalQueryItemAsURI(in: query, style: .form, explode: true, name: name, as: type)
        }
        do {
            return .init(
                state: try item("state", Components.Schemas.AlertState.self), rule: try item("rule", String.self),
                severity: try item("severity", Components.Schemas.Severity.self), firm: try item("firm", String.self),
                substance: try item("substance", String.self), period: try item("period", String.self),
                limit: try item("limit", Components.Parameters.Limit.self), offset: try item("offset", Components.Parameters.Offset.self))
        } catch {
            throw APIError.badRequest("the request does not match the API: the query of GET /v1/alerts — \(error)")
        }
    }
}

/// Registers the generated operations on the router, except those the router serves by other means.
struct GeneratedOperations: ServerTransport {
    /// An operation by its method and path template, as the generated code registers it.
    struct Key: Hashable, Sendable {
        let method: HTTPRequest.Method
        let path: String
    }

    let router: Router<BasicRequestContext>
    let excluded: Set<Key>

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        guard !excluded.contains(Key(method: method, path: path)) else { return }
        router.register(handler, method: method, path: path)
    }
}
