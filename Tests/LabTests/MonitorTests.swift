import Foundation
import XCTest

/// `relayctl monitor` on a relay carrying a session with LCP echoes flowing: through a pipe
/// (text blocks, JSON lines) and in a real terminal (tmux: the screen redraws with moving
/// rates, q and Ctrl-C quit, the terminal comes back as it was).
final class MonitorTests: LabTestCase {
    func startSessionWithTraffic() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2000, interval: 0.02)
        try waitForReplies("client", atLeast: 5)
    }

    func testThroughAPipeItPrintsOneBlockPerIntervalAndJSONLines() throws {
        try startSessionWithTraffic()
        let clientMAC = try lab.mac(client1NS, "cl0")
        let text = lab.relayctl(in: routerNS, ["monitor", "--interval", "0.5", "--count", "2"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let blocks = text.stdout.components(separatedBy: "relay pid ").dropFirst()
        XCTAssertEqual(blocks.count, 2, text.stdout)
        for block in blocks {
            XCTAssertTrue(block.contains("userspace dataplane"), block)
            XCTAssertTrue(block.contains("overall over 0.5 s: to AC "), block)
            let row = try XCTUnwrap(block.split(separator: "\n").first { $0.contains(clientMAC) }, block)
            // Echo-Requests every 20 ms each way: the rate columns are not zero.
            let columns = row.split(separator: " ")
            XCTAssertNotEqual(columns[3], "0", String(row))
            XCTAssertNotEqual(columns[5], "0", String(row))
        }
        XCTAssertFalse(text.stdout.contains("\u{1B}"), "no terminal control codes into a pipe")

        let json = lab.relayctl(in: routerNS, ["monitor", "--interval", "0.5", "--count", "2", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, json.stdout)
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["schema_version"] as? Int, 1)
            let interval = try XCTUnwrap(object["interval_seconds"] as? Double)
            XCTAssertEqual(interval, 0.5, accuracy: 0.2)
            let session = try XCTUnwrap((object["sessions"] as? [[String: Any]])?.first)
            XCTAssertEqual(session["client_mac"] as? String, clientMAC)
            let rates = try XCTUnwrap(session["rates"] as? [String: Double])
            // 50 Echo-Requests a second, give or take the lab's scheduling.
            XCTAssertGreaterThan(rates["packets_per_second_to_ac"] ?? 0, 10, "\(rates)")
            XCTAssertGreaterThan(rates["bits_per_second_to_client"] ?? 0, 1000, "\(rates)")
        }
    }

    /// A relay that stops while watched ends the monitor as no relay does: one line, exit 3.
    func testARelayThatStopsEndsTheMonitorWithThree() throws {
        try buildTopology()
        let relay = try startRelay()
        let monitor = try lab.spawn("monitor", in: routerNS, [Lab.relayctl, "monitor", "--interval", "0.3",
                                                             "--runtime-dir", lab.file("run").path])
        try lab.waitUntil("the monitor prints a block", timeout: 5) { lab.text("monitor.out").contains("relay pid") }
        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the monitor exits", timeout: 5) { !monitor.isRunning }
        XCTAssertEqual(monitor.terminationStatus, 3)
        XCTAssertEqual(lab.text("monitor.err").split(separator: "\n").count, 1, lab.text("monitor.err"))
    }

    func testWithoutARelayItExitsThree() throws {
        try buildTopology()
        let out = lab.relayctl(in: routerNS, ["monitor", "--count", "1"])
        XCTAssertEqual(out.status, 3)
        XCTAssertEqual(out.stdout, "")
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, out.stderr)
        let bad = lab.relayctl(in: routerNS, ["monitor", "--interval", "0"])
        XCTAssertEqual(bad.status, 2)
    }

    // MARK: tmux

    /// A tmux server of the test's own (its socket in the lab's directory), killed at the end.
    func tmux(_ arguments: [String]) -> Lab.Output {
        Lab.run(["tmux", "-S", lab.file("tmux.sock").path] + arguments)
    }

    /// Starts the monitor in a 150x40 tmux window; the shell around it writes the exit status
    /// and the terminal's settings after it returns.
    func startMonitorInTmux() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("the terminal test needs tmux: run scripts/setup")
        }
        addTeardownBlock { [lab] in _ = lab.map { Lab.run(["tmux", "-S", $0.file("tmux.sock").path, "kill-server"]) } }
        let runtime = lab.file("run").path
        let done = lab.file("monitor.done").path
        let command = "stty -a > '\(lab.file("stty.before").path)'; ip netns exec \(routerNS) \(Lab.relayctl) monitor "
            + "--interval 0.5 --runtime-dir '\(runtime)'; echo $? > '\(done).tmp'; stty -a > '\(lab.file("stty.after").path)'; "
            + "mv '\(done).tmp' '\(done)'; sleep 30"
        try command.write(to: lab.file("monitor.sh"), atomically: true, encoding: .utf8)
        // The tmux server started here must inherit none of this process's descriptors: Foundation's
        // Process waits on some (pipes, its exit-watching socket) that the server would hold for ever.
        let detach = "import os, sys\nnull = os.open('/dev/null', os.O_RDWR)\nfor fd in (0, 1, 2): os.dup2(null, fd)\n"
            + "os.closerange(3, 65536)\nos.execvp(sys.argv[1], sys.argv[1:])"
        try lab.check(Lab.run([Lab.python, "-c", detach, "tmux", "-S", lab.file("tmux.sock").path, "new-session", "-d",
                               "-x", "150", "-y", "40", "-s", "monitor", "sh", lab.file("monitor.sh").path]),
                      "tmux new-session")
    }

    func pane() -> String { tmux(["capture-pane", "-p", "-t", "monitor"]).stdout }

    /// The rate to the AC on the session's row, as shown.
    func rateShown(_ screen: String, client: String) -> String? {
        guard let row = screen.split(separator: "\n").first(where: { $0.contains(client) }) else { return nil }
        let columns = row.split(separator: " ")
        return columns.count > 3 ? String(columns[3]) : nil
    }

    func testInATerminalItRedrawsInPlaceAndQQuitsRestoringTheTerminal() throws {
        try startSessionWithTraffic()
        let client = try lab.mac(client1NS, "cl0")
        try startMonitorInTmux()
        var screens: [String] = []
        try lab.waitUntil("the monitor shows the session with a moving rate", timeout: 10) {
            let screen = pane()
            guard let rate = rateShown(screen, client: client), rate != "-", rate != "0" else { return false }
            if screens.last != screen { screens.append(screen) }
            return screens.count >= 2
        }
        let screen = try XCTUnwrap(screens.last)
        XCTAssertTrue(screen.contains("press q to quit"), screen)
        XCTAssertEqual(screen.components(separatedBy: "relay pid ").count, 2, "one block, redrawn in place: \(screen)")
        XCTAssertTrue(screen.contains("userspace dataplane"), screen)

        XCTAssertEqual(tmux(["send-keys", "-t", "monitor", "q"]).status, 0)
        try lab.waitUntil("the monitor exits on q", timeout: 5) {
            FileManager.default.fileExists(atPath: lab.file("monitor.done").path)
        }
        XCTAssertEqual(lab.text("monitor.done"), "0\n")
        XCTAssertEqual(lab.text("stty.after"), lab.text("stty.before"), "the terminal's settings are back")
        XCTAssertFalse(pane().contains("relay pid"), "the alternate screen is gone: \(pane())")
    }

    func testCtrlCQuitsToo() throws {
        try startSessionWithTraffic()
        try startMonitorInTmux()
        try lab.waitUntil("the monitor draws", timeout: 10) { pane().contains("press q to quit") }
        XCTAssertEqual(tmux(["send-keys", "-t", "monitor", "C-c"]).status, 0)
        try lab.waitUntil("the monitor exits on Ctrl-C", timeout: 5) {
            FileManager.default.fileExists(atPath: lab.file("monitor.done").path)
        }
        XCTAssertEqual(lab.text("monitor.done"), "0\n")
        XCTAssertEqual(lab.text("stty.after"), lab.text("stty.before"))
    }

    /// SIGTERM from outside (a closing SSH session sends SIGHUP, `kill` SIGTERM): the same clean exit.
    func testATerminationSignalRestoresTheTerminal() throws {
        try startSessionWithTraffic()
        try startMonitorInTmux()
        try lab.waitUntil("the monitor draws", timeout: 10) { pane().contains("press q to quit") }
        let pids = Lab.run(["pgrep", "-f", "relayctl monitor --interval 0.5 --runtime-dir \(lab.file("run").path)"])
            .stdout.split(separator: "\n").compactMap { pid_t($0) }
        let pid = try XCTUnwrap(pids.first { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("relayctl") ?? false
        }, "\(pids)")
        kill(pid, SIGTERM)
        try lab.waitUntil("the monitor exits on SIGTERM", timeout: 5) {
            FileManager.default.fileExists(atPath: lab.file("monitor.done").path)
        }
        XCTAssertEqual(lab.text("monitor.done"), "0\n")
        XCTAssertEqual(lab.text("stty.after"), lab.text("stty.before"))
    }
}
