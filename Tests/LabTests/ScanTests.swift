import Foundation
import XCTest

/// `relayctl scan` against rp-pppoe's pppoe-server: one or two ACs on the WAN (the second on a
/// macvlan of the first's veth, so it has a MAC of its own), services offered and not, no AC at
/// all, and a scan on the WAN of a running relay with a session in flight.
final class ScanTests: LabTestCase {
    /// r:wan0 ↔ a:ac0, with a:ac1 a macvlan on ac0 (a second AC's MAC on the same wire).
    func buildWAN(secondAC: Bool) throws {
        acNS = try lab.namespace("a")
        routerNS = try lab.namespace("r")
        try lab.link(routerNS, "wan0", acNS, "ac0")
        if secondAC {
            try lab.check(lab.run(in: acNS, ["ip", "link", "add", "ac1", "link", "ac0", "type", "macvlan", "mode", "bridge"]),
                          "macvlan ac1")
            try lab.check(lab.run(in: acNS, ["ip", "link", "set", "ac1", "up"]), "up ac1")
        }
    }

    /// pppoe-server on `interface` named `name` offering `services`, once it answers a PADI.
    func startServer(_ label: String, interface: String, name: String, services: [String]) throws {
        try lab.spawn(label, in: acNS, ["pppoe-server", "-F", "-I", interface, "-q", lab.file("pppd-standin").path,
                                        "-C", name, "-N", "10"] + services.flatMap { ["-S", $0] })
    }

    func scan(_ arguments: [String]) -> Lab.Output {
        lab.run(in: routerNS, [Lab.relayctl, "scan", "--interface", "wan0"] + arguments)
    }

