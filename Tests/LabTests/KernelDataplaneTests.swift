import Foundation
import XCTest

/// What only the nftables dataplane promises: frames never reach userspace, nothing of ours
/// survives a stop, a kill or a disable, other tables are never touched, and a kernel that
/// refuses is reported, not papered over.
final class KernelDataplaneTests: LabTestCase {
    override var dataplane: String { "kernel" }

    func ruleset() -> String { lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout }

    /// Somebody else's table in the router namespace, which we must never touch.
    func addForeignTable() throws {
        try lab.check(lab.run(in: routerNS, ["nft", "add", "table", "inet", "theirs"]), "add foreign table")
        try lab.check(lab.run(in: routerNS, ["nft", "add", "chain", "inet", "theirs", "input",
                                            "{ type filter hook input priority 0; policy accept; }"]), "add foreign chain")
    }

    func assertNothingOfOursAndTheirsIntact(_ when: String, file: StaticString = #filePath, line: UInt = #line) {
        let rules = ruleset()
        XCTAssertFalse(rules.contains("pppoe_relay"), "\(when): our table is gone\n\(rules)", file: file, line: line)
        XCTAssertTrue(rules.contains("table inet theirs") && rules.contains("chain input"),
                      "\(when): the foreign table is untouched\n\(rules)", file: file, line: line)
    }

    func testSessionFramesNeverReachUserspaceAndKernelCountersGrow() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 6)
        try waitForReplies("client", atLeast: 6)

        let counters = try lab.counters(routerNS)
        XCTAssertEqual(counters["session_frames_to_ac"], 0, "the daemon forwarded nothing itself")
        XCTAssertEqual(counters["session_frames_to_client"], 0)
        XCTAssertGreaterThanOrEqual(counters["kernel_frames_to_ac"] ?? 0, 6)
        XCTAssertGreaterThanOrEqual(counters["kernel_frames_to_client"] ?? 0, 6)
        let session = try onlySession()
        XCTAssertGreaterThanOrEqual(session["kernel_packets_to_ac"] as? Int ?? 0, 6)
        XCTAssertGreaterThanOrEqual(session["kernel_packets_to_client"] as? Int ?? 0, 6)
        XCTAssertEqual(session["kernel_packets_to_ac"] as? Int, session["packets_to_ac"] as? Int)

        let rules = ruleset()
        for name in ["table netdev pppoe_relay", "chain ingress_lan0", "chain ingress_wan0", "sessions_lan0", "sessions_wan0"] {
            XCTAssertTrue(rules.contains(name), "\(name) in\n\(rules)")
        }
        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["dataplane"] as? String, "kernel")
        XCTAssertNil(status["kernel_error"], "the kernel refused nothing")
    }

    func testNothingOfOursRemainsAfterStopAndAfterKillThenDisable() throws {
        try buildTopology()
        try addForeignTable()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        XCTAssertTrue(ruleset().contains("pppoe_relay"))

        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay stopped", timeout: 10) { !relay.isRunning }
        XCTAssertEqual(relay.terminationStatus, 0)
        assertNothingOfOursAndTheirsIntact("after stop")

        let second = try lab.startRelay(in: routerNS, lans: ["lan0"], wan: "wan0", extra: ["--dataplane", "kernel"],
                                        runtime: "run2")
        XCTAssertTrue(ruleset().contains("pppoe_relay"))
        lab.signal(second, SIGKILL)
        try lab.waitUntil("the relay died", timeout: 5) { !second.isRunning }
        let disable = lab.relayctl(in: routerNS, ["disable", "--config", lab.file("relay.json").path], runtime: "run2")
        XCTAssertEqual(disable.status, 0, disable.stderr)
        assertNothingOfOursAndTheirsIntact("after SIGKILL and disable")
    }

    func testDisableRemovesATableLeftByAnotherRelay() throws {
        try buildTopology()
        try addForeignTable()
        // As a kernel that ignores table ownership, or a crashed older relay, would leave it.
        try lab.check(lab.run(in: routerNS, ["nft", "add", "table", "netdev", "pppoe_relay"]), "add stale table")
        let out = lab.relayctl(in: routerNS, ["disable", "--config", lab.file("relay.json").path])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("removed leftover nftables table pppoe_relay"), out.stdout)
        assertNothingOfOursAndTheirsIntact("after disable")
        let again = lab.relayctl(in: routerNS, ["disable", "--config", lab.file("relay.json").path])
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(again.stdout, "not enabled: nothing to do\n")
    }

    /// Without CAP_NET_ADMIN the kernel refuses nf_tables (a real refusal, not a simulated one),
    /// while packet sockets, which need only CAP_NET_RAW, still work.
    func testAutoFallsBackAndKernelFailsWhereTheKernelRefuses() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let withoutNetAdmin = ["setpriv", "--bounding-set", "-net_admin", Lab.relayctl, "run", "--lan", "lan0",
                               "--wan", "wan0", "--runtime-dir", lab.file("run").path]
        let refused = lab.run(in: routerNS, withoutNetAdmin + ["--dataplane", "kernel"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("kernel dataplane unavailable: add table pppoe_relay: EPERM"), refused.stderr)

        try lab.spawn("relay", in: routerNS, withoutNetAdmin + ["--dataplane", "auto"])
        try lab.waitUntil("the fallback relay answers", timeout: 10) {
            lab.relayctl(in: routerNS, ["status"]).status == 0
        }
        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["dataplane"] as? String, "userspace")
        XCTAssertTrue((status["dataplane_reason"] as? String ?? "").contains("EPERM"), "\(status)")
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        XCTAssertGreaterThanOrEqual(try lab.counters(routerNS)["session_frames_to_ac"] ?? 0, 3, "userspace carried it")
    }

    func testAThousandSessionsAreEachForwardedCorrectly() throws {
        try buildTopology()
        try startTestAC(["--quiet"], seconds: 120)
        try startRelay()
        try startMassClients("mass", count: 1000, sample: 250)
        let summary = try massClientSummary("mass", timeout: 90)
        XCTAssertEqual(summary["established"] as? Int, 1000, "\(summary)")
        XCTAssertEqual(summary["answered"] as? Int, 250, "every sampled session answered on its own id: \(summary)")
        XCTAssertEqual(summary["wrong"] as? Int, 0)
        // A PADR repeated while its PADS was on the way gets the client a second session, as an
        // AC would give it: count clients, not sessions.
        let clients = Set(try lab.sessions(routerNS).compactMap { $0["client_mac"] as? String })
        XCTAssertEqual(clients.count, 1000)
        let counters = try lab.counters(routerNS)
        XCTAssertEqual(counters["session_frames_to_ac"], 0, "all of it in the kernel")
        XCTAssertGreaterThanOrEqual(counters["kernel_frames_to_ac"] ?? 0, 250)
        XCTAssertEqual(counters["offload_install_failed"], 0)
    }
}
