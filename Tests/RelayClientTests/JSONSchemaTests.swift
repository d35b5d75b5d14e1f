#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ControlProtocol
import JSON
import UserspaceRelay
import XCTest

/// The documents relayctl prints: snake_case keys, each with schema_version; configurations
/// saved with the old camelCase keys still read.
final class JSONSchemaTests: XCTestCase {
    private func keys(_ value: some JSONEncodable) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(ControlJSON.encode(value))) as? [String: Any]
        return try XCTUnwrap(object).keys.sorted()
    }

    private func assertSnakeCase(_ keys: [String], file: StaticString = #filePath, line: UInt = #line) {
        for key in keys {
            XCTAssertTrue(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(key) is not snake_case",
                          file: file, line: line)
        }
    }

    func testEveryDocumentIsVersionedAndSnakeCase() throws {
        let configuration = RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0", controlGroup: "relay")
        let status = StatusReport(pid: 1, dataplane: "kernel", dataplaneReason: "r", uptimeSeconds: 1,
                                  interfaces: [.init(name: "wan0", role: "wan", index: 2, mac: "m", mtu: 1500, state: "up",
                                                     operstate: "up", carrier: true)],
                                  sessionCount: 0, maxSessions: 1, idleTimeoutSeconds: 0, counters: [:],
                                  configuration: configuration, mss: "auto", kernelError: "e")
        let session = SessionReport(lanInterface: "l", clientMAC: "c", clientSessionID: 1, wanInterface: "w", acMAC: "a",
                                    acSessionID: 2, acName: "n", serviceName: "s", uptimeSeconds: 3, idleSeconds: 1,
                                    packetsToAC: 0, bytesToAC: 0, packetsToClient: 0, bytesToClient: 0,
                                    kernelPacketsToAC: 0, kernelPacketsToClient: 0)
        for document in [try keys(status), try keys(SessionsReport(sessions: [session])),
                         try keys(MSSReport(setting: "auto", ipv4: 1452, ipv6: 1432)),
                         try keys(NotRunningReport(reason: "x")), try keys(configuration)] {
            XCTAssertTrue(document.contains("schema_version"), "\(document)")
            assertSnakeCase(document)
        }
        XCTAssertTrue(try keys(status).contains("running"))
        assertSnakeCase(try keys(session))
        XCTAssertTrue(try keys(session).contains("idle_seconds"))
        assertSnakeCase(try keys(status.interfaces[0]))
        assertSnakeCase(try keys(configuration.policy))
        assertSnakeCase(RelayCounters().fields.map(\.name))
        XCTAssertEqual(try keys(configuration), ["control_group", "dataplane", "idle_timeout", "lan_interfaces", "max_sessions",
                                                 "mss", "policy", "runtime_directory", "schema_version", "wan_interface"])
    }

    func testConfigurationsReadInEitherSpellingAndRoundTrip() throws {
        let old = #"{"wanInterface": "eth1", "lanInterfaces": ["br-lan"], "dataplane": "kernel", "maxSessions": 7, "idleTimeout": 9, "mss": "1400", "runtimeDirectory": "/run/x", "controlGroup": "g"}"#
        let new = #"{"schema_version": 1, "wan_interface": "eth1", "lan_interfaces": ["br-lan"], "dataplane": "kernel", "max_sessions": 7, "idle_timeout": 9, "mss": "1400", "runtime_directory": "/run/x", "control_group": "g"}"#
        let expected = RelayConfiguration(lanInterfaces: ["br-lan"], wanInterface: "eth1", dataplane: .kernel, maxSessions: 7,
                                          idleTimeout: 9, mss: .fixed(1400), runtimeDirectory: "/run/x", controlGroup: "g")
        for text in [old, new] {
            XCTAssertEqual(try JSON.decode(RelayConfiguration.self, from: Array(text.utf8)), expected, text)
        }
        XCTAssertEqual(try JSON.decode(RelayConfiguration.self, from: ControlJSON.encode(expected)), expected)
        let missing = #"{"wan_interface": "eth1", "dataplane": "auto", "max_sessions": 7, "idle_timeout": 9, "mss": "auto", "runtime_directory": "/run/x"}"#
        XCTAssertThrowsError(try JSON.decode(RelayConfiguration.self, from: Array(missing.utf8))) { error in
            guard let error = error as? JSONError, error.kind == .missingKey else { return XCTFail("\(error)") }
            XCTAssertEqual(error.path, "lan_interfaces", "the error names the current key")
            XCTAssertEqual(error.description, #"missing "lan_interfaces""#)
        }
    }

    /// A status from a relay started before the upgrade (no running, schema_version, operstate,
    /// carrier; camelCase configuration) still decodes, so enable recognises it.
    func testAnOlderDaemonsStatusStillDecodes() throws {
        let old = #"{"pid": 5, "dataplane": "userspace", "dataplane_reason": "r", "uptime_seconds": 3, "interfaces": [{"name": "wan0", "role": "wan", "index": 2, "mac": "m", "mtu": 1500, "state": "up"}], "session_count": 0, "max_sessions": 10, "idle_timeout_seconds": 0, "counters": {}, "configuration": {"wanInterface": "wan0", "lanInterfaces": ["lan0"], "dataplane": "auto", "maxSessions": 10, "idleTimeout": 0, "mss": "auto", "runtimeDirectory": "/run/x"}, "mss": "auto"}"#
        let status = try JSON.decode(StatusReport.self, from: Array(old.utf8))
        XCTAssertTrue(status.running)
        XCTAssertEqual(status.interfaces[0].operstate, "unknown")
        XCTAssertEqual(status.configuration.lanInterfaces, ["lan0"])
    }

    func testRejectedMSSValuesSayWhy() {
        XCTAssertEqual(MSSSetting.parse("500"), .failure(.tooSmall(500)))
        XCTAssertEqual(MSSSetting.Problem.tooSmall(500).description, "mss must be at least 536, not 500")
        XCTAssertEqual(MSSSetting.parse("65496"), .failure(.tooLarge("65496")))
        XCTAssertEqual(MSSSetting.parse("99999999999999999999999"), .failure(.tooLarge("99999999999999999999")))
        XCTAssertTrue(MSSSetting.Problem.tooLarge("70000").description.hasPrefix("mss must be at most 65495"))
        XCTAssertEqual(MSSSetting.parse("-1"), .failure(.notANumber("-1")))
        XCTAssertEqual(MSSSetting.parse(""), .failure(.notANumber("")))
        XCTAssertEqual(MSSSetting.Problem.notANumber("x\u{1B}[2J").description,
                       #"mss must be auto, off or a number of bytes, not "x[2J""#)
        XCTAssertEqual(MSSSetting.parse("536"), .success(.fixed(536)))
        XCTAssertEqual(MSSSetting.parse("65495"), .success(.fixed(65495)))
        XCTAssertEqual(MSSSetting.parse("auto"), .success(.auto))
        XCTAssertEqual(MSSSetting.parse("off"), .success(.off))
    }
}
