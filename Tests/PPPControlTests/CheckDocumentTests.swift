import JSON
import LineCheck
import XCTest

/// `relayctl check --json`, byte for byte as Foundation's JSONEncoder wrote it through Codable
/// (the expected text was printed by that code): absent facts leave their keys out.
final class CheckDocumentTests: XCTestCase {
    static var reports: [CheckReport] {
        var found = CheckStepReport(.serverFound, "found BRAS-1")
        found.acName = "BRAS-1/\u{1B}"
        found.acMAC = "02:00:00:00:00:03"
        found.service = ""
        found.sessionID = 65535
        found.mru = 1492
        found.authentication = "CHAP (MD5)"
        found.message = "welcome\n"
        found.errorCode = 691
        found.address = "192.0.2.1"
        found.peerAddress = "192.0.2.2"
        found.dns = ["192.0.2.53", "2001:db8::53"]
        found.interfaceIdentifier = "0200:00ff:fe00:0001"
        found.peerInterfaceIdentifier = "0200:00ff:fe00:0002"
        return [CheckReport(interface: "wan0", steps: [found, CheckStepReport(.hungUp, "hung up")]),
                CheckReport(interface: "eth1", steps: [])]
    }

    func testTheDocumentIsByteForByteWhatFoundationWrote() throws {
        var written = ""
        for report in Self.reports {
            written += "=== check\n" + String(decoding: try JSON.encode(report, format: .document), as: UTF8.self) + "\n"
        }
        XCTAssertEqual(written, Self.expected + "\n")
    }

    /// Printed by the Codable types and Foundation's JSONEncoder (`[.sortedKeys, .prettyPrinted]`).
    static let expected = #"""
=== check
{
  "code" : 0,
  "interface" : "wan0",
  "result" : "success",
  "schema_version" : 1,
  "steps" : [
    {
      "ac_mac" : "02:00:00:00:00:03",
      "ac_name" : "BRAS-1\/\u001b",
      "address" : "192.0.2.1",
      "authentication" : "CHAP (MD5)",
      "code" : 1,
      "dns" : [
        "192.0.2.53",
        "2001:db8::53"
      ],
      "error_code" : 691,
      "interface_identifier" : "0200:00ff:fe00:0001",
      "message" : "welcome\n",
      "mru" : 1492,
      "name" : "server_found",
      "peer_address" : "192.0.2.2",
      "peer_interface_identifier" : "0200:00ff:fe00:0002",
      "service" : "",
      "session_id" : 65535,
      "text" : "found BRAS-1"
    },
    {
      "code" : 8,
      "name" : "hung_up",
      "text" : "hung up"
    }
  ]
}
=== check
{
  "code" : 0,
  "interface" : "eth1",
  "result" : "success",
  "schema_version" : 1,
  "steps" : [

  ]
}
"""#
}
