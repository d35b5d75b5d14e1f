import Foundation
import XCTest

/// `relayctl enable` / `disable` as an administrator runs them over SSH: prompt, idempotent,
/// and leaving nothing behind on failure or after disable.
final class EnableDisableTests: LabTestCase {
    var configPath: String { lab.file("etc/relay.json").path }
    var common: [String] { ["--runtime-dir", lab.file("run").path, "--config", configPath] }

    func relayctl(_ arguments: [String]) -> Lab.Output {
        lab.run(in: routerNS, [Lab.relayctl] + arguments + common)
    }

    func daemonPID() throws -> Int? {
        let out = lab.relayctl(in: routerNS, ["status", "--json"])
        guard out.status == 0 else { return nil }
        let status = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return status?["pid"] as? Int
    }

    func testEnableReturnsWithItsPipeClosedAndTheDaemonKeepsRunning() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        // Lab.run reads stdout and stderr to end of file: it returns only once every holder of the
        // pipes (the daemon included, were it to inherit them) has closed them.
        let started = Date()
        let enable = relayctl(["enable", "--lan", "lan0", "--wan", "wan0"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "enable returned promptly")
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertEqual(enable.stderr, "")
        XCTAssertEqual(enable.stdout.split(separator: "\n").count, 1, enable.stdout)
        XCTAssertTrue(enable.stdout.hasPrefix("enabled: kernel dataplane"), enable.stdout)
        let pid = try XCTUnwrap(try daemonPID(), "the daemon answers after enable returned")
        XCTAssertTrue(FileManager.default.fileExists(atPath: configPath), "the configuration is saved")

        // It relays.
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)

        // Same configuration: nothing changes.
        let again = relayctl(["enable", "--lan", "lan0", "--wan", "wan0"])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stdout.hasPrefix("already enabled"), again.stdout)
        XCTAssertEqual(try daemonPID(), pid)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1, "the session survived")

        // Another configuration: restarted with it.
        let changed = relayctl(["enable", "--lan", "lan0", "--wan", "wan0", "--idle-timeout", "30"])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        let newPID = try XCTUnwrap(try daemonPID())
        XCTAssertNotEqual(newPID, pid)
        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["idle_timeout_seconds"] as? Int, 30)

        let disable = relayctl(["disable"])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertTrue(disable.stdout.contains("stopped relay pid \(newPID)"), disable.stdout)
        XCTAssertNil(try daemonPID())
        XCTAssertEqual(kill(pid_t(newPID), 0), -1, "the daemon is gone")
        XCTAssertFalse(lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout.contains("pppoe_relay"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: configPath))
        let nothing = relayctl(["disable"])
        XCTAssertEqual(nothing.status, 0)
        XCTAssertEqual(nothing.stdout, "not enabled: nothing to do\n")
    }

    func testAFailedEnableLeavesNothingBehind() throws {
        try buildTopology()
        let missing = relayctl(["enable", "--lan", "lan0", "--wan", "nosuch0"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "relayctl: no such interface: nosuch0\n")

        // The daemon itself fails after it was started: the kernel refuses nf_tables.
        let refused = lab.run(in: routerNS, ["setpriv", "--bounding-set", "-net_admin", Lab.relayctl, "enable",
                                             "--lan", "lan0", "--wan", "wan0", "--dataplane", "kernel"] + common)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("relayctl: kernel dataplane unavailable"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1)

        XCTAssertNil(try daemonPID())
        XCTAssertFalse(FileManager.default.fileExists(atPath: configPath), "no configuration saved")
        XCTAssertFalse(lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout.contains("pppoe_relay"))
    }

    func testABadEnableKeepsTheRunningRelay() throws {
        try buildTopology()
        XCTAssertEqual(relayctl(["enable", "--lan", "lan0", "--wan", "wan0"]).status, 0)
        let pid = try daemonPID()
        let typo = relayctl(["enable", "--lan", "lan0", "--wan", "wan9"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertEqual(try daemonPID(), pid, "a typo does not cost the running relay")
        XCTAssertEqual(relayctl(["disable"]).status, 0)
    }
}
