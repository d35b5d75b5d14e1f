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

    /// A fake router tree with a running soft_fast_path whose state lives in var/state.
    func fakeRootWithSoftFastPath(_ name: String = "fakeroot") throws -> String {
        let root = lab.file(name)
        let script = root.appendingPathComponent("etc/init.d/soft_fast_path")
        try FileManager.default.createDirectory(at: script.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("var"), withIntermediateDirectories: true)
        try "on\n".write(to: root.appendingPathComponent("var/state"), atomically: true, encoding: .utf8)
        try """
            #!/bin/sh
            case "$1" in
              running) [ "$(cat "$PPPOE_RELAY_ROOT/var/state")" = on ] ;;
              stop) echo off > "$PPPOE_RELAY_ROOT/var/state" ;;
              start) echo on > "$PPPOE_RELAY_ROOT/var/state" ;;
            esac
            """.write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        return root.path
    }

    func softFastPathState(_ root: String) -> String {
        ((try? String(contentsOfFile: root + "/var/state", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testEnableSwitchesFastPathsOffAndDisableRestoresThem() throws {
        try buildTopology()
        let root = try fakeRootWithSoftFastPath()
        let enable = relayctl(["enable", "--lan", "lan0", "--wan", "wan0", "--root", root])
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertTrue(enable.stdout.hasSuffix("; switched off soft_fast_path\n"), enable.stdout)
        XCTAssertEqual(softFastPathState(root), "off")
        let status = lab.run(in: routerNS, [Lab.relayctl, "fastpath", "status", "--root", root])
        XCTAssertTrue(status.stdout.contains("soft_fast_path: off (switched off by pppoe-relay"), status.stdout)

        let disable = relayctl(["disable", "--root", root])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertTrue(disable.stdout.contains("restored soft_fast_path"), disable.stdout)
        XCTAssertEqual(softFastPathState(root), "on")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/etc/pppoe-relay/fastpath-state.json"))
    }

    /// OpenWrt as far as `enable` can tell: /sbin/procd and an installed /etc/init.d/pppoe-relay,
    /// here a stand-in that logs its calls and runs `relayctl daemon` as procd would.
    func testEnableUsesProcdWhereItIsInstalled() throws {
        try buildTopology()
        let root = try fakeRootWithSoftFastPath("openwrt")
        let config = root + "/etc/pppoe-relay/relay.json"
        try FileManager.default.createDirectory(atPath: root + "/sbin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/etc/init.d", withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(toFile: root + "/sbin/procd", atomically: true, encoding: .utf8)
        try """
            #!/bin/sh
            echo "$1" >> "$PPPOE_RELAY_ROOT/init-calls"
            pidfile="$PPPOE_RELAY_ROOT/daemon.pid"
            # Waits (at most 5 s) for a signalled daemon to end; a zombie has ended.
            gone() {
              n=0
              while kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ] && [ $n -lt 100 ]; do
                sleep 0.05; n=$((n + 1))
              done
            }
            case "$1" in
              restart)
                [ -f "$pidfile" ] && old=$(cat "$pidfile") && kill "$old" 2>/dev/null && gone "$old"
                setsid \(Lab.relayctl) daemon --config "$PPPOE_RELAY_ROOT/etc/pppoe-relay/relay.json" \
                  --root "$PPPOE_RELAY_ROOT" </dev/null >"$PPPOE_RELAY_ROOT/daemon.log" 2>&1 &
                echo $! > "$pidfile" ;;
              stop) [ -f "$pidfile" ] && old=$(cat "$pidfile") && kill "$old" && rm -f "$pidfile" && gone "$old" ;;
            esac
            exit 0
            """.write(toFile: root + "/etc/init.d/pppoe-relay", atomically: true, encoding: .utf8)
        chmod(root + "/sbin/procd", 0o755)
        chmod(root + "/etc/init.d/pppoe-relay", 0o755)

        // Where UCI's section is enabled, that is what runs: enable says so and changes nothing.
        try FileManager.default.createDirectory(atPath: root + "/etc/config", withIntermediateDirectories: true)
        let uci = root + "/etc/config/pppoe-relay"
        try "config relay 'main'\n\toption enabled '1'\n\toption wan 'wan'\n".write(toFile: uci, atomically: true, encoding: .utf8)
        let arguments = [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0", "--root", root,
                         "--config", config, "--runtime-dir", lab.file("run").path]
        let refused = lab.run(in: routerNS, arguments)
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertEqual(refused.stderr, "relayctl: this router configures the relay in /etc/config/pppoe-relay "
            + "(option enabled '1'): change it there and run /etc/init.d/pppoe-relay reload\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/init-calls"), "procd was not asked")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config), "nothing saved")

        try "config relay 'main'\n\toption enabled '0'\n".write(toFile: uci, atomically: true, encoding: .utf8)
        let enable = lab.run(in: routerNS, arguments)
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertTrue(enable.stdout.hasPrefix("enabled:"), enable.stdout)
        XCTAssertEqual(try String(contentsOfFile: root + "/init-calls", encoding: .utf8), "enable\nrestart\n")
        let procdPID = Int(try String(contentsOfFile: root + "/daemon.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(try daemonPID(), procdPID, "the relay is the one procd runs")
        XCTAssertEqual(softFastPathState(root), "off")

        // A reboot: the vendor fast path is back on and procd starts the relay from its script.
        try "on\n".write(toFile: root + "/var/state", atomically: true, encoding: .utf8)
        // Through Python with close_fds: the daemon the script starts must inherit nothing of the
        // test's (Foundation's Process would wait for it, as RelayController knows to avoid).
        let restart = Lab.run(["env", "PPPOE_RELAY_ROOT=\(root)", "ip", "netns", "exec", routerNS, Lab.python, "-c",
                               "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], close_fds=True).returncode)",
                               root + "/etc/init.d/pppoe-relay", "restart"])
        XCTAssertEqual(restart.status, 0, restart.stderr)
        try lab.waitUntil("the restarted relay switched the fast path off again", timeout: 10) {
            try softFastPathState(root) == "off" && daemonPID().map { $0 != procdPID } == true
        }

        let disable = lab.run(in: routerNS, [Lab.relayctl, "disable", "--root", root, "--config", config,
                                             "--runtime-dir", lab.file("run").path])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertTrue(disable.stdout.contains("stopped the procd service"), disable.stdout)
        XCTAssertEqual(try String(contentsOfFile: root + "/init-calls", encoding: .utf8),
                       "enable\nrestart\nrestart\nstop\ndisable\n")
        XCTAssertNil(try daemonPID())
        XCTAssertEqual(softFastPathState(root), "on", "disable restored it")
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

    /// A relay killed with SIGKILL cleans up nothing; `disable` does, and says what.
    func testDisableAfterTheRelayWasKilledSaysWhatItCleanedUp() throws {
        try buildTopology()
        XCTAssertEqual(relayctl(["enable", "--lan", "lan0", "--wan", "wan0"]).status, 0)
        let pid = try XCTUnwrap(try daemonPID(), "enable left no relay that answers status")
        XCTAssertEqual(kill(pid_t(pid), SIGKILL), 0)
        try lab.waitUntil("the killed relay is gone", timeout: 10) { kill(pid_t(pid), 0) != 0 }
        let disable = relayctl(["disable"])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        // The kernel keeps a killed relay's table forwarding (NFT_TABLE_F_PERSIST) for the next
        // daemon to adopt with the journal: disable removes both.
        XCTAssertTrue(disable.stdout.contains("removed leftover nftables table pppoe_relay"), disable.stdout)
        XCTAssertTrue(disable.stdout.contains(
            "removed control.sock, relayd.pid and sessions.journal of a relay that was gone (pid \(pid))"), disable.stdout)
        XCTAssertFalse(lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout.contains("pppoe_relay"))
        XCTAssertTrue(disable.stdout.contains("removed \(configPath)"), disable.stdout)
        XCTAssertEqual(disable.stdout.split(separator: "\n").count, 1)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: lab.file("run").path)) ?? []
        XCTAssertFalse(left.contains("control.sock") || left.contains("relayd.pid") || left.contains("sessions.journal"), "\(left)")
    }

    func testAFailedEnableLeavesNothingBehind() throws {
        try buildTopology()
        let missing = relayctl(["enable", "--lan", "lan0", "--wan", "nosuch0"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "relayctl: no such interface: nosuch0\n")

        // The daemon itself fails after it was started: the kernel refuses nf_tables.
        let root = try fakeRootWithSoftFastPath()
        let refused = lab.run(in: routerNS, ["setpriv", "--bounding-set", "-net_admin", Lab.relayctl, "enable",
                                             "--lan", "lan0", "--wan", "wan0", "--dataplane", "kernel", "--root", root]
                                             + common)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("relayctl: kernel dataplane unavailable"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1)

        XCTAssertNil(try daemonPID())
        XCTAssertFalse(FileManager.default.fileExists(atPath: configPath), "no configuration saved")
        XCTAssertEqual(softFastPathState(root), "on", "the fast path switched off for the start is back on")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/etc/pppoe-relay/fastpath-state.json"))
        XCTAssertFalse(lab.run(in: routerNS, ["nft", "list", "ruleset"]).stdout.contains("pppoe_relay"))
    }

    /// An enable that fails after it stopped the running relay puts that relay back, with its own
    /// configuration, and leaves the fast paths off under it.
    func testAFailedEnableRestartsTheRelayItReplaced() throws {
        try buildTopology()
        let root = try fakeRootWithSoftFastPath()
        XCTAssertEqual(relayctl(["enable", "--lan", "lan0", "--wan", "wan0", "--dataplane", "userspace",
                                 "--root", root]).status, 0)
        let pid = try XCTUnwrap(try daemonPID())
        let saved = try String(contentsOfFile: configPath, encoding: .utf8)

        let refused = lab.run(in: routerNS, ["setpriv", "--bounding-set", "-net_admin", Lab.relayctl, "enable",
                                             "--lan", "lan0", "--wan", "wan0", "--dataplane", "kernel", "--root", root]
                                             + common)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("relayctl: kernel dataplane unavailable"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("the previous relay runs again"), refused.stderr)

        let restarted = try XCTUnwrap(try daemonPID(), "a relay runs again")
        XCTAssertNotEqual(restarted, pid)
        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["dataplane"] as? String, "userspace")
        XCTAssertEqual(try String(contentsOfFile: configPath, encoding: .utf8), saved, "the saved configuration is the old one")
        XCTAssertEqual(softFastPathState(root), "off", "still off: a relay runs")
        XCTAssertEqual(relayctl(["disable", "--root", root]).status, 0)
        XCTAssertEqual(softFastPathState(root), "on")
    }

    /// A fast path that will not come back makes disable fail, but not half-way: the relay is
    /// stopped and the configuration gone, so the next boot does not start the relay again.
    func testADisableWhoseFastPathWillNotComeBackStillDisablesTheRest() throws {
        try buildTopology()
        let root = try fakeRootWithSoftFastPath()
        XCTAssertEqual(relayctl(["enable", "--lan", "lan0", "--wan", "wan0", "--root", root]).status, 0)
        let script = root + "/etc/init.d/soft_fast_path"
        try "#!/bin/sh\n[ \"$1\" = start ] && exit 1\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)

        let disable = relayctl(["disable", "--root", root])
        XCTAssertEqual(disable.status, 1)
        XCTAssertEqual(disable.stderr.split(separator: "\n").count, 1, disable.stderr)
        XCTAssertTrue(disable.stderr.contains("cannot restore soft_fast_path"), disable.stderr)
        XCTAssertTrue(disable.stderr.contains("removed \(configPath)"), disable.stderr)
        XCTAssertNil(try daemonPID())
        XCTAssertFalse(FileManager.default.fileExists(atPath: configPath), "the next boot starts nothing")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/etc/pppoe-relay/fastpath-state.json"),
                      "what is still to restore is remembered")
    }

    func testABadEnableKeepsTheRunningRelay() throws {
        try buildTopology()
        XCTAssertEqual(relayctl(["enable", "--lan", "lan0", "--wan", "wan0"]).status, 0)
        let pid = try XCTUnwrap(try daemonPID(), "enable left no relay that answers status")
        let typo = relayctl(["enable", "--lan", "lan0", "--wan", "wan9"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertEqual(try daemonPID(), pid, "a typo does not cost the running relay")
        XCTAssertEqual(relayctl(["disable"]).status, 0)
    }
}