    func scanJSON(_ arguments: [String]) throws -> (status: Int32, report: [String: Any], acs: [String: [String: Any]]) {
        let out = scan(arguments + ["--json"])
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
                                   "stdout: \(out.stdout) stderr: \(out.stderr)")
        let list = report["access_concentrators"] as? [[String: Any]] ?? []
        var byName: [String: [String: Any]] = [:]
        for ac in list { byName[ac["ac_name"] as? String ?? ""] = ac }
        return (out.status, report, byName)
    }

    /// Waits until pppoe-server answers (it has no readiness signal): the scan itself asks.
    func waitForACs(_ count: Int) throws {
        try lab.waitUntil("\(count) ACs answer a scan", timeout: 10) {
            ((try? scanJSON(["--timeout", "0.3"]))?.acs.count ?? 0) >= count
        }
    }

    func testTwoACsAreListedWithTheirServicesCookiesAndWhatTheyAnswered() throws {
        try buildWAN(secondAC: true)
        try startServer("ac-isp", interface: "ac0", name: "LabAC", services: ["isp"])
        try startServer("ac-tv", interface: "ac1", name: "OtherAC", services: ["tv", "video"])
        try waitForACs(2)

        let (status, report, acs) = try scanJSON(["--service", "tv", "--timeout", "1"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(report["schema_version"] as? Int, 1)
        XCTAssertEqual(report["service_name"] as? String, "tv")
        XCTAssertEqual(Set(acs.keys), ["LabAC", "OtherAC"])
        let lab1 = try XCTUnwrap(acs["LabAC"]), other = try XCTUnwrap(acs["OtherAC"])
        XCTAssertEqual(lab1["mac"] as? String, try lab.mac(acNS, "ac0"))
        XCTAssertEqual(other["mac"] as? String, try lab.mac(acNS, "ac1"))
        XCTAssertEqual(lab1["service_names"] as? [String], ["isp"])
        XCTAssertEqual(other["service_names"] as? [String], ["tv", "video"])
        // rp-pppoe stays silent to a PADI for a service it does not offer.
        XCTAssertEqual(lab1["offers_requested_service"] as? Bool, false)
        XCTAssertEqual(other["offers_requested_service"] as? Bool, true)
        for ac in [lab1, other] {
            XCTAssertEqual(ac["answers_any_service"] as? Bool, true)
            XCTAssertEqual(ac["cookie"] as? Bool, true)
            XCTAssertEqual(ac["echoes_relay_session_id"] as? Bool, true)
            let ms = try XCTUnwrap(ac["response_ms"] as? Double)
            XCTAssertGreaterThan(ms, 0)
            XCTAssertLessThan(ms, 1000)
        }
        XCTAssertEqual(other["offers"] as? Int, 2)
        XCTAssertEqual(lab1["offers"] as? Int, 1)

        let text = scan(["--service", "tv", "--timeout", "0.5"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("2 access concentrators answered"), text.stdout)
        XCTAssertTrue(text.stdout.contains(#"AC-Name "OtherAC""#), text.stdout)
        XCTAssertTrue(text.stdout.contains(#"no answer to the PADI for "tv""#), text.stdout)
    }

    /// What rp-pppoe's own `pppoe -A` lists is what the scan lists: ACs, MACs and services.
    func testTheScanAgreesWithPPPoEDashA() throws {
        try buildWAN(secondAC: true)
        try startServer("ac-isp", interface: "ac0", name: "LabAC", services: ["isp"])
        try startServer("ac-tv", interface: "ac1", name: "OtherAC", services: ["tv", "video"])
        try waitForACs(2)
        let theirs = lab.run(in: routerNS, ["pppoe", "-A", "-t", "2", "-I", "wan0"])
        try lab.check(theirs, "pppoe -A")
        var listed: [String: (mac: String, services: [String])] = [:]
        var name = "", services: [String] = []
        for line in theirs.stdout.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("Access-Concentrator: ") { name = String(line.dropFirst(21)); services = [] }
            if line.hasPrefix("Service-Name: ") { services.append(String(line.dropFirst(14))) }
            if line.hasPrefix("AC-Ethernet-Address: ") { listed[name] = (String(line.dropFirst(21)), services) }
        }
        let ours = try scanJSON(["--timeout", "1"]).acs
        XCTAssertEqual(Set(ours.keys), Set(listed.keys), theirs.stdout)
        for (name, entry) in listed {
            XCTAssertEqual(ours[name]?["mac"] as? String, entry.mac)
            XCTAssertEqual(ours[name]?["service_names"] as? [String], entry.services)
        }
    }

    func testAServiceNobodyOffersStillListsTheACsThatAnswerAnyService() throws {
        try buildWAN(secondAC: false)
        try startServer("ac-isp", interface: "ac0", name: "LabAC", services: ["isp"])
        try waitForACs(1)
        let (status, _, acs) = try scanJSON(["--service", "no-such-service", "--timeout", "0.5"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(acs["LabAC"]?["offers_requested_service"] as? Bool, false)
        XCTAssertEqual(acs["LabAC"]?["answers_any_service"] as? Bool, true)
    }

    func testNoACAnsweringExitsOne() throws {
        try buildWAN(secondAC: false)
        let out = scan(["--timeout", "0.5"])
        XCTAssertEqual(out.status, 1)
        XCTAssertTrue(out.stdout.contains("no access concentrators answered"), out.stdout)
        XCTAssertEqual(out.stderr, "relayctl: no access concentrator answered on wan0 within 0.5 s\n")
        let json = scan(["--timeout", "0.3", "--json"])
        XCTAssertEqual(json.status, 1)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((report["access_concentrators"] as? [Any])?.count, 0)
    }

    func testBadInterfacesAndOptionsAreOneLineErrors() throws {
        try buildWAN(secondAC: false)
        let missing = scan(["--interface", "nope0"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "relayctl: no such interface: nope0\n")
        try lab.check(lab.run(in: routerNS, ["ip", "link", "set", "wan0", "down"]), "wan0 down")
        let down = scan(["--timeout", "0.2"])
        XCTAssertEqual(down.status, 1)
        XCTAssertEqual(down.stderr, "relayctl: interface wan0 is down (ip link set wan0 up)\n")
        let badTimeout = scan(["--timeout", "0"])
        XCTAssertEqual(badTimeout.status, 2)
        XCTAssertEqual(badTimeout.stderr.split(separator: "\n").count, 1, badTimeout.stderr)
    }

    /// The scan on the WAN of a relay carrying a session: it finds the AC, the relay counts
    /// the scan's PADOs as not its own without a log line, and the session carries on.
    func testAScanBesideARunningRelayLeavesItsSessionAlone() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 400, interval: 0.05)
        try waitForReplies("client", atLeast: 5)
        let before = try onlySession()
        let notOursBefore = try lab.counters(routerNS)["dropped_discovery_not_ours"] ?? 0
        let logBefore = lab.text("relay.err")

        let (status, _, acs) = try scanJSON(["--timeout", "1"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(acs["LabAC"]?["mac"] as? String, try lab.mac(acNS, "ac0"))

        let repliesAfterScan = lab.echoReplies("client")
        try waitForReplies("client", atLeast: repliesAfterScan + 10)
        let after = try onlySession()
        for key in ["client_mac", "client_session_id", "ac_mac", "ac_session_id"] {
            XCTAssertEqual("\(before[key] ?? "")", "\(after[key] ?? "")", key)
        }
        XCTAssertGreaterThanOrEqual(try lab.counters(routerNS)["dropped_discovery_not_ours"] ?? 0, notOursBefore + 1,
                                    "the relay saw the scan's PADO and counted it")
        XCTAssertEqual((try lab.counters(routerNS))["sessions_ended"], 0)
        let newLog = String(lab.text("relay.err").dropFirst(logBefore.count))
        XCTAssertEqual(newLog, "", "the scan made the relay log")
        XCTAssertTrue(lab.events("client", "exit").isEmpty, "the client's pppoe is still running")
    }

    /// An AC that strips Relay-Session-Id and names itself with terminal escapes (the lab's test
    /// AC): the scan says it does not echo, and shows the name as visible escapes.
    func testAHostileNameIsShownEscapedAndAStrippedRelayTagIsReported() throws {
        try buildWAN(secondAC: false)
        // "AC" ESC [2J (clear screen) newline "forged" BEL
        try startTestAC(["--strip-relay-tag", "--quiet", "--ac-name-hex", "41431b5b324a0a666f7267656407"])
        let text = scan(["--timeout", "0.5"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains(#"AC-Name "AC\e[2J\nforged\x07""#), text.stdout)
        XCTAssertFalse(text.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, text.stdout)
        XCTAssertTrue(text.stdout.contains("Relay-Session-Id:  not echoed"), text.stdout)
        let json = try scanJSON(["--timeout", "0.5"])
        let ac = try XCTUnwrap(json.acs["AC\u{1B}[2J\nforged\u{07}"], "\(json.acs.keys)")
        XCTAssertEqual(ac["echoes_relay_session_id"] as? Bool, false)
        XCTAssertEqual(ac["cookie"] as? Bool, false)
    }
}
