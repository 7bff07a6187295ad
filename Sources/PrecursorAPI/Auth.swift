import Foundation
import HTTPTypes
import OpenAPIRuntime
import PrecursorStore

/// The caller of the request being handled, set by `BearerAuthMiddleware`.
enum RequestContextValues {
    @TaskLocal static var bearer: TokenStore.Bearer?
    @TaskLocal static var requestID: String?
}

/// Finds the caller of a request from its `Authorization: Bearer …` header, through the token cache.
struct Authenticator: Sendable {
    let tokens: TokenStore
    let cache: TokenCache

    /// The bearer of a request; throws 401 when the header is missing or malformed or the token is not valid.
    func bearer(_ headerFields: HTTPFields) async throws -> TokenStore.Bearer {
        guard let header = headerFields[.authorization] else {
            throw APIError.unauthorized("this endpoint needs a bearer token: Authorization: Bearer prk_…")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard let bearer = try await tokens.authenticate(secret: secret, cache: cache) else {
            throw APIError.unauthorized("the token is unknown, expired or revoked")
        }
        return bearer
    }
}

/// Bearer-token authentication for every operation but health and metrics.
struct BearerAuthMiddleware: ServerMiddleware {
    let authenticator: Authenticator
    static let open: Set<String> = ["getLive", "getReady", "getMetrics"]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let requestID = request.headerFields[HTTPField.Name("X-Request-ID")!].map { String($0.prefix(128)) } ?? UUID().uuidString
        if Self.open.contains(operationID) {
            return try await RequestContextValues.$requestID.withValue(requestID) { try await next(request, body, metadata) }
        }
        let bearer = try await authenticator.bearer(request.headerFields)
        return try await RequestContextValues.$bearer.withValue(bearer) {
            try await RequestContextValues.$requestID.withValue(requestID) { try await next(request, body, metadata) }
        }
    }
}

extension TokenStore.Bearer {
    /// Throws 403 unless the caller has one of the roles.
    func require(_ roles: Set<TokenStore.Role>, to what: String) throws {
        guard roles.contains(role) else {
            throw APIError.forbidden("a \(role.rawValue) token may not \(what)")
        }
    }
}

/// The authenticated caller; operations that reach a handler always have one.
func currentBearer() throws -> TokenStore.Bearer {
    guard let bearer = RequestContextValues.bearer else { throw APIError.unauthorized("no bearer token") }
    return bearer
}
