import Foundation
import XCTest

/// The systemd unit: rated by systemd-analyze, and the restrictions it sets shown to be ones the
/// relay lives with: a non-root uid holding exactly CAP_NET_ADMIN and CAP_NET_RAW relays real
/// rp-pppoe sessions on both dataplanes.
final class SystemdTests: LabTestCase {
    static let unit = Lab.root.appendingPathComponent("init/systemd/pppoe-relay.service")

    func unitText() throws -> String {
        try String(contentsOf: Self.unit, encoding: .utf8).replacingOccurrences(of: "@SBINDIR@", with: "/usr/sbin")
    }

    func testTheUnitIsRatedOKBySystemdAnalyze() throws {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
            .first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("systemd-analyze is not installed (scripts/setup installs systemd)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("pppoe-relay.service")
        try unitText().write(to: file, atomically: true, encoding: .utf8)

        let out = Lab.run([analyze, "security", "--offline=true", "--no-pager", file.path])
        // "→ Overall exposure level for pppoe-relay.service: 1.5 OK 🙂"
        let line = try XCTUnwrap(out.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") },
                                 "systemd-analyze said: \(out.stdout)\(out.stderr)")
        let words = line.split(separator: " ")
        let score = try XCTUnwrap(words.compactMap { Double($0) }.first, String(line))
        XCTAssertLessThanOrEqual(score, 3.5, String(line))
        XCTAssertTrue(line.contains(" OK") || line.contains("SAFE"), String(line))
    }

    func testTheUnitGrantsOnlyTheTwoCapabilitiesAndRestoresFastPathsPrivileged() throws {
        let lines = Set(try unitText().split(separator: "\n").map(String.init))
        for expected in ["Wants=network-online.target", "After=network-online.target",
                         "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW", "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
                         "NoNewPrivileges=yes", "ProtectSystem=strict", "RestrictAddressFamilies=AF_PACKET AF_NETLINK AF_UNIX",
                         "RuntimeDirectory=pppoe-relay", "RuntimeDirectoryMode=0700",
                         "ExecStartPre=+/usr/sbin/relayctl fastpath off",
                         "ExecStopPost=+/usr/sbin/relayctl fastpath restore"] {
            XCTAssertTrue(lines.contains(expected), "the unit has \(expected)")
        }
        // Nothing but the "+" lines runs with more.
        XCTAssertFalse(lines.contains { $0.hasPrefix("PermissionsStartOnly") || $0.hasPrefix("User=root") })
    }

    /// What the unit's restrictions leave the daemon, applied with setpriv: uid and gid 65534, no
    /// supplementary groups, CAP_NET_ADMIN and CAP_NET_RAW ambient and nothing else in any set,
    /// no_new_privs; its runtime directory owned by that uid, as RuntimeDirectory= makes it.
    func relaysAsAnUnprivilegedUser(dataplane: String) throws {
        try buildTopology()
        let wrapper = lab.file("relayctl-unprivileged")
        try """
            #!/bin/sh
            exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \\
              --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw \\
              --bounding-set=-all,+net_admin,+net_raw '\(Lab.relayctl)' "$@"
            """.write(to: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper.path, 0o755)
        let runtime = lab.file("run").path
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        chown(runtime, 65534, 65534)
        chmod(runtime, 0o700)

        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try lab.startRelay(in: routerNS, lans: ["lan0"], wan: "wan0",
                                       extra: ["--dataplane", dataplane], binary: wrapper.path)
        let status = try String(contentsOfFile: "/proc/\(relay.processIdentifier)/status", encoding: .utf8)
        func field(_ name: String) -> String? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(field("Uid")?.split(separator: "\t").map(String.init), ["65534", "65534", "65534", "65534"])
        // CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13: 0x3000, and nothing else anywhere.
        for set in ["CapEff", "CapPrm", "CapAmb", "CapBnd"] {
            XCTAssertEqual(field(set), "0000000000003000", set)
        }
        XCTAssertEqual(field("NoNewPrivs"), "1")

        let report = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(report["dataplane"] as? String, dataplane)
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
        if dataplane == "kernel" {
            XCTAssertTrue(lab.run(in: routerNS, ["nft", "list", "table", "netdev", "pppoe_relay"]).stdout
                .contains("sessions_"), "the kernel dataplane's table is installed")
        }
        // The daemon's own user may control it (ExecReload= runs as that user).
        let reload = lab.run(in: routerNS, [wrapper.path, "reload", "--runtime-dir", runtime])
        XCTAssertEqual(reload.status, 0, reload.stderr)

        // SIGTERM: PADT to the client, exit 0, the kernel table gone with it.
        relay.terminate()
        relay.waitUntilExit()
        XCTAssertEqual(relay.terminationStatus, 0, lab.text("relay.err"))
        try lab.waitUntil("the client got PADT", timeout: 10) { !lab.events("client", "exit").isEmpty }
        XCTAssertFalse(lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout.contains("pppoe_relay"))
    }

    func testRelaysAsAnUnprivilegedUserWithTwoCapabilitiesOnTheUserspaceDataplane() throws {
        try relaysAsAnUnprivilegedUser(dataplane: "userspace")
    }

    func testRelaysAsAnUnprivilegedUserWithTwoCapabilitiesOnTheKernelDataplane() throws {
        try relaysAsAnUnprivilegedUser(dataplane: "kernel")
    }
}
