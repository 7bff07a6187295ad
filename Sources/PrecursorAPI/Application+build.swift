import Foundation
import Hummingbird
import Logging
import NIOCore
import PrecursorStore
import Prometheus

/// Where and how the HTTP server listens.
public struct HTTPSettings: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Builds the router: health, metrics, and (as later work lands) the API.
public func buildRouter(readiness: Readiness, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: MetricsMiddleware())
    router.get("/health/live") { _, _ -> Response in
        jsonResponse(.ok, #"{"status":"live"}"#)
    }
    router.get("/health/ready") { _, _ -> Response in
        let report = await readiness.check()
        let body = (try? JSONEncoder.sorted.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return jsonResponse(report.ready ? .ok : .serviceUnavailable, body)
    }
    router.get("/metrics") { _, _ -> Response in
        var buffer = ByteBuffer()
        buffer.writeBytes(registry.emitToBuffer())
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: buffer))
    }
    return router
}

/// Builds the HTTP application. `onServerRunning` receives the bound port (useful with port 0).
public func buildApplication(
    settings: HTTPSettings, readiness: Readiness, registry: PrometheusCollectorRegistry, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(readiness: readiness, registry: registry),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "precursord"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
}

func jsonResponse(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: body)))
}
