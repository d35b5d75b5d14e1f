import JSON
import LineScan
import XCTest

/// `relayctl scan --json`, byte for byte as Foundation's JSONEncoder wrote it through Codable
/// (the expected text was printed by that code): nulls for what is absent, Doubles as it
/// printed them, escapes.
final class ScanDocumentTests: XCTestCase {
    static let reports = [
        ScanReport(interface: "wan0", interfaceMAC: "02:00:00:00:00:01", serviceName: nil, timeoutSeconds: 2,
                   accessConcentrators: [], unlistedAccessConcentrators: 0, otherFrames: 0),
        ScanReport(interface: "eth0.7", interfaceMAC: "02:00:00:00:00:02", serviceName: "isp/x \"1\"", timeoutSeconds: 0.25,
                   accessConcentrators: [
                    .init(mac: "02:00:00:00:00:03", acName: nil, serviceNames: [], offersRequestedService: nil,
                          answersAnyService: true, cookie: false, echoesRelaySessionID: true, pppMaxPayload: nil,
                          errors: [.init(tag: "Generic-Error", text: "down\r\u{7}\\xff")], responseMilliseconds: 1234.5678,
                          offers: 1),
                    .init(mac: "02:00:00:00:00:04", acName: "BRAS-1\u{1B}[2J", serviceNames: ["a", "b/c", "é"],
                          offersRequestedService: false, answersAnyService: false, cookie: true, echoesRelaySessionID: false,
                          pppMaxPayload: 1500, errors: [], responseMilliseconds: 0.001, offers: .max),
                   ], unlistedAccessConcentrators: 7, otherFrames: -1),
    ]

    func testTheDocumentIsByteForByteWhatFoundationWrote() throws {
        var written = ""
        for report in Self.reports {
            written += "=== scan\n" + String(decoding: try JSON.encode(report, format: .document), as: UTF8.self) + "\n"
        }
        XCTAssertEqual(written, Self.expected + "\n")
    }

    /// Printed by the Codable types and Foundation's JSONEncoder (`[.sortedKeys, .prettyPrinted]`).
    static let expected = #"""
=== scan
{
  "access_concentrators" : [

  ],
  "interface" : "wan0",
  "interface_mac" : "02:00:00:00:00:01",
  "other_frames" : 0,
  "schema_version" : 1,
  "service_name" : null,
  "timeout_seconds" : 2,
  "unlisted_access_concentrators" : 0
}
=== scan
{
  "access_concentrators" : [
    {
      "ac_name" : null,
      "answers_any_service" : true,
      "cookie" : false,
      "echoes_relay_session_id" : true,
      "errors" : [
        {
          "tag" : "Generic-Error",
          "text" : "down\r\u0007\\xff"
        }
      ],
      "mac" : "02:00:00:00:00:03",
      "offers" : 1,
      "offers_requested_service" : null,
      "ppp_max_payload" : null,
      "response_ms" : 1234.5678,
      "service_names" : [

      ]
    },
    {
      "ac_name" : "BRAS-1\u001b[2J",
      "answers_any_service" : false,
      "cookie" : true,
      "echoes_relay_session_id" : false,
      "errors" : [

      ],
      "mac" : "02:00:00:00:00:04",
      "offers" : 9223372036854775807,
      "offers_requested_service" : false,
      "ppp_max_payload" : 1500,
      "response_ms" : 0.001,
      "service_names" : [
        "a",
        "b\/c",
        "é"
      ]
    }
  ],
  "interface" : "eth0.7",
  "interface_mac" : "02:00:00:00:00:02",
  "other_frames" : -1,
  "schema_version" : 1,
  "service_name" : "isp\/x \"1\"",
  "timeout_seconds" : 0.25,
  "unlisted_access_concentrators" : 7
}
"""#
}
