import Foundation
import XCTest

/// The OpenWrt side of the relay: netifd's hotplug script and what `relayctl hotplug` does.
final class HotplugTests: LabTestCase {
    static let script = Lab.root.appendingPathComponent("hotplug.d/iface/90-pppoe-relay").path

    /// Runs the hotplug script as netifd would, with a stand-in relayctl that records its arguments.
    func runScript(action: String, interface: String, device: String, recorder: URL) -> Int32 {
        Lab.run(["env", "ACTION=\(action)", "INTERFACE=\(interface)", "DEVICE=\(device)", "RELAYCTL=\(recorder.path)",
                 "sh", Self.script]).status
    }

    func testTheScriptPassesNetifdsEventToRelayctl() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotplug-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("calls")
        let recorder = directory.appendingPathComponent("relayctl")
        try "#!/bin/sh\necho \"$*\" >> '\(log.path)'\n".write(to: recorder, atomically: true, encoding: .utf8)
        chmod(recorder.path, 0o755)

        for action in ["ifup", "ifupdate", "ifdown", "ifupdate-addr", "update"] {
            XCTAssertEqual(runScript(action: action, interface: "wan", device: "eth1", recorder: recorder), 0)
        }
        let calls = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(calls.split(separator: "\n"), [
            "hotplug --action ifup --interface wan --device eth1",
            "hotplug --action ifupdate --interface wan --device eth1",
            "hotplug --action ifdown --interface wan --device eth1",
        ])
        // No relayctl installed: the hook stays quiet.
        XCTAssertEqual(runScript(action: "ifup", interface: "wan", device: "eth1",
                                 recorder: directory.appendingPathComponent("missing")), 0)
    }

    func testWANDownEndsSessionsAndWANUpReloadsOrStartsTheRelay() throws {
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

        // Enabled but not running (it died): the WAN coming up starts it again.
        let pid = try XCTUnwrap((try lab.query(routerNS, "status") as? [String: Any])?["pid"] as? Int)
        kill(pid_t(pid), SIGKILL)
        try lab.waitUntil("the relay died", timeout: 5) { kill(pid_t(pid), 0) != 0 }
        let restart = hotplug("ifupdate", "wan", "wan0")
        XCTAssertEqual(restart.status, 0, restart.stderr)
        XCTAssertTrue(restart.stdout.hasPrefix("enabled:"), restart.stdout)
        try lab.startClient("client2", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client2", atLeast: 2)
        XCTAssertEqual(lab.run(in: routerNS, [Lab.relayctl, "disable"] + common).status, 0)
    }
}
