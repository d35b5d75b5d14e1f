import Foundation
import XCTest

/// The control socket's permissions: only root reaches it by default; with --control-group the
/// group may read; and what a peer may do is decided by the kernel's word on who it is
/// (SO_PEERCRED), not by the file mode alone.
final class ControlPermissionTests: LabTestCase {
    var runtime: String { lab.file("run").path }

    func relayctl(_ prefix: [String], _ arguments: [String]) -> Lab.Output {
        lab.run(in: routerNS, prefix + [Lab.relayctl] + arguments + ["--runtime-dir", runtime])
    }

    func mss() throws -> String {
        let out = relayctl([], ["mss", "show"])
        try lab.check(out, "mss show")
        return out.stdout
    }

    func testOnlyRootReachesTheSocketByDefault() throws {
        try requireUnprivilegedRelayctl()
        try buildTopology()
        // Whatever umask the daemon inherits, the modes are its own.
        try lab.spawn("relay", in: routerNS, ["sh", "-c", "umask 000; exec \"$0\" \"$@\"", Lab.relayctl, "run",
                                               "--lan", "lan0", "--wan", "wan0", "--runtime-dir", runtime,
                                               "--dataplane", dataplane])
        try lab.waitUntil("the relay answers", timeout: 10) { self.relayctl([], ["status"]).status == 0 }
        XCTAssertEqual(fileMode(runtime)?.mode, 0o700)
        XCTAssertEqual(fileMode(runtime)?.uid, 0)
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.mode, 0o600)
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.uid, 0)
        let before = try mss()

        // uid 65534 cannot connect at all: the directory and the socket are root's alone.
        assertOneLineFailure(relayctl(nobody, ["status"]), mentioning: "permission denied", "status as uid 65534")
        assertOneLineFailure(relayctl(nobody, ["mss", "set", "1300"]), mentioning: "permission denied",
                             "mss set as uid 65534")
        assertOneLineFailure(relayctl(nobody, ["sessions", "--json"]), mentioning: "permission denied",
                             "sessions as uid 65534")
        let raw = lab.run(in: routerNS, nobody + [Lab.python, "-c", """
            import socket
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect('\(runtime)/control.sock'); print('connected')
            except OSError as e:
                print('refused', e.errno)
            """])
        XCTAssertEqual(raw.stdout, "refused 13\n", "connect(2) as uid 65534 must fail with EACCES: \(raw.stderr)")

        // With CAP_DAC_OVERRIDE it reaches the socket, and the daemon itself still says no.
        let overriding = nobody + ["--inh-caps", "+dac_override", "--ambient-caps", "+dac_override"]
        assertOneLineFailure(relayctl(overriding, ["status"]), mentioning: "uid 65534 may not use", "status past the mode")
        assertOneLineFailure(relayctl(overriding, ["mss", "set", "1300"]), mentioning: "uid 65534 may not use",
                             "mss set past the mode")
        assertOneLineFailure(relayctl(overriding, ["mss", "show", "--json"]), mentioning: "uid 65534 may not use",
                             "--json past the mode")
        let endSessions = lab.run(in: routerNS, overriding + [Lab.python, "-c", """
            import socket
            s = socket.socket(socket.AF_UNIX)
            s.connect('\(runtime)/control.sock'); s.sendall(b'end-sessions\\n')
            print(s.recv(4096).decode())
            """])
        XCTAssertTrue(endSessions.stdout.contains("may not use"), endSessions.stdout + endSessions.stderr)
        XCTAssertEqual(try mss(), before, "nothing a refused peer sent changed the relay")

        // Root changes state as before.
        XCTAssertEqual(relayctl([], ["mss", "set", "1300"]).status, 0)
        XCTAssertTrue(try mss().contains("IPv4 1300"))
    }

    func testTheControlGroupReadsButDoesNotChange() throws {
        try requireUnprivilegedRelayctl()
        try buildTopology()
        let group = try XCTUnwrap(nobodyGroupName, "no group with gid 65534")
        try startRelay(extra: ["--control-group", group])
        XCTAssertEqual(fileMode(runtime)?.mode, 0o750)
        XCTAssertEqual(fileMode(runtime)?.gid, 65534)
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.mode, 0o660)
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.gid, 65534)
        let before = try mss()

        for read in [["status"], ["sessions"], ["mss", "show"], ["status", "--json"]] {
            let out = relayctl(nobody, read)
            XCTAssertEqual(out.status, 0, "\(read) as a member of the control group: \(out.stderr)")
        }
        assertOneLineFailure(relayctl(nobody, ["mss", "set", "1300"]), mentioning: "only root may change the relay",
                             "mss set by the group")
        assertOneLineFailure(relayctl(nobody, ["mss", "set", "off", "--json"]), mentioning: "only root may change",
                             "mss set --json by the group")
        let reload = lab.run(in: routerNS, nobody + [Lab.python, "-c", """
            import socket
            for request in (b'reload\\n', b'end-sessions\\n'):
                s = socket.socket(socket.AF_UNIX)
                s.connect('\(runtime)/control.sock'); s.sendall(request)
                print(s.recv(4096).decode().replace('\\n', ' '))
            """])
        XCTAssertEqual(reload.stdout.components(separatedBy: "only root may change").count, 3, reload.stdout + reload.stderr)
        XCTAssertEqual(try mss(), before)

        // Another unprivileged user, not in the group, cannot connect.
        let stranger = ["setpriv", "--reuid", "65534", "--regid", "1", "--clear-groups"]
        assertOneLineFailure(relayctl(stranger, ["status"]), mentioning: "permission denied", "status outside the group")
    }

    func testTheControlGroupIsSavedAndOldConfigurationsStillLoad() throws {
        try requireUnprivilegedRelayctl()
        try buildTopology()
        let group = try XCTUnwrap(nobodyGroupName, "no group with gid 65534")
        let config = lab.file("etc/relay.json").path
        let enable = lab.run(in: routerNS, [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0", "--runtime-dir",
                                            runtime, "--config", config, "--control-group", group])
        XCTAssertEqual(enable.status, 0, enable.stderr)
        let saved = try String(contentsOfFile: config, encoding: .utf8)
        XCTAssertTrue(saved.contains("\"control_group\" : \"\(group)\""), saved)
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.mode, 0o660)
        XCTAssertEqual(relayctl(nobody, ["status"]).status, 0)
        XCTAssertEqual(lab.run(in: routerNS, [Lab.relayctl, "disable", "--runtime-dir", runtime, "--config", config]).status, 0)

        // Saved before the option existed: no control_group key at all.
        let old = lab.file("old.json").path
        let withoutGroup = saved.split(separator: "\n").filter { !$0.contains("control_group") }.joined(separator: "\n")
        try withoutGroup.write(toFile: old, atomically: true, encoding: .utf8)
        let check = lab.run(in: routerNS, [Lab.relayctl, "daemon", "--check", "--config", old])
        XCTAssertEqual(check.status, 0, check.stderr)

        let unknown = lab.run(in: routerNS, [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0", "--runtime-dir",
                                             runtime, "--config", config, "--control-group", "no-such-group-here"])
        assertOneLineFailure(unknown, mentioning: "no group named no-such-group-here", "an unknown group")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config), "a failed enable saves nothing")
    }
}
