import Foundation
import Hummingbird
import Logging
import OpenAPIRuntime
import PrecursorStore

/// An error the API reports as `application/problem+json` (RFC 9457) with a stable `type`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// One field's problem in a validation error.
    public struct FieldError: Sendable, Codable, Equatable {
        public var line: Int?
        public var field: String
        public var value: String?
        public var reason: String
    }

    public let status: HTTPResponse.Status
    /// The last path component of the problem type URI, e.g. `not-found` → `/problems/not-found`.
    public let kind: String
    public let detail: String
    public var errors: [FieldError] = []

    public var description: String { "\(status.code) \(kind): \(detail)" }

    public static func unauthorized(_ detail: String) -> APIError { APIError(status: .unauthorized, kind: "unauthorized", detail: detail) }
    public static func forbidden(_ detail: String) -> APIError { APIError(status: .forbidden, kind: "forbidden", detail: detail) }
    public static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, kind: "not-found", detail: detail) }
    public static func conflict(_ detail: String) -> APIError { APIError(status: .conflict, kind: "conflict", detail: detail) }
    public static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, kind: "bad-request", detail: detail) }
    public static func validation(_ detail: String, _ errors: [FieldError]) -> APIError {
        APIError(status: .unprocessableContent, kind: "validation", detail: detail, errors: errors)
    }
    public static func unavailable(_ detail: String) -> APIError {
        APIError(status: .serviceUnavailable, kind: "unavailable", detail: detail)
    }

    /// The problem document.
    var body: ProblemDocument {
        ProblemDocument(
            type: "/problems/\(kind)", title: status.reasonPhrase, status: Int(status.code), detail: detail,
            errors: errors.isEmpty ? nil : errors)
    }

    /// Maps any error thrown while handling a request to the problem to report.
    static func from(_ error: any Error) -> APIError {
        var current: any Error = error
        for _ in 0..<8 {
            switch current {
            case let api as APIError:
                return api
            case let server as ServerError:
                current = server.underlyingError
                if server.underlyingError is DecodingError || "\(type(of: server.underlyingError))" == "RuntimeError" {
                    return .badRequest("the request does not match the API: \(server.causeDescription) — \(server.underlyingError)")
                }
            case let http as HTTPError:
                return APIError(
                    status: http.status, kind: http.status == .contentTooLarge ? "too-large" : "http", detail: http.body ?? http.status.reasonPhrase)
            case is DecodingError:
                return .badRequest("the request body does not match the API: \(current)")
            case let store as StoreError:
                if case .unreachable = store { return .unavailable("the database cannot be reached; try again shortly") }
                // Class 22 (data exception): a value the database cannot hold, such as a NUL character in text.
                if case .database(let state, let message, _) = store, state.hasPrefix("22") {
                    return .badRequest("a value in the request cannot be stored or compared: \(message)")
                }
                return APIError(status: .internalServerError, kind: "internal", detail: "an internal error occurred; it has been logged")
            default:
                return APIError(status: .internalServerError, kind: "internal", detail: "an internal error occurred; it has been logged")
            }
        }
        return APIError(status: .internalServerError, kind: "internal", detail: "an internal error occurred; it has been logged")
    }
}

/// RFC 9457 problem details.
struct ProblemDocument: Codable, Sendable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    var errors: [APIError.FieldError]?
}

/// Turns every error escaping the API into a problem+json response, and caps request bodies.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBodyBytes: Int
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var request = request
            if request.uri.description.range(of: "%00") != nil {
                throw APIError.badRequest("the request URI contains a NUL character (%00), which no field accepts")
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
                throw APIError(
                    status: .contentTooLarge, kind: "too-large", detail: "the request body is \(length) bytes; the limit is \(maximumBodyBytes)")
            }
            if request.method == .post || request.method == .put || request.method == .patch {
                do {
                    _ = try await request.collectBody(upTo: maximumBodyBytes)
                } catch {
                    throw APIError(
                        status: .contentTooLarge, kind: "too-large", detail: "the request body exceeds the limit of \(maximumBodyBytes) bytes")
                }
            }
            return try await next(request, context)
        } catch {
            let problem = APIError.from(error)
            if problem.status.code >= 500 {
                logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(problem.body)) ?? Data()
            var headers: HTTPFields = [.contentType: "application/problem+json"]
            if problem.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
            return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
