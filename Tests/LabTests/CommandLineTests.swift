import Foundation
import XCTest

/// relayctl's promises to scripts: a bad command line is one line on stderr and exit 2; a
/// failure is one line and exit 1; help is exit 0.
final class CommandLineTests: XCTestCase {
    func relayctl(_ arguments: [String], environment: [String: String] = [:]) throws -> Lab.Output {
        guard FileManager.default.isExecutableFile(atPath: Lab.relayctl) else {
            throw Lab.MissingBinary("relayctl is not built at \(Lab.relayctl): run swift build first")
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        return Lab.run([Lab.relayctl] + arguments, environment: env)
    }

    func assertUsageError(_ arguments: [String], mentions fragment: String,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let out = try relayctl(arguments)
        XCTAssertEqual(out.status, 2, "exit status for \(arguments)", file: file, line: line)
        XCTAssertEqual(out.stdout, "", file: file, line: line)
        let lines = out.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line for \(arguments): \(out.stderr)", file: file, line: line)
        XCTAssertTrue(out.stderr.hasPrefix("relayctl: "), out.stderr, file: file, line: line)
        XCTAssertTrue(out.stderr.contains(fragment), "\(out.stderr) should mention \(fragment)", file: file, line: line)
    }

    func testBadCommandLinesAreOneLineAndExitTwo() throws {
        try assertUsageError(["run", "--wan", "eth0"], mentions: "--lan")
        try assertUsageError(["run", "--lan", "eth0"], mentions: "--wan")
        try assertUsageError(["run", "--lan", "eth0", "--wan", "eth0"], mentions: "both LAN and WAN")
        try assertUsageError(["run", "--lan", "eth1", "--lan", "eth1", "--wan", "eth0"], mentions: "given twice")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--max-sessions", "0"], mentions: "--max-sessions")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--max-sessions", "65535"], mentions: "65534")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--idle-timeout", "-5"], mentions: "idle-timeout")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--dataplane", "warp"], mentions: "warp")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--bogus"], mentions: "--bogus")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--mss", "100"], mentions: "--mss")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--max-sessions-per-client", "-1"],
                             mentions: "--max-sessions-per-client")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--padi-rate", "-3"], mentions: "--padi-rate")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--padi-rate-per-client", "-1"],
                             mentions: "--padi-rate-per-client")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--ac-name", ""], mentions: "--ac-name")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--padi-rate", "1152921504606846976"],
                             mentions: "at most")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--log", "journal"], mentions: "--log")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--log", "syslog:"], mentions: "--log")
        try assertUsageError(["mss", "set", "huge"], mentions: "huge")
        try assertUsageError(["mss", "set", "500"], mentions: "mss must be at least 536")
        try assertUsageError(["mss", "set", "70000"], mentions: "mss must be at most 65495")
        try assertUsageError(["run", "--lan", "eth1", "--wan", "eth0", "--mss", "535"], mentions: "at least 536")
        try assertUsageError(["frobnicate"], mentions: "frobnicate")
        // What init systems and the hotplug hook run checks its options as run does.
        try assertUsageError(["daemon", "--config", "/nonexistent/relay.json", "--wan", "eth1", "--lan", "br0"],
                             mentions: "either --config or the options of run")
        try assertUsageError(["daemon", "--wan", "eth1", "--lan", "eth1"], mentions: "both LAN and WAN")
        try assertUsageError(["daemon", "--wan", "eth1", "--lan", "br0", "--bogus"], mentions: "--bogus")
        try assertUsageError(["hotplug", "--interface", "wan"], mentions: "--action")
        try assertUsageError(["fastpath", "sideways"], mentions: "sideways")
    }

    func testMissingInterfaceIsOneLineAndExitTwo() throws {
        let runtime = FileManager.default.temporaryDirectory.appendingPathComponent("relayctl-cli-\(getpid())").path
        try assertUsageError(["run", "--lan", "nosuchlan0", "--wan", "lo", "--runtime-dir", runtime],
                             mentions: "no such interface: nosuchlan0")
        try assertUsageError(["run", "--lan", "lo", "--wan", "nosuchwan0", "--runtime-dir", runtime],
                             mentions: "no such interface: nosuchwan0")
    }

    /// No relay is exit 3, as `systemctl is-active` says a unit is inactive.
    func testStatusWithoutARelaySaysSoAndExitsThree() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayctl-cli-\(getpid())").path
        for command in [["status"], ["sessions"], ["mss", "show"], ["status", "--json"]] {
            let out = try relayctl(command + ["--runtime-dir", directory])
            XCTAssertEqual(out.status, 3, "\(command)")
            XCTAssertEqual(out.stderr, "relayctl: no relay is running (nothing answers on \(directory)/control.sock)\n")
        }
        let fromEnvironment = try relayctl(["status"], environment: ["RELAYCTL_RUNTIME_DIR": directory + "-env"])
        XCTAssertTrue(fromEnvironment.stderr.contains(directory + "-env/control.sock"), "RELAYCTL_RUNTIME_DIR is used")
    }

    /// A configuration saved before the discovery policy existed still loads (with the default
    /// policy), and the commented example with one loads too.
    func testConfigurationsWithAndWithoutPolicyLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayctl-config-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = directory.appendingPathComponent("old.json")
        try #"{"wanInterface": "eth1", "lanInterfaces": ["br-lan"], "dataplane": "auto", "maxSessions": 5000, "idleTimeout": 600, "mss": "auto", "runtimeDirectory": "/run/pppoe-relay"}"#
            .write(to: old, atomically: true, encoding: .utf8)
        let example = Lab.root.appendingPathComponent("init/relay.json.example").path
        for path in [old.path, example] {
            let out = try relayctl(["daemon", "--config", path, "--check"])
            XCTAssertEqual(out.status, 0, "\(path): \(out.stderr)")
            XCTAssertTrue(out.stdout.hasPrefix("configuration OK"), out.stdout)
        }
        let bad = directory.appendingPathComponent("bad.json")
        try #"{"wanInterface": "eth1", "lanInterfaces": ["br-lan"], "dataplane": "auto", "maxSessions": 5000, "idleTimeout": 600, "mss": "auto", "runtimeDirectory": "/run/pppoe-relay", "policy": {"padi_per_second": -1}}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let out = try relayctl(["daemon", "--config", bad.path, "--check"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("--padi-rate"), out.stderr)
    }

    /// A command group without its subcommand is not a request for help: usage on stderr, exit 2.
    func testAGroupWithoutASubcommandIsAUsageError() throws {
        for (arguments, name) in [([String](), "relayctl"), (["mss"], "relayctl mss"), (["fastpath"], "relayctl fastpath")] {
            let out = try relayctl(arguments)
            XCTAssertEqual(out.status, 2, "\(arguments)")
            XCTAssertEqual(out.stdout, "", "\(arguments)")
            XCTAssertTrue(out.stderr.contains("USAGE: \(name)"), "\(arguments): \(out.stderr)")
            XCTAssertTrue(out.stderr.hasSuffix("relayctl: \(name) needs a subcommand\n"), out.stderr)
        }
    }

    func testHelpExitsZero() throws {
        for arguments in [["--help"], ["run", "--help"], ["enable", "--help"], ["disable", "--help"], ["status", "--help"],
                          ["sessions", "--help"], ["mss", "set", "--help"], ["mss", "show", "--help"]] {
            let out = try relayctl(arguments)
            XCTAssertEqual(out.status, 0, "\(arguments)")
            XCTAssertTrue(out.stdout.contains("USAGE"), "\(arguments): \(out.stdout)")
        }
    }
}
