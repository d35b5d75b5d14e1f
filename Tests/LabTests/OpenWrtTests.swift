import Foundation
import XCTest

/// The real procd init script and netifd hotplug hook, run against the stand-ins in
/// Tests/OpenWrtStandIns (UCI, network.sh, rc.common, procd) with a stand-in relayctl that
/// records what it is asked. No root needed.
final class OpenWrtTests: XCTestCase {
    static let standIns = Lab.root.appendingPathComponent("Tests/OpenWrtStandIns").path

    var directory: URL!
    /// A copy of the stand-ins: the router's root as far as the scripts go (rc.d links land here).
    var root: String { directory.appendingPathComponent("root").path }
    var log: String { directory.appendingPathComponent("log").path }
    var initScript: String { root + "/etc/init.d/pppoe-relay" }
    var hook: String { directory.appendingPathComponent("90-pppoe-relay").path }
    var runtime: String { directory.appendingPathComponent("run").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("openwrt-\(UUID().uuidString)")
        for sub in ["config", "netifd", "procd", "run"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub),
                                                    withIntermediateDirectories: true)
        }
        XCTAssertEqual(Lab.run(["cp", "-R", Self.standIns, root]).status, 0)
        try FileManager.default.createDirectory(atPath: root + "/etc/init.d", withIntermediateDirectories: true)
        // A stand-in relayctl: records its arguments; `daemon` runs until SIGTERM and takes a
        // moment to end (as the real one does, sending PADT); `fastpath restore` records whether
        // that daemon was still alive. The half second in its TERM trap is that slow ending, not
        // a wait for something: the init script's stop must outwait it, and the tests check so.
        try """
            #!/bin/sh
            case "$1" in
              daemon)
                case "$*" in *--check*) exit 0 ;; esac
                echo $$ > '\(runtime)/relayd.pid'
                trap 'sleep 0.5; echo "daemon exited" >> "\(log)"; exit 0' TERM
                while :; do sleep 0.05; done ;;
              fastpath)
                pid=$(cat '\(runtime)/relayd.pid' 2>/dev/null)
                if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then state="daemon alive"; else state="daemon gone"; fi
                echo "relayctl $* ($state)" >> "\(log)" ;;
              *) [ -n "$STANDIN_DELAY" ] && sleep "$STANDIN_DELAY"
                 echo "relayctl $*" >> "\(log)" ;;
            esac
            """.write(to: directory.appendingPathComponent("relayctl"), atomically: true, encoding: .utf8)
        chmod(directory.appendingPathComponent("relayctl").path, 0o755)
        try installed("init/openwrt/pppoe-relay", at: initScript)
        try installed("hotplug.d/iface/90-pppoe-relay", at: hook)
        // netifd's view: wan is the router's own PPPoE on eth1 (its layer-3 device pppoe-wan),
        // lan the bridge br-lan.
        try netifd("wan", "device=eth1\nl3_device=pppoe-wan\nup=1\n")
        try netifd("lan", "device=br-lan\nup=1\n")
    }

    override func tearDownWithError() throws {
        if let pid = try? String(contentsOfFile: directory.appendingPathComponent("procd/pppoe-relay.pid").path,
                                 encoding: .utf8), let number = pid_t(pid.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(number, SIGKILL)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func installed(_ source: String, at path: String) throws {
        let text = try String(contentsOf: Lab.root.appendingPathComponent(source), encoding: .utf8)
            .replacingOccurrences(of: "@SBINDIR@/relayctl", with: directory.appendingPathComponent("relayctl").path)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func netifd(_ interface: String, _ state: String) throws {
        try state.write(to: directory.appendingPathComponent("netifd/\(interface)"), atomically: true, encoding: .utf8)
    }

    func uci(_ text: String) throws {
        try text.write(to: directory.appendingPathComponent("config/pppoe-relay"), atomically: true, encoding: .utf8)
    }

    /// Foundation's Process leaves the test's pipes open in the child under other numbers; what
    /// the scripts put in the background would hold them. Python's close_fds gives the scripts
    /// only 0, 1 and 2, as procd and netifd do.
    static let closingFDs = [Lab.python, "-c",
                             "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], close_fds=True).returncode)"]

    var environment: [String] {
        ["IPKG_INSTROOT=\(root)", "UCI_CONFIG_DIR=\(directory.appendingPathComponent("config").path)",
         "NETIFD_STATE=\(directory.appendingPathComponent("netifd").path)", "PROCD_LOG=\(log)",
         "PROCD_STATE=\(directory.appendingPathComponent("procd").path)", "RELAYCTL_RUNTIME_DIR=\(runtime)",
         "RELAYCTL_CONFIG=\(directory.appendingPathComponent("relay.json").path)"]
    }

    @discardableResult
    func service(_ action: String, run: Bool = false) -> Lab.Output {
        Lab.run(["env"] + environment + (run ? ["PROCD_RUN=1"] : [])
                + Self.closingFDs + ["sh", root + "/etc/rc.common", initScript, action])
    }

    func logLines() -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func clearLog() { unlink(log) }

    /// The command procd was given for the instance, one argument an element.
    func instanceCommand() -> [String]? {
        (try? String(contentsOf: directory.appendingPathComponent("procd/pppoe-relay.command"), encoding: .utf8))
            .map { $0.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    static let fullUCI = """
        config relay 'main'
        \toption enabled '1'
        \toption wan 'wan'
        \tlist lan 'lan'
        \tlist lan 'wlan0'
        \toption dataplane 'userspace'
        \toption max_sessions '100'
        \toption idle_timeout '30'
        \toption mss '1400'
        \toption max_sessions_per_client '2'
        \toption padi_rate '50'
        \toption padi_rate_per_client '4'
        \tlist ac_name 'ISP "AC" $(reboot) one'
        \tlist service_name 'internet'

        """

    func testStartTranslatesUCIIntoTheDaemonsCommandWithDevicesResolved() throws {
        try uci(Self.fullUCI)
        let start = service("start")
        XCTAssertEqual(start.status, 0, start.stderr)
        let relayctl = directory.appendingPathComponent("relayctl").path
        let command = try XCTUnwrap(instanceCommand())
        // wan is resolved to the device under the router's own PPPoE (eth1, never pppoe-wan), lan
        // to its bridge; wlan0 is no logical interface and is taken as a device.
        XCTAssertEqual(command, [relayctl, "daemon", "--wan", "eth1", "--lan", "br-lan", "--lan", "wlan0",
                                 "--dataplane", "userspace", "--max-sessions", "100", "--idle-timeout", "30",
                                 "--mss", "1400", "--max-sessions-per-client", "2", "--padi-rate", "50",
                                 "--padi-rate-per-client", "4", "--ac-name", "ISP \"AC\" $(reboot) one",
                                 "--service-name", "internet", "--runtime-dir", runtime])
        let lines = logLines()
        XCTAssertTrue(lines.contains("param respawn 3600 5 5"), "\(lines)")
        XCTAssertTrue(lines.contains("reload_trigger pppoe-relay"), "\(lines)")
        for name in ["wan", "lan", "wlan0"] {
            XCTAssertTrue(lines.contains("interface_trigger interface.* \(name) /etc/init.d/pppoe-relay reload"),
                          "\(name): \(lines)")
        }
        XCTAssertEqual(lines.filter { $0.hasPrefix("interface_trigger") }.count, 3, "one trigger each: \(lines)")
        XCTAssertTrue(lines.contains("instance started"), "\(lines)")

        // The real relayctl takes exactly that command line.
        guard FileManager.default.isExecutableFile(atPath: Lab.relayctl) else { throw XCTSkip("relayctl is not built") }
        let check = Lab.run([Lab.relayctl] + command.dropFirst() + ["--check"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "configuration OK: lan br-lan,wlan0 <-> wan eth1, dataplane userspace\n")
    }

    func testADisabledOrIncompleteConfigurationRunsNothing() throws {
        try uci(Self.fullUCI.replacingOccurrences(of: "option enabled '1'", with: "option enabled '0'"))
        XCTAssertEqual(service("start").status, 0)
        XCTAssertNil(instanceCommand())
        XCTAssertFalse(logLines().contains { $0.hasPrefix("interface_trigger") }, "\(logLines())")

        try uci("config relay 'main'\n\toption enabled 'yes'\n\toption wan 'wan'\n")
        let incomplete = service("start")
        XCTAssertTrue(incomplete.stderr.contains("needs option wan and list lan"), incomplete.stderr)
        XCTAssertNil(instanceCommand())
    }

    /// A modem section (with the relay's disabled) runs `relayctl daemon modem`.
    func testAModemSectionRunsTheModemDaemon() throws {
        try uci(Self.fullUCI.replacingOccurrences(of: "option enabled '1'", with: "option enabled '0'") + """
            config modem 'modem'
            \toption enabled '1'
            \toption lan 'lan'
            \toption device '/dev/ttyUSB2'
            \toption baud '460800'
            \toption ac_name 'loft'
            \tlist service 'internet'
            \tlist service 'backup'
            \toption idle_timeout '120'

            """)
        let start = service("start")
        XCTAssertEqual(start.status, 0, start.stderr)
        let relayctl = directory.appendingPathComponent("relayctl").path
        let command = try XCTUnwrap(instanceCommand())
        XCTAssertEqual(command, [relayctl, "daemon", "modem", "--lan", "br-lan", "--device", "/dev/ttyUSB2",
                                 "--ac-name", "loft", "--service", "internet", "--service", "backup", "--baud", "460800",
                                 "--idle-timeout", "120", "--runtime-dir", runtime])
        XCTAssertTrue(logLines().contains("interface_trigger interface.* lan /etc/init.d/pppoe-relay reload"), "\(logLines())")
        guard FileManager.default.isExecutableFile(atPath: Lab.relayctl) else { throw XCTSkip("relayctl is not built") }
        let check = Lab.run([Lab.relayctl] + command.dropFirst() + ["--check"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "configuration OK: lan br-lan <-> modem /dev/ttyUSB2 at 460800 baud\n")

        try uci("config modem 'modem'\n\toption enabled '1'\n\toption lan 'lan'\n")
        let incomplete = service("start")
        XCTAssertTrue(incomplete.stderr.contains("needs options lan, device, ac_name and list service"), incomplete.stderr)
    }

    /// Without an enabled UCI section, what `relayctl enable` saved runs, as on systemd.
    func testWithoutUCITheSavedJSONConfigurationRuns() throws {
        try "{}".write(to: directory.appendingPathComponent("relay.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(service("start").status, 0)
        XCTAssertEqual(instanceCommand()?.dropFirst(), ["daemon", "--config", directory.appendingPathComponent("relay.json").path])
    }

    func testReloadRestartsWithTheChangedConfigurationAndOnlyThen() throws {
        try uci(Self.fullUCI)
        XCTAssertEqual(service("start", run: true).status, 0)
        let first = try XCTUnwrap(instanceCommand())

        clearLog()
        XCTAssertEqual(service("reload", run: true).status, 0)
        XCTAssertEqual(instanceCommand(), first)
        XCTAssertTrue(logLines().contains("instance unchanged"), "\(logLines())")
        XCTAssertTrue(logLines().contains("relayctl reload --runtime-dir \(runtime)"), "\(logLines())")

        // The UCI file changed: the relay restarts with it.
        clearLog()
        try uci(Self.fullUCI.replacingOccurrences(of: "'userspace'", with: "'kernel'"))
        XCTAssertEqual(service("reload", run: true).status, 0)
        XCTAssertTrue(logLines().contains("instance replaced"), "\(logLines())")
        XCTAssertEqual(instanceCommand()?.firstIndex(of: "kernel").map { instanceCommand()![$0 - 1] }, "--dataplane")
        // The replaced relay was told first that its stop is a restart (it keeps its sessions for
        // the new one), and the relay that runs afterwards that a stop ends them again.
        let prepare = logLines().firstIndex(of: "relayctl restart --prepare --runtime-dir \(runtime)")
        let replaced = logLines().firstIndex(of: "instance replaced")
        let cancel = logLines().firstIndex(of: "relayctl restart --cancel --runtime-dir \(runtime)")
        XCTAssertNotNil(prepare, "\(logLines())")
        XCTAssertLessThan(prepare ?? .max, replaced ?? .min, "\(logLines())")
        XCTAssertLessThan(replaced ?? .max, cancel ?? .min, "\(logLines())")

        // So did the device behind a logical interface.
        clearLog()
        try netifd("wan", "device=eth2\nl3_device=pppoe-wan\nup=1\n")
        XCTAssertEqual(service("reload", run: true).status, 0)
        XCTAssertTrue(logLines().contains("instance replaced"), "\(logLines())")
        XCTAssertEqual(Array(try XCTUnwrap(instanceCommand())[2...3]), ["--wan", "eth2"])

        // Disabled in UCI: a reload stops it.
        clearLog()
        try uci(Self.fullUCI.replacingOccurrences(of: "option enabled '1'", with: "option enabled '0'"))
        XCTAssertEqual(service("reload", run: true).status, 0)
        XCTAssertTrue(logLines().contains("instance stopped"), "\(logLines())")
        XCTAssertNil(instanceCommand())
    }

    /// rc.common's stop is stop_service, procd_kill, service_stopped; procd_kill returns before
    /// the daemon (busy sending PADT) is gone. Fast paths come back only after it is.
    func testStopRestoresFastPathsOnlyAfterTheDaemonIsGone() throws {
        try uci(Self.fullUCI)
        XCTAssertEqual(service("start", run: true).status, 0)
        let pidFile = runtime + "/relayd.pid"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: pidFile), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: pidFile), "the instance runs")

        clearLog()
        let stop = service("stop", run: true)
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(logLines(), ["stop_service", "procd_kill pppoe-relay", "service_stopped", "daemon exited",
                                    "relayctl fastpath restore (daemon gone)"])
    }

    /// A relay that stopped for a restart left its journal: the next one adopts its sessions and
    /// switches the fast paths off again, so they are not switched on in between.
    func testAStopForARestartLeavesTheFastPathsOff() throws {
        try uci(Self.fullUCI)
        XCTAssertEqual(service("start", run: true).status, 0)
        let pidFile = runtime + "/relayd.pid"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: pidFile), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try "pppoe-relay journal 1\n".write(toFile: runtime + "/sessions.journal", atomically: true, encoding: .utf8)

        clearLog()
        XCTAssertEqual(service("stop", run: true).status, 0)
        XCTAssertEqual(logLines(), ["stop_service", "procd_kill pppoe-relay", "service_stopped", "daemon exited"])
    }

    func testEnableAndDisableManageTheBootLinks() throws {
        let enable = service("enable")
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertEqual(service("enabled").status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/etc/rc.d/S95pppoe-relay"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/etc/rc.d/K10pppoe-relay"))
        XCTAssertEqual(service("disable").status, 0)
        XCTAssertNotEqual(service("enabled").status, 0)
    }

    // MARK: the hotplug hook

    /// Runs the hook as netifd does: environment only, DEVICE absent where netifd gives none.
    @discardableResult
    func hotplug(_ action: String, _ interface: String, _ device: String?, delay: String? = nil) -> (Lab.Output, TimeInterval) {
        let started = Date()
        let out = Lab.run(["env"] + environment + ["ACTION=\(action)", "INTERFACE=\(interface)"]
                          + (device.map { ["DEVICE=\($0)"] } ?? []) + (delay.map { ["STANDIN_DELAY=\($0)"] } ?? [])
                          + Self.closingFDs + ["sh", hook])
        return (out, Date().timeIntervalSince(started))
    }

    /// A socket where the running relay's would be: the hook's "is it running" test.
    func relayRunning() throws {
        let socket = runtime + "/control.sock"
        let made = Lab.run([Lab.python, "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket])
        XCTAssertEqual(made.status, 0, made.stderr)
    }

    /// Waits (the hook hands relayctl to the background) until the log has `count` lines.
    func waitForLog(_ count: Int) {
        let deadline = Date().addingTimeInterval(10)
        while logLines().count < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    func testTheHookActsOnTheConfiguredLogicalWANOnly() throws {
        try uci(Self.fullUCI)
        try relayRunning()
        let ownArguments = "--wan wan --runtime-dir \(runtime)"

        // ifdown carries no DEVICE: the logical name decides.
        XCTAssertEqual(hotplug("ifdown", "wan", nil).0.status, 0)
        waitForLog(1)
        XCTAssertEqual(logLines(), ["relayctl hotplug --action ifdown --interface wan --device  \(ownArguments)"])

        clearLog()
        hotplug("ifup", "wan", "pppoe-wan")
        waitForLog(1)
        XCTAssertEqual(logLines(), ["relayctl hotplug --action ifup --interface wan --device pppoe-wan \(ownArguments)"])

        // Other interfaces, the router's PPPoE device under another name, other actions: nothing.
        clearLog()
        hotplug("ifup", "lan", "br-lan")
        hotplug("ifdown", "wan6", nil)
        hotplug("ifup", "wan6", "pppoe-wan")
        hotplug("ifupdate-addr", "wan", "pppoe-wan")
        hotplug("update", "wan", "eth1")
        // A marker call after them: once it is logged, the ones before would have been too.
        hotplug("ifupdate", "wan", "pppoe-wan")
        waitForLog(1)
        XCTAssertEqual(logLines(), ["relayctl hotplug --action ifupdate --interface wan --device pppoe-wan \(ownArguments)"])
    }

    func testTheHookMatchesAConfiguredDeviceOnlyByThatDevice() throws {
        try uci("config relay 'main'\n\toption enabled '1'\n\toption wan 'eth1'\n\tlist lan 'lan'\n")
        try relayRunning()
        hotplug("ifup", "wan", "pppoe-wan")
        hotplug("ifup", "wan_eth", "eth1")
        waitForLog(1)
        XCTAssertEqual(logLines(), ["relayctl hotplug --action ifup --interface wan_eth --device eth1 --wan eth1 --runtime-dir \(runtime)"])
    }

    /// Disabled in UCI, or not running: the hook does nothing at all, so it can start nothing.
    func testTheHookNeverStartsOrEnablesTheRelay() throws {
        try uci(Self.fullUCI.replacingOccurrences(of: "option enabled '1'", with: "option enabled '0'"))
        try relayRunning()
        for action in ["ifup", "ifupdate", "ifdown"] { XCTAssertEqual(hotplug(action, "wan", "pppoe-wan").0.status, 0) }
        try uci(Self.fullUCI)
        unlink(runtime + "/control.sock")
        for action in ["ifup", "ifupdate", "ifdown"] { XCTAssertEqual(hotplug(action, "wan", "pppoe-wan").0.status, 0) }
        // The marker: enabled and running again; its line is the only one.
        try relayRunning()
        hotplug("ifup", "wan", "pppoe-wan")
        waitForLog(1)
        XCTAssertEqual(logLines().count, 1, "\(logLines())")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("procd/pppoe-relay.command").path))
    }

    /// netifd waits for each hotplug call: a relayctl that takes seconds must not hold it.
    func testTheHookReturnsAtOnceWhateverRelayctlTakes() throws {
        try uci(Self.fullUCI)
        try relayRunning()
        let (out, seconds) = hotplug("ifdown", "wan", nil, delay: "3")
        XCTAssertEqual(out.status, 0)
        XCTAssertLessThan(seconds, 1.5, "the hook waited for relayctl")
        waitForLog(1)
        XCTAssertEqual(logLines().count, 1, "relayctl still ran")
    }

    /// Enabled with `relayctl enable` (JSON, no UCI section): relayctl reads the saved file.
    func testWithoutUCITheHookHandsTheEventToRelayctl() throws {
        hotplug("ifdown", "wan", nil)
        try "{}".write(to: directory.appendingPathComponent("relay.json"), atomically: true, encoding: .utf8)
        hotplug("ifup", "wan", "eth1")
        waitForLog(1)
        XCTAssertEqual(logLines(), ["relayctl hotplug --action ifup --interface wan --device eth1"])
    }
}
