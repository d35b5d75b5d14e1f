import Foundation
import XCTest

/// The runtime directory as a local attacker would prepare it: a link to elsewhere, a directory
/// anyone may write, one they own, links planted for the pid file and the log, a pid file
/// naming their victim. Root must follow none of it, and two relays never share a directory.
final class RuntimeDirectoryTests: LabTestCase {
    /// A relay that must refuse to start; bounded, so one that starts anyway fails the test
    /// instead of hanging it.
    func run(_ runtime: String, _ extra: [String] = []) -> Lab.Output {
        lab.run(in: routerNS, ["timeout", "10", Lab.relayctl, "run", "--lan", "lan0", "--wan", "wan0", "--runtime-dir", runtime] + extra)
    }

    func makeDirectory(_ name: String, mode: mode_t, owner: uid_t = 0) throws -> String {
        let path = lab.file(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(path, mode), 0)
        XCTAssertEqual(chown(path, owner, owner), 0)
        return path
    }

    func testUnsafeDirectoriesAreRefused() throws {
        try buildTopology()
        let target = try makeDirectory("elsewhere", mode: 0o700)
        let link = lab.file("linked").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        assertOneLineFailure(run(link), mentioning: "is a symbolic link", "a symlinked runtime directory")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), [], "nothing made behind the link")

        let open = try makeDirectory("world", mode: 0o777)
        assertOneLineFailure(run(open), mentioning: "writable by group or others (mode 0777)", "a world-writable directory")
        let groupWritable = try makeDirectory("group", mode: 0o770)
        assertOneLineFailure(run(groupWritable), mentioning: "writable by group or others", "a group-writable directory")

        let foreign = try makeDirectory("foreign", mode: 0o700, owner: 65534)
        assertOneLineFailure(run(foreign), mentioning: "owned by uid 65534, not root", "a foreign-owned directory")

        // Inside a directory anyone may write (not sticky), the runtime directory itself could be
        // swapped for another: refused before it is even created.
        let parent = try makeDirectory("shared", mode: 0o777)
        assertOneLineFailure(run(parent + "/run"), mentioning: "above runtime directory", "under a world-writable parent")
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/run"))
        for path in [open, groupWritable, foreign] {
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path), [], "\(path) was left alone")
        }

        // Under a sticky world-writable directory (like /tmp) a root-owned one is fine.
        let sticky = try makeDirectory("sticky", mode: 0o1777)
        let relay = try lab.spawn("relay", in: routerNS, [Lab.relayctl, "run", "--lan", "lan0", "--wan", "wan0",
                                                          "--runtime-dir", sticky + "/run", "--dataplane", dataplane])
        try lab.waitUntil("the relay answers", timeout: 10) {
            lab.run(in: routerNS, [Lab.relayctl, "status", "--runtime-dir", sticky + "/run"]).status == 0
        }
        XCTAssertEqual(fileMode(sticky + "/run")?.mode, 0o700)
        XCTAssertTrue(relay.isRunning)
    }

    func testPlantedLinksAreNotFollowed() throws {
        try buildTopology()
        let runtime = try makeDirectory("run", mode: 0o700)
        let victim = lab.file("victim").path, victimLog = lab.file("victim-log").path
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        try "precious log\n".write(toFile: victimLog, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: runtime + "/relayd.pid", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: runtime + "/relayd.log", withDestinationPath: victimLog)

        // enable's detached launch writes the daemon's output to relayd.log, and the daemon its pid.
        let config = lab.file("etc/relay.json").path
        let enable = lab.run(in: routerNS, [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0",
                                            "--runtime-dir", runtime, "--config", config])
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertEqual(try String(contentsOfFile: victimLog, encoding: .utf8), "precious log\n")
        let pid = try XCTUnwrap(try lab.query(routerNS, "status") as? [String: Any])["pid"] as? Int
        let pidFile = try FileManager.default.attributesOfItem(atPath: runtime + "/relayd.pid")
        XCTAssertEqual(pidFile[.type] as? FileAttributeType, .typeRegular)
        XCTAssertEqual(try String(contentsOfFile: runtime + "/relayd.pid", encoding: .utf8), "\(pid ?? -1)\n")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: runtime + "/relayd.log")[.type]
                       as? FileAttributeType, .typeRegular)
        let disable = lab.run(in: routerNS, [Lab.relayctl, "disable", "--runtime-dir", runtime, "--config", config])
        XCTAssertEqual(disable.status, 0, disable.stderr)
    }

    func testDisableSignalsOnlyOurDaemon() throws {
        try buildTopology()
        let runtime = try makeDirectory("run", mode: 0o700)
        let config = lab.file("etc/relay.json").path
        let sleeper = try lab.spawn("sleep", in: routerNS, ["sleep", "60"])
        try "\(sleeper.processIdentifier)\n".write(toFile: runtime + "/relayd.pid", atomically: true, encoding: .utf8)
        let disable = lab.run(in: routerNS, [Lab.relayctl, "disable", "--runtime-dir", runtime, "--config", config])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertFalse(disable.stdout.contains("stopped relay"), disable.stdout)
        XCTAssertTrue(sleeper.isRunning, "disable killed the process a pid file named")

        // A socket that answers with somebody else's pid: a status report, as a relay would send
        // it, from a fake server.
        let relay = try startRelay()
        let report = lab.relayctl(in: routerNS, ["status", "--json"]).stdout
        lab.signal(relay, SIGTERM)
        relay.waitUntilExit()
        var forged = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        forged["pid"] = Int(sleeper.processIdentifier)
        try JSONSerialization.data(withJSONObject: forged).write(to: lab.file("forged.json"))
        try lab.spawn("fake", in: routerNS, [Lab.python, "-c", """
            import os, socket, sys
            path = sys.argv[1]
            s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
            answer = open(sys.argv[2], 'rb').read()
            while True:
                c, _ = s.accept(); c.recv(256); c.sendall(answer); c.close()
            """, runtime + "/control.sock", lab.file("forged.json").path])
        try lab.waitUntil("the fake relay answers", timeout: 5) {
            lab.relayctl(in: routerNS, ["status"]).stdout.contains("pid: \(sleeper.processIdentifier)")
        }
        let refused = lab.run(in: routerNS, [Lab.relayctl, "disable", "--runtime-dir", runtime, "--config", config])
        assertOneLineFailure(refused, mentioning: "which is not a relay", "disable against a forged pid")
        XCTAssertTrue(sleeper.isRunning, "disable killed the process a socket named")
    }

    /// What init systems run names only its configuration, not the runtime directory: disable
    /// knows it as the directory's daemon by the lock it holds.
    func testDisableStopsTheDaemonHoldingTheLock() throws {
        try buildTopology()
        let runtime = lab.file("run").path, config = lab.file("relay.json").path, root = lab.file("root").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try """
            {"lanInterfaces": ["lan0"], "wanInterface": "wan0", "dataplane": "\(dataplane)", "maxSessions": 100,
             "idleTimeout": 600, "mss": "auto", "runtimeDirectory": "\(runtime)"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try lab.spawn("relay", in: routerNS, [Lab.relayctl, "daemon", "--config", config, "--root", root])
        try lab.waitUntil("the daemon answers", timeout: 10) { lab.relayctl(in: routerNS, ["status"]).status == 0 }
        let disable = lab.run(in: routerNS, [Lab.relayctl, "disable", "--runtime-dir", runtime, "--config", config,
                                             "--root", root])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertTrue(disable.stdout.contains("stopped relay pid \(daemon.processIdentifier)"), disable.stdout)
        try lab.waitUntil("the daemon is gone", timeout: 5) { !daemon.isRunning }
    }

    func testTwoDaemonsCannotShareADirectory() throws {
        try buildTopology()
        let first = try startRelay(extra: ["--mss", "1400"])
        let runtime = lab.file("run").path
        let second = run(runtime, ["--dataplane", dataplane])
        XCTAssertEqual(second.stderr,
                       "relayctl: a relay is already running with runtime directory \(runtime) (pid \(first.processIdentifier))\n")
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(first.isRunning)
        // The first still owns its socket and pid file: the second touched neither.
        XCTAssertTrue(lab.relayctl(in: routerNS, ["mss", "show"]).stdout.contains("IPv4 1400"))
        XCTAssertEqual(try String(contentsOfFile: runtime + "/relayd.pid", encoding: .utf8), "\(first.processIdentifier)\n")
        XCTAssertEqual(fileMode(runtime + "/control.sock")?.mode, 0o600)

        // Once it is gone (even by SIGKILL, which leaves its files), the directory is free again.
        lab.signal(first, SIGKILL)
        first.waitUntilExit()
        let next = try lab.spawn("relay2", in: routerNS, [Lab.relayctl, "run", "--lan", "lan0", "--wan", "wan0",
                                                          "--runtime-dir", runtime, "--dataplane", dataplane])
        try lab.waitUntil("a new relay answers", timeout: 10) {
            (try? lab.query(routerNS, "status") as? [String: Any])?["pid"] as? Int == Int(next.processIdentifier)
        }
    }
}
