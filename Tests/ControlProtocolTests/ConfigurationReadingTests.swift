import ControlProtocol
import JSON
import UserspaceRelay
import XCTest

/// What a saved configuration or a daemon's reply may hold: documents from older and newer
/// versions read, and a broken one is refused in one line that says which key and why.
final class ConfigurationReadingTests: XCTestCase {
    private let minimal = #"{"lan_interfaces": ["lan0"], "wan_interface": "wan0", "dataplane": "auto", "max_sessions": 10, "idle_timeout": 0, "mss": "auto", "runtime_directory": "/run/x"}"#

    private func refusal(_ text: String) -> String? {
        do {
            _ = try JSON.decode(RelayConfiguration.self, from: Array(text.utf8))
            return nil
        } catch { return error.description }
    }

    private func replacing(_ key: String, with value: String) -> String {
        let pattern = "\"\(key)\": "
        let start = minimal.range(of: pattern)!.upperBound
        let end = minimal[start...].firstIndex { $0 == "," || $0 == "}" }!
        return minimal.replacingCharacters(in: start..<end, with: value)
    }

    func testAMinimalConfigurationTakesEveryDefault() throws {
        let configuration = try JSON.decode(RelayConfiguration.self, from: Array(minimal.utf8))
        XCTAssertEqual(configuration, RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0", maxSessions: 10,
                                                         idleTimeout: 0, runtimeDirectory: "/run/x"))
        XCTAssertEqual(configuration.policy, .standard)
        XCTAssertNil(configuration.controlGroup)
        XCTAssertFalse(configuration.verbose)
    }

    func testKeysFromANewerVersionAreIgnoredAndNullOptionalsAreAbsent() throws {
        let newer = String(minimal.dropLast()) + #", "future": {"x": [1, 2]}, "log": null, "policy": {"future_limit": 3}}"#
        let configuration = try JSON.decode(RelayConfiguration.self, from: Array(newer.utf8))
        XCTAssertNil(configuration.log)
        XCTAssertEqual(configuration.policy, .standard)
    }

    func testEachBrokenValueIsRefusedNamingItsKey() {
        let cases: [(String, String, String)] = [
            ("max_sessions", "\"10\"", "max_sessions: expected an integer, found a string"),
            ("max_sessions", "1e30", "max_sessions: 1e30 is not a 64-bit signed integer"),
            ("max_sessions", "10.5", "max_sessions: 10.5 is not a 64-bit signed integer"),
            ("dataplane", "\"fast\"", #"dataplane: "fast" is not a dataplane (auto, kernel or userspace)"#),
            ("dataplane", "\"\\u001b[2J\"", #"dataplane: "\u001b[2J" is not a dataplane"#),
            ("mss", "\"tiny\"", #"mss: mss must be auto, off or a number of bytes, not "tiny""#),
            ("mss", "\"100\"", "mss: mss must be at least 536, not 100"),
            ("mss", "1400", "mss: expected a string, found a number"),
            ("lan_interfaces", "[\"lan0\", 7]", "lan_interfaces[1]: expected a string, found a number"),
            ("lan_interfaces", "null", "lan_interfaces: expected an array, found null"),
            ("wan_interface", "{}", "wan_interface: expected a string, found an object"),
        ]
        for (key, value, expected) in cases {
            let text = replacing(key, with: value)
            XCTAssertTrue(refusal(text)?.hasPrefix(expected) ?? false, "\(text): \(refusal(text) ?? "accepted")")
        }
        XCTAssertEqual(refusal(String(minimal.dropLast()) + #", "policy": {"padi_per_second": -1.5}}"#),
                       "policy.padi_per_second: -1.5 is not a 64-bit signed integer")
        XCTAssertEqual(refusal(String(minimal.dropLast()) + #", "modem": {"device": "/dev/ttyUSB0"}}"#), #"missing "modem.baud""#)
    }

    func testWhatIsNotJSONSaysWhere() {
        XCTAssertEqual(refusal(minimal + " x"), "not valid JSON: unexpected text after the document (line 1, column \(minimal.utf8.count + 2))")
        XCTAssertEqual(refusal("{\n  \"lan_interfaces\": [\"lan0\",],\n}"),
                       "not valid JSON: unexpected \"]\" where a value should be (line 2, column 29)")
        XCTAssertEqual(refusal(#"{"max_sessions": 1, "max_sessions": 2}"#),
                       #"not valid JSON: the key "max_sessions" appears twice in one object (line 1, column 21)"#)
        XCTAssertEqual(refusal(""), "not valid JSON: the document ends where a value should be (line 1, column 1)")
    }

    /// A newer daemon's status, with keys this relayctl does not know, still reads.
    func testANewerDaemonsStatusReads() throws {
        let bytes = ControlJSON.encode(DocumentBytesTests.fullStatus)
        var text = String(decoding: bytes, as: UTF8.self)
        text.insert(contentsOf: #""future_key" : {"nested" : [true]}, "#, at: text.index(after: text.startIndex))
        XCTAssertEqual(try JSON.decode(StatusReport.self, from: Array(text.utf8)), DocumentBytesTests.fullStatus)
    }
}
