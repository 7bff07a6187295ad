import Foundation
import Logging
import OpenAPIRuntime
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorAPI
@testable import PrecursorStore

/// The listing's document, assembled by PostgreSQL from the JSON each alert keeps of itself
/// (`sql/0018_alert_listing_json.sql`), is the document the generated encoder writes for the same alerts — for every
/// optional present and absent, Vietnamese text, characters that need escaping, and after every kind of write that
/// changes what an alert shows.
@Suite struct AlertListingTests {
    let logger = Logger(label: "test")

    @Test func theStoredDocumentMatchesTheGeneratedEncodingThroughEveryWrite() async throws {
        let world = try await SmallWorld.make("apilisting")
        try await Database.with(url: world.url, logger: logger) { db in
            let alerts = AlertReview(database: db, logger: logger)
            try await db.transaction { c in
                try await c.run(
                    "INSERT INTO substance (code, name_en, kind) VALUES ('TEST_SUBSTANCE', 'Test substance', 'precursor')", logger: logger)
                try await c.run(
                    #"""
                    INSERT INTO alert (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key, state,
                                       disposition, assigned_to, closed_at, first_raised_at, last_raised_at, raise_count)
                    SELECT f.id, s.id, v.family, v.rule, v.severity, v.score, v.payload::jsonb, 'listing-' || v.n, v.state,
                           v.disposition, v.assigned_to, CASE WHEN v.state = 'closed' THEN now() END,
                           v.first::timestamptz, v.last::timestamptz, v.raise_count
                      FROM (VALUES
                        (1, '0100233488', 'TEST_SUBSTANCE', 'volume', 'volume_spike', 'medium', 12.345,
                         '{"rule": "volume_spike", "observed": 1200.5, "nested": {"ids": [1, 2], "none": null, "ok": true}, "vi": "Nhập \"khẩu\" \\ vượt\n"}',
                         'closed', 'explained', 'Nguyễn Văn "An" \ trưởng nhóm' || chr(9) || chr(1) || '/', '2026-09-21 14:13:20.999499Z',
                         '2026-09-22 14:13:20.999999Z', 3),
                        (2, '0314409058', NULL, 'value', 'value_outlier', 'low', 0, '{}', 'open', NULL, NULL,
                         '2000-02-29 00:00:00.5Z', '1970-01-01 00:00:00Z', 1),
                        (3, '0314409058', 'TEST_SUBSTANCE', 'route', 'route_novelty', 'high', 9999999.999,
                         '{"reason_vi": "Lần đầu nhập qua cửa khẩu Mộc Bài", "period": "2026-07"}', 'assigned', NULL, 'Trần Thị Bình',
                         '2026-07-31 23:59:59.9995Z', '2026-08-01 00:00:00.25Z', 2)
                      ) v(n, tax_code, substance, family, rule, severity, score, payload, state, disposition, assigned_to, first, last,
                          raise_count)
                      JOIN firm f ON f.tax_code = v.tax_code LEFT JOIN substance s ON s.code = v.substance
                    """#, logger: logger)
            }
            try await expectSameDocuments(alerts, count: 5)

            // Writes that change what an alert shows: an analyst's action, a firm renamed, a substance's code changed.
            let open = try #require(
                try await alerts.list(
                    filtered {
                        $0.state = "open"
                        $0.firmTaxCode = SmallWorld.firmA
                    }
                ).first)
            _ = try await alerts.act(open.id, .assign(to: "Lê \"Văn\" Cường", note: nil), actor: .cliOperator, requestID: nil)
            try await db.transaction { c in
                try await c.run(
                    #"UPDATE firm SET name = 'Công ty "Hóa chất" \ Sài Gòn' || chr(10) WHERE tax_code = '0314409058'"#, logger: logger)
                try await c.run("UPDATE substance SET code = 'TEST_SUBSTANCE_B' WHERE code = 'TEST_SUBSTANCE'", logger: logger)
            }
            let renamed = try await alerts.list(filtered { $0.firmTaxCode = SmallWorld.firmB })
            #expect(renamed.count == 3 && renamed.allSatisfy { $0.firmName.hasPrefix("Công ty \"Hóa chất\"") })
            try await expectSameDocuments(alerts, count: 5)

            // The listing copies payloads as they are: the schema refuses one that is not a JSON object.
            let refused = await sqlState {
                try await db.transaction { c in
                    _ = try await c.run("UPDATE alert SET payload = '[1]' WHERE id = \(open.id)", logger: logger)
                }
            }
            #expect(refused == "23514")
        }
    }

    /// Compares `listDocument` with the generated encoding of `list` for the default pages and the filtered ones.
    func expectSameDocuments(_ alerts: AlertReview, count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let filters: [AlertReview.Filter] = [
            filtered { _ in },
            filtered {
                $0.limit = 2
                $0.offset = 1
            }, filtered { $0.state = "closed" },
            filtered {
                $0.state = "open"
                $0.limit = 1
            }, filtered { $0.state = "escalated" },
            filtered { $0.firmTaxCode = SmallWorld.firmB }, filtered { $0.severity = "high" }, filtered { $0.period = "2026-07" },
            filtered { $0.substance = "NO_SUCH_SUBSTANCE" }, filtered { $0.onlyFirmID = -1 },
        ]
        #expect(try await alerts.list(filters[0]).count == count, sourceLocation: sourceLocation)
        for filter in filters {
            let listed = try await alerts.list(filter)
            let document = try await alerts.listDocument(filter)
            let text = String(decoding: document.readableBytesView, as: UTF8.self)
            let generated = try generatedEncoding(listed)
            let ours = try JSONSerialization.jsonObject(with: Data(document.readableBytesView)) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: generated) as? NSDictionary
            #expect(ours != nil && ours == theirs, "\(text)\n\(String(decoding: generated, as: UTF8.self))", sourceLocation: sourceLocation)
            #expect(text.hasPrefix(#"{"alerts":["#) && text.hasSuffix("]}"), sourceLocation: sourceLocation)
        }
        let all = String(decoding: try await alerts.listDocument(filters[0]).readableBytesView, as: UTF8.self)
        // Byte-level details the generated encoder fixes: whole seconds in UTC (after rounding to the millisecond),
        // integral scores without ".0", compact.
        for fragment in [
            #""firstRaisedAt":"2026-09-21T14:13:20Z""#, #""lastRaisedAt":"2026-09-22T14:13:21Z""#,
            #""firstRaisedAt":"2026-08-01T00:00:00Z""#, #""firstRaisedAt":"2000-02-29T00:00:00Z""#,
            #""lastRaisedAt":"1970-01-01T00:00:00Z""#, #""score":12.345,"#, #""score":0,"#, #""score":9999999.999,"#,
            #""firm":"0314409058","firmName":"#,
        ] {
            #expect(all.contains(fragment), "\(fragment) in \(all)", sourceLocation: sourceLocation)
        }
    }

    func generatedEncoding(_ alerts: [AlertReview.Alert]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try ISO8601DateTranscoder.iso8601.encode(date))
        }
        return try encoder.encode(Operations.ListAlerts.Output.Ok.Body.JsonPayload(alerts: alerts.map(Components.Schemas.Alert.init)))
    }

    func filtered(_ change: (inout AlertReview.Filter) -> Void) -> AlertReview.Filter {
        var filter = AlertReview.Filter()
        change(&filter)
        return filter
    }

    func sqlState(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch StoreError.database(let state, _, _) {
            return state
        } catch {
            return "other: \(error)"
        }
    }
}
