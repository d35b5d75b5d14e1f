import Foundation
import XCTest

/// `relayctl run` where the system says no: each capability start-up needs, taken away in turn
/// with setpriv (a real EPERM from the kernel), and an unprivileged user. Every one is a
/// one-line error and exit 1, never a crash, and leaves nothing behind.
final class StartupFailureTests: LabTestCase {
    /// Bounded: a relay that starts after all fails the test instead of hanging it.
    func run(as prefix: [String], _ extra: [String], runtime: String) -> Lab.Output {
        lab.run(in: routerNS, ["timeout", "10"] + prefix + [Lab.relayctl, "run", "--lan", "lan0", "--wan", "wan0",
                                        "--runtime-dir", lab.file(runtime).path] + extra)
    }

    func testEachMissingCapabilityIsAOneLineError() throws {
        try buildTopology()
        let group = try XCTUnwrap(nobodyGroupName, "no group with gid 65534")
        let cases: [(what: String, setpriv: [String], extra: [String], reason: String)] = [
            ("without CAP_NET_RAW (userspace)", ["--bounding-set", "-net_raw"], ["--dataplane", "userspace"],
             "packet socket on"),
            ("without CAP_NET_RAW (auto)", ["--bounding-set", "-net_raw"], ["--dataplane", "auto"], "packet socket on"),
            ("without CAP_NET_RAW (kernel)", ["--bounding-set", "-net_raw"], ["--dataplane", "kernel"], "packet socket on"),
            ("without CAP_NET_ADMIN (kernel)", ["--bounding-set", "-net_admin"], ["--dataplane", "kernel"],
             "kernel dataplane unavailable"),
            ("without CAP_CHOWN (control group)", ["--bounding-set", "-chown"], ["--control-group", group],
             "to group 65534: Operation not permitted"),
            ("without any capability", ["--bounding-set", "-all"], [], "Operation not permitted"),
        ]
        for (index, item) in cases.enumerated() {
            let runtime = "run\(index)"
            let out = run(as: ["setpriv"] + item.setpriv, item.extra, runtime: runtime)
            assertOneLineFailure(out, mentioning: item.reason, item.what)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: lab.file(runtime).path)) ?? []
            XCTAssertFalse(left.contains("control.sock") || left.contains("relayd.pid"), "\(item.what) left \(left)")
        }
        // The same relay with every capability runs: what failed above was the missing one.
        try startRelay()
    }

    /// Two relays cannot share a namespace's kernel dataplane: the second one says who holds it,
    /// for `auto` too, which would otherwise fall back and answer the same clients twice.
    func testASecondRelayInTheNamespaceNamesTheFirst() throws {
        try buildTopology()
        let first = try lab.startRelay(in: routerNS, lans: ["lan0"], wan: "wan0", extra: ["--dataplane", "kernel"])
        for dataplane in ["kernel", "auto"] {
            let out = run(as: [], ["--dataplane", dataplane], runtime: "second-\(dataplane)")
            assertOneLineFailure(out, mentioning: "another relay runs in this network namespace "
                + "(pid \(first.processIdentifier))", "a second relay, --dataplane \(dataplane)")
        }
        XCTAssertTrue(first.isRunning)
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "the first relay goes on")
        // An administrator sees the same in nft's listing of the table.
        let table = lab.run(in: routerNS, ["nft", "list", "table", "netdev", "pppoe_relay"])
        XCTAssertTrue(table.stdout.contains("comment \"pppoe-relay pid \(first.processIdentifier)\""), table.stdout)
    }

    func testAnUnprivilegedUserGetsAOneLineError() throws {
        try requireUnprivilegedRelayctl()
        try buildTopology()
        // Its own runtime directory, so it gets as far as the packet sockets.
        let own = lab.file("nobody")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        XCTAssertEqual(chown(own.path, 65534, 65534), 0)
        XCTAssertEqual(chmod(own.path, 0o700), 0)
        let out = run(as: nobody, ["--dataplane", "auto"], runtime: "nobody/run")
        assertOneLineFailure(out, mentioning: "packet socket on", "uid 65534 with its own runtime directory")

        // Root's runtime directory: it cannot even create it.
        try FileManager.default.createDirectory(at: lab.file("root-only"), withIntermediateDirectories: true)
        XCTAssertEqual(chmod(lab.file("root-only").path, 0o755), 0)
        let denied = run(as: nobody, [], runtime: "root-only/run")
        assertOneLineFailure(denied, mentioning: "Permission denied", "uid 65534 under root's directory")
    }
}
