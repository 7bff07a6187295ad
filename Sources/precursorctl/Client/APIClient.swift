import ArgumentParser
import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession
import PrecursorClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How user commands reach the daemon: `--url`/`PRECURSOR_URL` and `--token`/`PRECURSOR_TOKEN`.
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "precursord's URL (default: $PRECURSOR_URL or http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .customLong("token"), help: "API token (default: $PRECURSOR_TOKEN). Prefer the variable: options show in process lists.")
    var token: String?

    /// The generated client, authenticated.
    func client() throws -> Client {
        let env = ProcessInfo.processInfo.environment
        let text = url ?? env["PRECURSOR_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
        guard let server = URL(string: text), server.scheme == "http" || server.scheme == "https" else {
            throw UserFailure(code: 2, message: "PRECURSOR_URL '\(text)' is not an http(s) URL")
        }
        guard let secret = token ?? env["PRECURSOR_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw UserFailure(code: 4, message: "no token: set PRECURSOR_TOKEN to the token you were issued")
        }
        return Client(serverURL: server, transport: URLSessionTransport(), middlewares: [BearerMiddleware(secret: secret)])
    }
}

/// Adds the bearer token to every request.
struct BearerMiddleware: ClientMiddleware {
    let secret: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(secret)"
        return try await next(request, body, baseURL)
    }
}

/// A user command's failure with its exit code (see `precursorctl --help`).
struct UserFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { message }

    /// The failure for a problem response: 401/403 → 4, 400 → 2, others → 1.
    static func problem(_ status: Int, _ problem: Components.Schemas.Problem) -> UserFailure {
        var lines = ["\(problem.detail) (HTTP \(status))"]
        for error in problem.errors ?? [] {
            let place = [error.line.map { "line \($0)" }, error.field].compactMap { $0 }.joined(separator: ", ")
            lines.append("  \(place): \(error.value.map { "'\($0)' " } ?? "")\(error.reason)")
        }
        let code: Int32 = status == 401 || status == 403 ? 4 : status == 400 || status == 413 ? 2 : 1
        return UserFailure(code: code, message: lines.joined(separator: "\n"))
    }

    /// Maps transport errors (daemon unreachable) to exit code 3.
    static func calling<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as UserFailure {
            throw failure
        } catch let error as ClientError {
            throw UserFailure(code: 3, message: "cannot reach precursord: \(error.underlyingError.localizedDescription)")
        }
    }
}

extension Components.Responses.Problem {
    /// The problem document, or a stand-in when the body was not problem+json.
    var document: Components.Schemas.Problem {
        (try? body.applicationProblemJson) ?? .init(_type: "/problems/unknown", title: "error", status: 0, detail: "the daemon returned an error")
    }
}
