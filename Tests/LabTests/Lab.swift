import Foundation
import XCTest

/// A throwaway network of namespaces for one test: client(s) ↔ router ↔ access concentrator,
/// joined by veth pairs, with rp-pppoe's programs and our relay running inside. Everything it
/// starts or creates is killed and deleted in `tearDown()`.
final class Lab {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A binary the tests need was not built: a failure, never a skip, since `scripts/test`
    /// builds everything first and a missing binary means the build or a path broke.
    struct MissingBinary: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let labScript = root.appendingPathComponent("lab/pppoe_lab.py").path
    static let python = "/usr/bin/python3"

    /// relayctl as built for this test run (or $RELAYCTL_BIN).
    static var relayctl: String {
        ProcessInfo.processInfo.environment["RELAYCTL_BIN"] ?? builtProduct("relayctl")
    }

    /// A product of the build this test run belongs to: found from the test binary upwards.
    static func builtProduct(_ name: String) -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/" + name).path
    }

    private static let counter = Counter()
    /// Every namespace the lab makes is named `pr` + the test run's token (scripts/test's
    /// $PPPOE_RELAY_TEST_RUN, empty outside it) + ...: scripts/leftovers tells this run's
    /// namespaces by it from those of another run on the same machine.
    static let namespacePrefix = "pr" + (ProcessInfo.processInfo.environment["PPPOE_RELAY_TEST_RUN"] ?? "")
    let prefix: String
    let directory: URL
    private var namespaces: [String] = []
    private var processes: [Process] = []

    /// Skips (never passes) where the lab cannot be built: not root, no rp-pppoe, no python3;
    /// fails where relayctl was not built.
    static func requirePrivilegeAndTools() throws {
        guard geteuid() == 0 else {
            throw XCTSkip("lab tests need root with CAP_NET_ADMIN to create network namespaces (run as root)")
        }
        for tool in ["/usr/sbin/pppoe-server", "/usr/sbin/pppoe", python]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("lab tests need \(tool): run scripts/setup (installs pppoe, iproute2, python3)")
        }
        guard FileManager.default.isExecutableFile(atPath: relayctl) else {
            throw MissingBinary("relayctl is not built at \(relayctl): run swift build first")
        }
        let probe = "\(namespacePrefix)probe\(getpid())"
        let made = run(["ip", "netns", "add", probe])
        _ = run(["ip", "netns", "del", probe])
        guard made.status == 0 else {
            throw XCTSkip("cannot create network namespaces here (\(made.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
    }

    init() throws {
        try Self.requirePrivilegeAndTools()
        prefix = "\(Self.namespacePrefix)\(getpid() % 100_000)x\(Self.counter.next())"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pppoe-relay-lab-\(prefix)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // pppoe-server runs this wrapper where it would run pppd.
        let wrapper = """
            #!/bin/sh
            PPPOE_LAB_DIR='\(directory.path)' exec \(Self.python) '\(Self.labScript)' pppd-standin "$@"

            """
        try wrapper.write(to: file("pppd-standin"), atomically: true, encoding: .utf8)
        chmod(file("pppd-standin").path, 0o755)
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    // MARK: topology

    /// A namespace with loopback up; `name` is short ("c1", "r", "a").
    @discardableResult
    func namespace(_ name: String) throws -> String {
        let full = prefix + name
        try check(Self.run(["ip", "netns", "add", full]), "create namespace \(full)")
        namespaces.append(full)
        try check(Self.run(["ip", "-n", full, "link", "set", "lo", "up"]), "loopback in \(full)")
        return full
    }

    /// A veth pair between two namespaces, both ends up.
    func link(_ namespaceA: String, _ interfaceA: String, _ namespaceB: String, _ interfaceB: String) throws {
        try check(Self.run(["ip", "link", "add", interfaceA, "netns", namespaceA, "type", "veth",
                            "peer", "name", interfaceB, "netns", namespaceB]), "veth \(interfaceA)-\(interfaceB)")
        try check(Self.run(["ip", "-n", namespaceA, "link", "set", interfaceA, "up"]), "up \(interfaceA)")
        try check(Self.run(["ip", "-n", namespaceB, "link", "set", interfaceB, "up"]), "up \(interfaceB)")
    }

    func mac(_ namespace: String, _ interface: String) throws -> String {
        let out = Self.run(["ip", "netns", "exec", namespace, "cat", "/sys/class/net/\(interface)/address"])
        try check(out, "MAC of \(interface)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: processes

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return Output(status: -1, stdout: "", stderr: "\(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    func run(in namespace: String, _ arguments: [String]) -> Output {
        Self.run(["ip", "netns", "exec", namespace] + arguments)
    }

    /// Starts a long-running program in a namespace, its output in `<name>.out`/`<name>.err`.
    @discardableResult
    func spawn(_ name: String, in namespace: String, _ arguments: [String]) throws -> Process {
        // A peer or frame generator that is not there would start nothing and leave a test
        // asserting on silence: say so instead.
        if let program = arguments.first, program.hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: program) {
            throw MissingBinary("\(name): \(program) is not built")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace] + arguments
        _ = FileManager.default.createFile(atPath: file(name + ".out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: file(name + ".err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: file(name + ".out"))
        process.standardError = try FileHandle(forWritingTo: file(name + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        return process
    }

    func text(_ name: String) -> String {
        (try? String(contentsOf: file(name), encoding: .utf8)) ?? ""
    }

    // MARK: the peers

    /// rp-pppoe's pppoe-server as the access concentrator, our stand-in as its pppd.
    @discardableResult
    func startAccessConcentrator(in namespace: String, interface: String, name: String = "LabAC") throws -> Process {
        try spawn("pppoe-server", in: namespace, ["pppoe-server", "-F", "-I", interface, "-q", file("pppd-standin").path,
                                                   "-C", name, "-S", "isp", "-N", "200"])
    }

    /// The relay, waited for until its control socket answers.
    @discardableResult
    func startRelay(in namespace: String, lans: [String], wan: String, extra: [String] = [],
                    runtime: String = "run", binary: String = Lab.relayctl) throws -> Process {
        // The relay's log in relay.err, not in the host's syslog, unless the test says otherwise.
        let log = extra.contains("--log") ? [] : ["--log", "stderr"]
        let process = try spawn("relay", in: namespace, [binary, "run", "--wan", wan]
            + lans.flatMap { ["--lan", $0] } + ["--runtime-dir", file(runtime).path] + log + extra)
        try waitUntil("the relay answers status", timeout: 10) {
            guard process.isRunning else {
                throw LabError("relay exited with \(process.terminationStatus): \(self.text("relay.err"))")
            }
            return self.relayctl(in: namespace, ["status", "--json"], runtime: runtime).status == 0
        }
        return process
    }

    func relayctl(in namespace: String, _ arguments: [String], runtime: String = "run") -> Output {
        run(in: namespace, [Self.relayctl] + arguments + ["--runtime-dir", file(runtime).path])
    }

    /// relayctl's JSON answer to `status` or `sessions`.
    func query(_ namespace: String, _ request: String, runtime: String = "run") throws -> Any {
        let out = relayctl(in: namespace, [request, "--json"], runtime: runtime)
        try check(out, "relayctl \(request)")
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))
    }

    func counters(_ namespace: String) throws -> [String: Int] {
        let status = try query(namespace, "status") as? [String: Any]
        return status?["counters"] as? [String: Int] ?? [:]
    }

    func sessions(_ namespace: String) throws -> [[String: Any]] {
        (try query(namespace, "sessions") as? [String: Any])?["sessions"] as? [[String: Any]] ?? []
    }

    /// rp-pppoe's client driven by the lab script: LCP Echo-Requests out, replies logged.
    @discardableResult
    func startClient(_ name: String, in namespace: String, interface: String, echo: Int = 3,
                     interval: Double = 0.2, pppoeArguments: String = "", frames: String? = nil,
                     delay: Double = 1.0) throws -> Process {
        try spawn(name, in: namespace, [Self.python, Self.labScript, "client", "--iface", interface,
                                        "--log", file(name + ".log").path, "--echo", String(echo),
                                        "--interval", String(interval), "--pppoe-args=" + pppoeArguments,
                                        "--delay", String(delay)]
                                        + (frames.map { ["--frames", $0] } ?? []))
    }

    /// A TCP segment read by scapy (not by our code): ports, flags, MSS and whether its checksum holds.
    struct TCPCheck {
        var sourcePort: Int, destinationPort: Int, mss: Int?, checksumOK: Bool, hex: String
    }

    /// Every IPv4/IPv6 frame a peer logged in direction `event` ("rx"), checked with scapy.
    func tcpSegments(_ log: String, _ event: String = "rx") throws -> [TCPCheck] {
        try events(log, event).filter { ["0x0021", "0x0057"].contains($0["protocol"] as? String) }.map { entry in
            let proto = entry["protocol"] as! String, hex = entry["hex"] as! String
            let out = Self.run([Self.python, Self.labScript, "check-tcp", "--protocol", proto, "--hex", hex])
            try check(out, "check-tcp")
            let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] ?? [:]
            return TCPCheck(sourcePort: json["sport"] as? Int ?? -1, destinationPort: json["dport"] as? Int ?? -1,
                            mss: json["mss"] as? Int, checksumOK: json["checksum_ok"] as? Bool ?? false, hex: hex)
        }
    }

    /// Starts a sniffer and waits until it is listening.
    func startSniffer(_ name: String, in namespace: String, interface: String, etherType: String = "0x8863",
                      seconds: Double = 20) throws {
        try spawn(name, in: namespace, [Self.python, Self.labScript, "sniff", "--iface", interface,
                                        "--log", file(name + ".log").path, "--ethertype", etherType,
                                        "--seconds", String(seconds)])
        try waitUntil("sniffer \(name) ready", timeout: 5) { !self.events(name).isEmpty }
    }

    func send(in namespace: String, interface: String, hex: String, count: Int = 1) throws {
        try check(run(in: namespace, [Self.python, Self.labScript, "send", "--iface", interface, "--hex", hex,
                                      "--count", String(count)]), "send frame")
    }

    /// The JSON events a lab peer logged to `<name>.log`.
    func events(_ name: String) -> [[String: Any]] {
        text(name + ".log").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func events(_ name: String, _ event: String, code: Int? = nil) -> [[String: Any]] {
        events(name).filter { $0["event"] as? String == event && (code == nil || $0["code"] as? Int == code) }
    }

    /// LCP Echo-Replies the client got back.
    func echoReplies(_ client: String) -> Int { events(client, "rx", code: 10).count }

    // MARK: waiting and checking

    func waitUntil(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw LabError("timed out after \(timeout) s waiting until \(what)\n\(diagnostics())")
    }

    func check(_ output: Output, _ what: String) throws {
        guard output.status == 0 else {
            throw LabError("\(what) failed (\(output.status)): \(output.stderr)\(output.stdout)")
        }
    }

    /// What the peers said, for a failure message.
    func diagnostics() -> String {
        ["relay.out", "relay.err", "pppoe-server.err", "server.log"].map { "--- \($0)\n" + text($0).suffix(1500) }
            .joined(separator: "\n")
    }

    func signal(_ process: Process, _ signal: Int32) { kill(process.processIdentifier, signal) }

    func tearDown() {
        for process in processes where process.isRunning { process.terminate() }
        for namespace in namespaces {
            // pppoe-server's children and anything else still inside.
            let pids = Self.run(["ip", "netns", "pids", namespace]).stdout.split(separator: "\n")
            for pid in pids.compactMap({ pid_t($0) }) where pid > 1 { kill(pid, SIGKILL) }
        }
        for process in processes { process.waitUntilExit() }
        for namespace in namespaces { Self.run(["ip", "netns", "del", namespace]) }
        if ProcessInfo.processInfo.environment["LAB_KEEP"] == nil {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
