import Foundation
import XCTest

/// A datagram socket standing in for /dev/log: a thread reads every line the relay sends (a
/// UNIX datagram queue holds only a few, so it is drained as they come).
final class StandInSystemLog: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var reader: Thread?
    private var stopping = false

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError("datagram socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw LabError("bind \(path): \(String(cString: strerror(errno)))")
        }
        let thread = Thread { [unowned self] in self.readLines() }
        reader = thread
        thread.start()
    }

    private func readLines() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while !lock.withLock({ stopping }) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) == 1 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let line = String(decoding: buffer[..<count], as: UTF8.self)
            lock.withLock { received.append(line) }
        }
    }

    var lines: [String] { lock.withLock { received } }

    func stop() {
        lock.withLock { stopping = true }
        while reader?.isFinished == false { Thread.sleep(forTimeInterval: 0.01) }
        close(fd)
        unlink(path)
    }
}

/// The relay's log as an operator reads it from syslog: one line per session opened and
/// closed (with why, how long, how much), start, dataplane, stop, and floods in summaries.
class LogScenarios: LabTestCase {
    var systemLog: StandInSystemLog?
    /// `--verbose`: discovery decisions in the log too.
    var verbose: Bool { false }

    override func tearDown() {
        systemLog?.stop()
        systemLog = nil
        super.tearDown()
    }

