import Foundation
import XCTest

/// What `relayctl hotplug` does to a running relay (the hook itself is in OpenWrtTests).
final class HotplugTests: LabTestCase {
    func testWANDownEndsSessionsAndWANUpReloadsButNothingStartsTheRelay() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let config = lab.file("etc/relay.json").path
        let common = ["--runtime-dir", lab.file("run").path, "--config", config]
        let enable = lab.run(in: routerNS, [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0"] + common)
        XCTAssertEqual(enable.status, 0, enable.stderr)
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        func hotplug(_ action: String, _ interface: String, _ device: String) -> Lab.Output {
            lab.run(in: routerNS, [Lab.relayctl, "hotplug", "--action", action, "--interface", interface,
                                   "--device", device, "--config", config])
        }

        XCTAssertEqual(hotplug("ifdown", "lan", "lan0").stdout, "lan (lan0) is not the relay's WAN wan0: nothing to do\n")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)

        let down = hotplug("ifdown", "wan", "wan0")
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(down.stdout, "WAN down: ended 1 sessions\n")
        try lab.waitUntil("the client got PADT", timeout: 10) { !lab.events("client", "exit").isEmpty }
        try lab.waitUntil("the AC got PADT", timeout: 10) { !lab.events("server", "exit").isEmpty }
        XCTAssertTrue(try lab.sessions(routerNS).isEmpty)

        let up = hotplug("ifup", "wan", "wan0")
        XCTAssertEqual(up.stdout, "reloaded: wan0 up, lan0 up\n")

        // As the OpenWrt hook calls it, with the WAN's logical name from UCI: ifdown has no DEVICE,
        // and the router's own pppoe-wan is not the relay's WAN device.
        try lab.startClient("client2", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client2", atLeast: 2)
        func uciHotplug(_ arguments: [String]) -> Lab.Output {
            lab.run(in: routerNS, [Lab.relayctl, "hotplug", "--runtime-dir", lab.file("run").path] + arguments)
        }
        XCTAssertEqual(uciHotplug(["--action", "ifdown", "--interface", "wan6", "--wan", "wan"]).stdout,
                       "wan6 is not the relay's WAN wan: nothing to do\n")
        XCTAssertEqual(uciHotplug(["--action", "ifup", "--interface", "wan", "--device", "pppoe-wan", "--wan", "wan0"]).stdout,
                       "wan (pppoe-wan) is not the relay's WAN wan0: nothing to do\n")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
        let uciDown = uciHotplug(["--action", "ifdown", "--interface", "wan", "--wan", "wan"])
        XCTAssertEqual(uciDown.stdout, "WAN down: ended 1 sessions\n", uciDown.stderr)
        try lab.waitUntil("the second client got PADT", timeout: 10) { !lab.events("client2", "exit").isEmpty }

        // Enabled but not running (it died): hotplug starts nothing; that is procd's business.
        let pid = try XCTUnwrap((try lab.query(routerNS, "status") as? [String: Any])?["pid"] as? Int)
        kill(pid_t(pid), SIGKILL)
        try lab.waitUntil("the relay died", timeout: 5) { kill(pid_t(pid), 0) != 0 }
        for action in ["ifup", "ifupdate", "ifdown"] {
            let event = hotplug(action, "wan", "wan0")
            XCTAssertEqual(event.status, 0, event.stderr)
            XCTAssertEqual(event.stdout, "not running: nothing to do\n")
        }
        XCTAssertNotEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "no relay was started")
        XCTAssertEqual(lab.run(in: routerNS, [Lab.relayctl, "disable"] + common).status, 0)
    }
}
