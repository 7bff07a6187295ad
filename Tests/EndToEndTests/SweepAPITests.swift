import Foundation
import TestSupport
import Testing

/// `POST /v1/sweeps` and `GET /v1/sweeps` over a real socket.
@Suite struct SweepAPITests {
    @Test func supervisorsRunSweepsAndStaffReadThem() async throws {
        let world = try await SmallWorld.make("apisweeps")
        let daemon = try await world.startDaemon()
        let body = Data(#"{"asOf": "2026-08-01", "full": true}"#.utf8)
        #expect(try await daemon.request("POST", "/v1/sweeps", token: world.analystToken, body: body).status == 403)
        #expect(try await daemon.request("POST", "/v1/sweeps", token: world.enterpriseAToken, body: body).status == 403)
        #expect(try await daemon.request("POST", "/v1/sweeps", body: body).status == 401)

        let ran = try await daemon.request("POST", "/v1/sweeps", token: world.adminToken, body: body)
        #expect(ran.status == 200, "\(ran.body)")
        #expect(ran.json["scope"] as? String == "full")
        #expect(ran.json["asOf"] as? String == "2026-08-01")
        #expect((ran.json["findings"] as? [String: Int])?["missing_report"] == 6)
        #expect((ran.json["alerts"] as? [String: Int])?["missing_report"] == 1)

        let bad = try await daemon.request(
            "POST", "/v1/sweeps", token: world.adminToken, body: Data(#"{"asOf": "2026-02-30"}"#.utf8))
        #expect(bad.status == 422, "\(bad.body)")
        #expect(bad.body.contains("2026-02-30"))

        let listed = try await daemon.request("GET", "/v1/sweeps?limit=5", token: world.analystToken)
        #expect(listed.status == 200, "\(listed.body)")
        let sweeps = listed.json["sweeps"] as? [[String: Any]] ?? []
        #expect(sweeps.count == 1)
        #expect(sweeps.first?["status"] as? String == "succeeded")
        #expect(sweeps.first?["alertCount"] as? Int == 1)
        #expect(try await daemon.request("GET", "/v1/sweeps", token: world.enterpriseAToken).status == 403)

        // The sweep's alert is in the analysts' listing with its Vietnamese reason.
        let alerts = try await daemon.request("GET", "/v1/alerts?rule=missing_report", token: world.analystToken)
        #expect(alerts.status == 200)
        #expect(alerts.body.contains("nhưng chưa nộp"), "\(alerts.body.prefix(500))")
        _ = await daemon.stop()
    }
}