    /// The messages (after `<PRI>pppoe-relay[PID]: `) of every line, checking that framing.
    func messages(pid: Int32) throws -> [String] {
        try XCTUnwrap(systemLog).lines.map { line in
            let prefix = try XCTUnwrap(line.range(of: #"^<(2[4-9]|3[01])>pppoe-relay\[\#(pid)\]: "#, options: .regularExpression),
                                       "syslog framing: \(line)")
            return String(line[prefix.upperBound...])
        }
    }

    func waitForMessage(_ pid: Int32, _ what: String, timeout: TimeInterval = 10, _ match: (String) -> Bool) throws -> String {
        var found: String?
        try lab.waitUntil(what, timeout: timeout) {
            found = try messages(pid: pid).first(where: match)
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    /// Bytes and packets of a closed session's line.
    func traffic(_ line: String) throws -> (bytesToAC: Int, packetsToAC: Int, bytesToClient: Int, packetsToClient: Int, duration: Int) {
        let regex = try NSRegularExpression(pattern: #"duration (\d+) s, (\d+) bytes in (\d+) packets to AC, (\d+) bytes in (\d+) packets to client$"#)
        let match = try XCTUnwrap(regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)), line)
        let number = { (i: Int) in Int((line as NSString).substring(with: match.range(at: i)))! }
        return (number(2), number(3), number(4), number(5), number(1))
    }

    func scenarioSessionsAndFloodsAreLogged() throws {
        try buildTopology()
        let log = try StandInSystemLog(path: lab.file("syslog.sock").path)
        systemLog = log
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay(extra: ["--log", "syslog:" + log.path, "--idle-timeout", "4"] + (verbose ? ["--verbose"] : []))
        let startedAt = Date()
        let pid = relay.processIdentifier
        let clientMAC = try lab.mac(client1NS, "cl0"), acMAC = try lab.mac(acNS, "ac0")

        let started = try waitForMessage(pid, "the start is logged") { $0.hasPrefix("started, pid \(pid): lan lan0 <-> wan wan0") }
        XCTAssertTrue(started.contains("idle timeout 4 s"), started)
        _ = try waitForMessage(pid, "the dataplane is logged") { $0.hasPrefix("dataplane \(dataplane): ") }

        // A session ended by the client's PADT.
        let client = try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        let acSession = try XCTUnwrap(try onlySession()["ac_session_id"] as? Int)
        let clientSession = try XCTUnwrap(try onlySession()["client_session_id"] as? Int)
        lab.signal(client, SIGTERM)
        let ends = "client \(clientMAC) on lan0 session \(clientSession), AC \(acMAC) on wan0 session \(acSession), "
            + "AC-Name \"LabAC\", Service-Name \"isp\""
        _ = try waitForMessage(pid, "the opening is logged") { $0 == "session opened: " + ends }
        let closed = try waitForMessage(pid, "the client's PADT is logged") {
            $0.hasPrefix("session closed (PADT from client): " + ends + ", duration ")
        }
        let counts = try traffic(closed)
        // Three LCP Echo-Requests out and three replies back at least (the kernel's counts
        // included: on that dataplane they never reached the daemon).
        XCTAssertGreaterThanOrEqual(counts.packetsToAC, 3, closed)
        XCTAssertGreaterThanOrEqual(counts.packetsToClient, 3, closed)
        XCTAssertGreaterThanOrEqual(counts.bytesToAC, counts.packetsToAC * 20, closed)
        XCTAssertGreaterThanOrEqual(counts.bytesToClient, counts.packetsToClient * 20, closed)
        XCTAssertLessThan(counts.duration, 10, closed)

        // A session that idles out.
        try lab.startClient("idler", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("idler", atLeast: 2)
        let idle = try waitForMessage(pid, "the idle timeout is logged", timeout: 15) { $0.hasPrefix("session closed (idle timeout): ") }
        XCTAssertTrue(idle.contains("client \(clientMAC) on lan0"), idle)
        XCTAssertGreaterThanOrEqual(try traffic(idle).duration, 4, idle)
        XCTAssertGreaterThanOrEqual(try traffic(idle).packetsToAC, 2, idle)

        // A PADI flood from a thousand made-up MACs: thousands of drops, a line or two.
        let flood = try lab.spawn("flood", in: client1NS, [Lab.bench, "discovery-flood", "--iface", "cl0", "--code", "padi",
                                                          "--macs", "1000", "--seconds", "3", "--rate", "20000"])
        try lab.waitUntil("the flood ended", timeout: 15) { !flood.isRunning }
        let padiSummary = { (message: String) in message.hasPrefix("dropped ") && message.contains("PADIs") }
        _ = try waitForMessage(pid, "the flood is summarised", padiSummary)
        let counters = try lab.counters(routerNS)
        let dropped = ["dropped_padi_rate_client", "dropped_padi_rate_overall", "kernel_policed_padi_client",
                       "kernel_policed_padi_overall"].reduce(0) { $0 + (counters[$1] ?? 0) }
        XCTAssertGreaterThan(dropped, 1000, "the flood was dropped: \(counters)")

        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay stopped", timeout: 10) { !relay.isRunning }
        _ = try waitForMessage(pid, "the stop is logged") { $0.hasPrefix("stopped after ") }
        let all = try messages(pid: pid)
        let summaries = all.filter(padiSummary)
        // Each kind: once when it starts, once at stop for what came after (the next would be a minute on).
        for kind in Set(summaries.compactMap { $0.split(separator: "(").last }) {
            XCTAssertLessThanOrEqual(summaries.filter { $0.hasSuffix(kind) }.count, 2, "\(summaries)")
        }
        // With --verbose, discovery decisions too: a burst of 100, then 20 a second at most.
        let bound = 40 + (verbose ? 100 + 20 * Int(Date().timeIntervalSince(startedAt) + 1) : 0)
        XCTAssertLessThan(all.count, bound, "no line per flood frame: \(all)")
        let decisions = all.filter { $0.hasPrefix("PADI from \(clientMAC) on lan0 relayed to every AC on wan0") }
        XCTAssertEqual(decisions.count, verbose ? 2 : 0, "a PADI decision per real dial with --verbose only: \(all)")
        if verbose {
            XCTAssertTrue(all.contains { $0.hasPrefix("PADO from AC \(acMAC) (AC-Name \"LabAC\") relayed to \(clientMAC) on lan0") })
            XCTAssertTrue(all.contains { $0.hasPrefix("withheld ") && $0.hasSuffix("(discovery_notes_withheld)") },
                          "the flood's decisions beyond the rate are counted: \(all)")
        }
        XCTAssertTrue(all.contains("stopping: 0 sessions end with PADT"), "\(all)")
        print("relay log, \(dataplane) dataplane:\n" + all.joined(separator: "\n"))
    }
}

final class UserspaceLogTests: LogScenarios {
    override var dataplane: String { "userspace" }
    func testSessionsAndFloodsAreLogged() throws { try scenarioSessionsAndFloodsAreLogged() }

    /// `enable --log ... --verbose` saves both, and the daemon it starts (from the saved
    /// configuration's arguments) logs where it was told, here to its output file.
    func testEnablePassesTheLogOptionsToTheDaemon() throws {
        try buildTopology()
        let runtime = lab.file("enabled").path, config = lab.file("etc/relay.json").path
        let common = ["--runtime-dir", runtime, "--config", config]
        let enable = lab.run(in: routerNS, [Lab.relayctl, "enable", "--lan", "lan0", "--wan", "wan0", "--dataplane", "userspace",
                                            "--log", "stderr", "--verbose"] + common)
        XCTAssertEqual(enable.status, 0, enable.stderr)
        defer { _ = lab.run(in: routerNS, [Lab.relayctl, "disable"] + common) }
        let saved = try String(contentsOfFile: config, encoding: .utf8)
        XCTAssertTrue(saved.contains("\"log\" : \"stderr\"") && saved.contains("\"verbose\" : true"), saved)
        let status = try XCTUnwrap(try lab.query(routerNS, "status", runtime: "enabled") as? [String: Any])
        let running = try XCTUnwrap(status["configuration"] as? [String: Any])
        XCTAssertEqual(running["log"] as? String, "stderr")
        XCTAssertEqual(running["verbose"] as? Bool, true)
        try lab.waitUntil("the daemon logged its start to relayd.log", timeout: 5) {
            let log = (try? String(contentsOfFile: runtime + "/relayd.log", encoding: .utf8)) ?? ""
            return log.contains("started, pid ") && log.contains("dataplane userspace: requested with --dataplane userspace")
        }
    }
}

final class VerboseLogTests: LogScenarios {
    override var dataplane: String { "userspace" }
    override var verbose: Bool { true }
    func testSessionsAndFloodsAreLogged() throws { try scenarioSessionsAndFloodsAreLogged() }
}

final class KernelLogTests: LogScenarios {
    override var dataplane: String { "kernel" }
    func testSessionsAndFloodsAreLogged() throws { try scenarioSessionsAndFloodsAreLogged() }
}
