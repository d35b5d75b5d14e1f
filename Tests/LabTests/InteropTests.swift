import Foundation
import XCTest

/// A lab per test: rp-pppoe's client(s) → relayctl → rp-pppoe's pppoe-server (or our test AC).
/// Subclasses can run the whole suite on another dataplane by overriding `dataplane`.
class LabTestCase: XCTestCase {
    var lab: Lab!
    var acNS = "", routerNS = "", client1NS = "", client2NS = ""

    /// The `--dataplane` every relay in this suite runs with.
    var dataplane: String { "userspace" }

    override func setUpWithError() throws {
        lab = try Lab()
    }

    override func tearDown() {
        lab?.tearDown()
        lab = nil
    }

    /// c1:cl0 ↔ r:lan0, [c2:cl1 ↔ r:lan1,] r:wan0 ↔ a:ac0.
    func buildTopology(clients: Int = 1) throws {
        acNS = try lab.namespace("a")
        routerNS = try lab.namespace("r")
        client1NS = try lab.namespace("c1")
        try lab.link(client1NS, "cl0", routerNS, "lan0")
        if clients > 1 {
            client2NS = try lab.namespace("c2")
            try lab.link(client2NS, "cl1", routerNS, "lan1")
        }
        try lab.link(routerNS, "wan0", acNS, "ac0")
    }

    @discardableResult
    func startRelay(lans: [String] = ["lan0"], extra: [String] = [], binary: String = Lab.relayctl) throws -> Process {
        try lab.startRelay(in: routerNS, lans: lans, wan: "wan0", extra: ["--dataplane", dataplane] + extra, binary: binary)
    }

    func waitForReplies(_ client: String, atLeast count: Int, timeout: TimeInterval = 15) throws {
        try lab.waitUntil("\(client) got \(count) LCP Echo-Replies", timeout: timeout) {
            lab.echoReplies(client) >= count
        }
    }

    func onlySession() throws -> [String: Any] {
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(sessions.count, 1, "sessions: \(sessions)")
        return try XCTUnwrap(sessions.first)
    }

    /// The lab's own access concentrator (lab/pppoe_lab.py test-ac) on the AC's veth, once it
    /// listens; `extra` are its options (--strip-relay-tag, --quiet, --ac-name-hex ...).
    func startTestAC(_ extra: [String] = [], seconds: Int = 60) throws {
        try lab.spawn("test-ac", in: acNS, [Lab.python, Lab.labScript, "test-ac", "--iface", "ac0", "--log",
                                            lab.file("test-ac.log").path, "--seconds", String(seconds)] + extra)
        try lab.waitUntil("the test AC is ready", timeout: 5) { !lab.events("test-ac", "ready").isEmpty }
    }

    /// The lab's mass client on cl0 under `name`: `count` clients dial at once, every
    /// `sample`th echoes through its session; ids from `offset` on.
    func startMassClients(_ name: String, count: Int, sample: Int, offset: Int = 0) throws {
        try lab.spawn(name, in: client1NS, [Lab.python, Lab.labScript, "mass-clients", "--iface", "cl0", "--log",
                                            lab.file(name + ".log").path, "--count", String(count), "--sample",
                                            String(sample)] + (offset == 0 ? [] : ["--offset", String(offset)]))
    }

    /// What the mass client `name` reported once it finished, waited for up to `timeout`.
    func massClientSummary(_ name: String, timeout: TimeInterval) throws -> [String: Any] {
        try lab.waitUntil("the mass client \(name) finished", timeout: timeout) { !lab.events(name, "summary").isEmpty }
        return try XCTUnwrap(lab.events(name, "summary").first)
    }

    /// User plus system time of a process so far, from /proc.
    func processCPUSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try XCTUnwrap(stat.lastIndex(of: ")")))...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
        let ticks = try XCTUnwrap(Double(fields[11])) + XCTUnwrap(Double(fields[12]))
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A frame as hex: destination, source, ethertype, then the rest.
    func frameHex(to destination: String, from source: String, etherType: String, _ rest: String) -> String {
        destination.replacingOccurrences(of: ":", with: "") + source.replacingOccurrences(of: ":", with: "")
            + etherType + rest
    }
}

/// The interop scenarios, written once; `UserspaceInteropTests` and `KernelInteropTests`
/// run each of them on their dataplane (Linux XCTest does not run inherited test methods, so each
/// subclass names its tests).
class InteropScenarios: LabTestCase {
    func scenarioSessionCarriesLCPBothWaysAndClientPADTEndsIt() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        let client = try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)

        // Both directions crossed the relay as real LCP: requests reached pppd's stand-in, replies came back.
        XCTAssertGreaterThanOrEqual(lab.events("server", "rx", code: 9).count, 3)
        XCTAssertGreaterThanOrEqual(lab.events("server", "tx", code: 10).count, 3)
        let session = try onlySession()
        XCTAssertEqual(session["lan_interface"] as? String, "lan0")
        XCTAssertEqual(session["wan_interface"] as? String, "wan0")
        XCTAssertEqual(session["client_mac"] as? String, try lab.mac(client1NS, "cl0"))
        XCTAssertEqual(session["ac_mac"] as? String, try lab.mac(acNS, "ac0"))
        XCTAssertEqual(session["ac_name"] as? String, "LabAC")
        XCTAssertEqual(session["service_name"] as? String, "isp")
        XCTAssertGreaterThanOrEqual(session["packets_to_ac"] as? Int ?? 0, 3)
        XCTAssertGreaterThanOrEqual(session["packets_to_client"] as? Int ?? 0, 3)
        XCTAssertGreaterThan(session["bytes_to_client"] as? Int ?? 0, 0)

        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["dataplane"] as? String, dataplane)

        // PADT from the client: rp-pppoe's client sends one when told to stop.
        lab.signal(client, SIGTERM)
        try lab.waitUntil("the relay dropped the session", timeout: 10) { try lab.sessions(routerNS).isEmpty }
        try lab.waitUntil("the server's session ended", timeout: 10) { !lab.events("server", "exit").isEmpty }
        XCTAssertEqual(try lab.counters(routerNS)["sessions_ended"], 1)
    }

    func scenarioPADTFromServerReachesClient() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        let acSession = try XCTUnwrap(try onlySession()["ac_session_id"] as? Int)

        // Hanging up pppd's stand-in makes rp-pppoe's server send PADT.
        let pid = try XCTUnwrap(Int32(lab.text("standin-\(acSession).pid")))
        kill(pid, SIGTERM)
        try lab.waitUntil("the client saw PADT and exited", timeout: 10) { !lab.events("client", "exit").isEmpty }
        let exit = try XCTUnwrap(lab.events("client", "exit").first)
        XCTAssertTrue((exit["stderr"] as? String ?? "").contains("PADT"), "client: \(exit)")
        try lab.waitUntil("the relay dropped the session", timeout: 5) { try lab.sessions(routerNS).isEmpty }
    }

    func scenarioIdleTimeoutSendsPADTBothWays() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay(extra: ["--idle-timeout", "2"])
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)

        try lab.waitUntil("the client got PADT and exited", timeout: 10) { !lab.events("client", "exit").isEmpty }
        try lab.waitUntil("the server got PADT and hung up", timeout: 10) { !lab.events("server", "exit").isEmpty }
        XCTAssertTrue(try lab.sessions(routerNS).isEmpty)
        XCTAssertEqual(try lab.counters(routerNS)["padt_sent"], 2)
        let stderr = lab.events("client", "exit").first?["stderr"] as? String ?? ""
        XCTAssertTrue(stderr.contains("idle timeout"), "the client should see our reason: \(stderr)")
    }

    func scenarioFullTableGivesClientPADSWithGenericError() throws {
        try buildTopology(clients: 2)
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay(lans: ["lan0", "lan1"], extra: ["--max-sessions", "1"])
        try lab.startClient("client1", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client1", atLeast: 2)

        try lab.startSniffer("sniff2", in: client2NS, interface: "cl1")
        try lab.startClient("client2", in: client2NS, interface: "cl1", echo: 0)
        try lab.waitUntil("client 2 got a PADS", timeout: 15) {
            lab.events("sniff2", "frame").contains { $0["code"] as? Int == 0x65 }
        }
        let pads = try XCTUnwrap(lab.events("sniff2", "frame").first { $0["code"] as? Int == 0x65 })
        XCTAssertEqual(pads["session"] as? Int, 0, "a refusal carries session id 0")
        XCTAssertNotNil((pads["tags"] as? [String: String])?["0x0203"], "and a Generic-Error tag: \(pads)")
        // The AC was told too (pppoe-server reports every PADT it receives), while client 1's session went on.
        try lab.waitUntil("the AC received our PADT", timeout: 10) {
            lab.text("pppoe-server.err").contains("PADT: Generic-Error: pppoe-relay: session table full")
        }
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
        XCTAssertGreaterThanOrEqual(try lab.counters(routerNS)["refused_table_full"] ?? 0, 1)
    }

    func scenarioTwoLANInterfacesServeClientsAtOnce() throws {
        try buildTopology(clients: 2)
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay(lans: ["lan0", "lan1"])
        try lab.startClient("client1", in: client1NS, interface: "cl0", echo: 3)
        try lab.startClient("client2", in: client2NS, interface: "cl1", echo: 3)
        try waitForReplies("client1", atLeast: 3)
        try waitForReplies("client2", atLeast: 3)
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(Set(sessions.compactMap { $0["lan_interface"] as? String }), ["lan0", "lan1"])
        XCTAssertEqual(Set(sessions.compactMap { $0["client_mac"] as? String }),
                       [try lab.mac(client1NS, "cl0"), try lab.mac(client2NS, "cl1")])
    }

    func scenarioACThatStripsRelaySessionIdStillWorks() throws {
        try buildTopology()
        try startTestAC(["--strip-relay-tag"])
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3, pppoeArguments: "-U")
        try waitForReplies("client", atLeast: 3)

        let requests = lab.events("test-ac", "rx").filter { [0x09, 0x19].contains($0["code"] as? Int) }
        XCTAssertFalse(requests.isEmpty)
        for request in requests {
            XCTAssertTrue((request["tags"] as? [String] ?? []).contains("0x0110"), "the relay tags its requests: \(request)")
        }
        let answers = lab.events("test-ac", "tx")
        XCTAssertFalse(answers.isEmpty)
        XCTAssertTrue(answers.allSatisfy { $0["relay_tag"] as? Bool == false }, "the AC stripped every tag")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }

    func scenarioRouterOwnClientKeepsItsSessionWhileTheRelayRuns() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        // The router dials the same AC itself, on the WAN the relay uses.
        let own = try lab.startClient("own", in: routerNS, interface: "wan0", echo: 60, interval: 0.25,
                                      pppoeArguments: "-U")
        try waitForReplies("own", atLeast: 2)
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        let before = lab.echoReplies("own")
        try waitForReplies("own", atLeast: before + 4)

        XCTAssertTrue(own.isRunning, "the router's own session is still up")
        XCTAssertTrue(lab.events("own", "exit").isEmpty)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1, "only the LAN client's session is ours")
        let counters = try lab.counters(routerNS)
        XCTAssertGreaterThan(counters["dropped_unknown_session"] ?? 0, 0, "the router's frames were seen and left alone")
        XCTAssertEqual(counters["padt_sent"], 0)
    }

    func scenarioSpoofedPADTEndsNothing() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 40, interval: 0.25)
        try waitForReplies("client", atLeast: 2)
        let session = try onlySession()
        let clientSID = String(format: "%04x", try XCTUnwrap(session["client_session_id"] as? Int))
        let acSID = String(format: "%04x", try XCTUnwrap(session["ac_session_id"] as? Int))

        // Right session ids, wrong source MACs, from both sides.
        try lab.send(in: client1NS, interface: "cl0", hex: frameHex(
            to: try lab.mac(routerNS, "lan0"), from: "02:de:ad:be:ef:01", etherType: "8863", "11a7\(clientSID)0000"))
        try lab.send(in: acNS, interface: "ac0", hex: frameHex(
            to: try lab.mac(routerNS, "wan0"), from: "02:de:ad:be:ef:02", etherType: "8863", "11a7\(acSID)0000"))
        try lab.waitUntil("both spoofed PADTs were counted", timeout: 5) {
            try lab.counters(routerNS)["dropped_unmatched_padt"] ?? 0 >= 2
        }
        let before = lab.echoReplies("client")
        try waitForReplies("client", atLeast: before + 3)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
        XCTAssertTrue(lab.events("client", "exit").isEmpty)
        XCTAssertTrue(lab.events("server", "exit").isEmpty)
    }

    func scenarioMalformedFramesAndUnknownSessionsAreCountedWhileSessionsFlow() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 40, interval: 0.25)
        try waitForReplies("client", atLeast: 2)
        let lanMAC = try lab.mac(routerNS, "lan0")
        let clientMAC = try lab.mac(client1NS, "cl0")

        let malformed = [
            frameHex(to: "ff:ff:ff:ff:ff:ff", from: clientMAC, etherType: "8863", "22090000 0000"), // version 2
            // PADRs: a PADI beyond the client's rate would be counted as rate-limited before it is parsed.
            frameHex(to: "ff:ff:ff:ff:ff:ff", from: clientMAC, etherType: "8863", "11190000 00ff 0101"), // length past end
            frameHex(to: "ff:ff:ff:ff:ff:ff", from: clientMAC, etherType: "8863", "11190000 0008 01010009 0000"), // tag past end
            frameHex(to: lanMAC, from: clientMAC, etherType: "8864", "1100"), // truncated session header
        ].map { $0.replacingOccurrences(of: " ", with: "") }
        for frame in malformed { try lab.send(in: client1NS, interface: "cl0", hex: frame, count: 5) }
        try lab.send(in: client1NS, interface: "cl0",
                     hex: frameHex(to: lanMAC, from: clientMAC, etherType: "8864", "11007777 0002 c021"), count: 7)

        try lab.waitUntil("the bad frames were counted", timeout: 5) {
            let counters = try lab.counters(routerNS)
            return counters["dropped_malformed"] ?? 0 >= 20 && counters["dropped_unknown_session"] ?? 0 >= 7
        }
        let before = lab.echoReplies("client")
        try waitForReplies("client", atLeast: before + 3)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }

    func scenarioStopSendsPADTToEverySessionAndExitsZero() throws {
        try buildTopology(clients: 2)
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay(lans: ["lan0", "lan1"])
        try lab.startClient("client1", in: client1NS, interface: "cl0", echo: 2)
        try lab.startClient("client2", in: client2NS, interface: "cl1", echo: 2)
        try waitForReplies("client1", atLeast: 2)
        try waitForReplies("client2", atLeast: 2)

        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay exited", timeout: 10) { !relay.isRunning }
        XCTAssertEqual(relay.terminationStatus, 0)
        try lab.waitUntil("both clients got PADT", timeout: 10) {
            !lab.events("client1", "exit").isEmpty && !lab.events("client2", "exit").isEmpty
        }
        try lab.waitUntil("both server sessions got PADT", timeout: 10) { lab.events("server", "exit").count == 2 }
        XCTAssertFalse(FileManager.default.fileExists(atPath: lab.file("run/control.sock").path),
                       "the control socket is removed on exit")
    }

    func scenarioMSSIsClampedBothWaysAndChangesAtRuntime() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        let initial = lab.file("tcp-initial.txt").path, runtime = lab.file("tcp-runtime.txt").path
        for (set, path) in [("initial", initial), ("runtime", runtime)] {
            try lab.check(Lab.run([Lab.python, Lab.labScript, "tcp-frames", "--set", set, "--out", path]), "tcp-frames")
        }
        let sent = try String(contentsOfFile: initial, encoding: .utf8).split(separator: "\n")
            .map { String($0.split(separator: " ")[1]) }
        let client = try lab.startClient("client", in: client1NS, interface: "cl0", echo: 0, frames: initial)
        try lab.waitUntil("5 segments reached the AC and 4 SYN-ACKs the client", timeout: 15) {
            lab.events("server", "rx").filter { $0["protocol"] as? String != "0xc021" }.count >= 5
                && lab.events("client", "rx").filter { $0["protocol"] as? String != "0xc021" }.count >= 4
        }

        let atAC = Dictionary(try lab.tcpSegments("server").map { ($0.sourcePort, $0) }) { first, _ in first }
        XCTAssertTrue(atAC.values.allSatisfy(\.checksumOK), "every checksum holds at the AC (scapy)")
        XCTAssertEqual(atAC[1001]?.mss, 1452, "IPv4 SYN, MSS first")
        XCTAssertEqual(atAC[1002]?.mss, 1452, "IPv4 SYN, MSS after NOP NOP SACK-permitted")
        XCTAssertEqual(atAC[1003]?.mss, 1400, "a smaller MSS is left as it is")
        XCTAssertEqual(atAC[1003]?.hex, sent[2], "byte for byte")
        XCTAssertEqual(atAC[1004]?.mss, 1432, "IPv6 SYN")
        XCTAssertEqual(atAC[1005]?.hex, sent[4], "a non-SYN segment is byte-identical")

        let atClient = Dictionary(try lab.tcpSegments("client").map { ($0.destinationPort, $0) }) { first, _ in first }
        XCTAssertTrue(atClient.values.allSatisfy(\.checksumOK), "every checksum holds at the client (scapy)")
        XCTAssertEqual(atClient[1001]?.mss, 1452, "the AC's IPv4 SYN-ACK is clamped")
        XCTAssertEqual(atClient[1004]?.mss, 1432, "the AC's IPv6 SYN-ACK is clamped")
        let counters = try lab.counters(routerNS)
        XCTAssertEqual(counters["mss_clamped_to_ac"], 3)
        XCTAssertEqual(counters["mss_clamped_to_client"], 4)
        if dataplane == "kernel" {
            // Only the four SYNs took the detour through the daemon; the rest stayed in the kernel.
            XCTAssertEqual(counters["session_frames_to_ac"], 4)
            XCTAssertEqual(counters["session_frames_to_client"], 4)
            XCTAssertGreaterThanOrEqual(counters["kernel_frames_to_ac"] ?? 0, 1, "the non-SYN segment")
        }

        // At runtime: the next SYN sees the new setting, with no session dropped.
        let set = lab.relayctl(in: routerNS, ["mss", "set", "1300"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(set.stdout, "mss: 1300 (IPv4 1300, IPv6 1280)\n")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
        lab.signal(client, SIGTERM)
        try lab.waitUntil("the first client left", timeout: 10) { !lab.events("client", "exit").isEmpty }
        try lab.startClient("client2", in: client1NS, interface: "cl0", echo: 0, frames: runtime)
        try lab.waitUntil("the next SYN reached the AC", timeout: 15) {
            try lab.tcpSegments("server").contains { $0.sourcePort == 1006 }
        }
        let next = try XCTUnwrap(try lab.tcpSegments("server").first { $0.sourcePort == 1006 })
        XCTAssertEqual(next.mss, 1300)
        XCTAssertTrue(next.checksumOK)
        XCTAssertEqual(lab.relayctl(in: routerNS, ["mss", "show"]).stdout, "mss: 1300 (IPv4 1300, IPv6 1280)\n")
    }

    func scenarioADeletedAndRecreatedLANIsHealedWithoutARestart() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        func lan0() throws -> [String: Any]? {
            let status = try lab.query(routerNS, "status") as? [String: Any]
            return (status?["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "lan0" }
        }
        let oldIndex = try XCTUnwrap(try lan0()?["index"] as? Int)

        // The LAN veth disappears (its peer with it): the session ends, the AC is told.
        try lab.check(lab.run(in: routerNS, ["ip", "link", "del", "lan0"]), "delete lan0")
        try lab.waitUntil("status shows lan0 down", timeout: 10) { try lan0()?["state"] as? String == "down" }
        try lab.waitUntil("the AC got PADT", timeout: 10) { !lab.events("server", "exit").isEmpty }
        XCTAssertTrue(try lab.sessions(routerNS).isEmpty)

        // It comes back with a new ifindex (and MAC): relaying resumes, same daemon.
        try lab.link(client1NS, "cl0", routerNS, "lan0")
        try lab.waitUntil("status shows lan0 up again", timeout: 10) { try lan0()?["state"] as? String == "up" }
        XCTAssertNotEqual(try lan0()?["index"] as? Int, oldIndex)
        try lab.startClient("client2", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client2", atLeast: 3)
        XCTAssertTrue(relay.isRunning, "no restart")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }

    /// A LAN link that goes down and up leaves ENETDOWN pending on the relay's sockets. It must
    /// be taken off them: left on the (never read) session ring socket it would keep poll
    /// awake forever and fail the next send, losing the first frame of the next session.
    func scenarioALANLinkFlapLeavesTheLoopAsleepAndLosesNothing() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try lab.check(lab.run(in: routerNS, ["ip", "link", "set", "lan0", "down"]), "lan0 down")
        try lab.check(lab.run(in: routerNS, ["ip", "link", "set", "lan0", "up"]), "lan0 up")
        // The relay has taken the link events in once its status shows lan0 back.
        try lab.waitUntil("status shows lan0 up again", timeout: 10) {
            let status = try lab.query(routerNS, "status") as? [String: Any]
            let lan0 = (status?["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "lan0" }
            return lan0?["state"] as? String == "up"
        }
        // Then the CPU time it spends while nothing happens, over a window of 2 s: a loop that
        // polls a socket with an error pending spins and spends about all of it.
        let before = try processCPUSeconds(relay.processIdentifier)
        let window = Date()
        while Date().timeIntervalSince(window) < 2 { usleep(100_000) }
        let spent = try processCPUSeconds(relay.processIdentifier) - before
        XCTAssertLessThan(spent, 0.5, "an idle relay spent \(spent) s of CPU in 2 s: poll is not sleeping")
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        XCTAssertEqual(try lab.counters(routerNS)["dropped_send_failed"], 0)
    }

    /// What the session socket's receive ring cannot hold is counted, never silent: a frame longer
    /// than a ring slot (dropped_malformed) and a burst that arrives while the relay cannot run
    /// (dropped_receive_overflow, from the kernel's own count). Every frame of the burst is either
    /// seen or counted.
    func scenarioFramesTheRingCannotHoldAreCounted() throws {
        try buildTopology()
        for (namespace, device) in [(client1NS, "cl0"), (routerNS, "lan0")] {
            try lab.check(lab.run(in: namespace, ["ip", "link", "set", device, "mtu", "2100"]), "mtu of \(device)")
        }
        let relay = try startRelay()
        let lanMAC = try lab.mac(routerNS, "lan0")
        let clientMAC = try lab.mac(client1NS, "cl0")

        // 2,060 bytes: a well-formed session frame, 78 bytes longer than a slot holds.
        let oversized = frameHex(to: lanMAC, from: clientMAC, etherType: "8864",
                                 "11007777" + "07f8" + String(repeating: "00", count: 2040))
        try lab.send(in: client1NS, interface: "cl0", hex: oversized)
        try lab.waitUntil("the oversized frame was counted", timeout: 5) {
            try lab.counters(routerNS)["dropped_malformed"] == 1
        }

        let burst = 3000
        let unknown = frameHex(to: lanMAC, from: clientMAC, etherType: "8864", "110077770002c021")
        lab.signal(relay, SIGSTOP)
        defer { lab.signal(relay, SIGCONT) }
        try lab.send(in: client1NS, interface: "cl0", hex: unknown, count: burst)
        lab.signal(relay, SIGCONT)
        var counters: [String: Int] = [:]
        try lab.waitUntil("every frame of the burst was seen or counted", timeout: 5) {
            counters = try lab.counters(routerNS)
            return counters["dropped_unknown_session", default: 0] + counters["dropped_receive_overflow", default: 0] >= burst
        }
        XCTAssertEqual(counters["dropped_unknown_session", default: 0] + counters["dropped_receive_overflow", default: 0], burst)
        // The loop's ring holds 1,024 frames; the kernel dataplane's, which sees only what the
        // kernel leaves to it, 64.
        let absorbed = dataplane == "kernel" ? 64 : 1000
        XCTAssertGreaterThanOrEqual(counters["dropped_unknown_session", default: 0], absorbed, "the ring absorbs a burst")
        XCTAssertGreaterThan(counters["dropped_receive_overflow", default: 0], 0)
    }
}

/// rp-pppoe interop with sessions carried by the userspace loop.
final class UserspaceInteropTests: InteropScenarios {
    override var dataplane: String { "userspace" }

    func testSessionCarriesLCPBothWaysAndClientPADTEndsIt() throws { try scenarioSessionCarriesLCPBothWaysAndClientPADTEndsIt() }
    func testPADTFromServerReachesClient() throws { try scenarioPADTFromServerReachesClient() }
    func testIdleTimeoutSendsPADTBothWays() throws { try scenarioIdleTimeoutSendsPADTBothWays() }
    func testFullTableGivesClientPADSWithGenericError() throws { try scenarioFullTableGivesClientPADSWithGenericError() }
    func testTwoLANInterfacesServeClientsAtOnce() throws { try scenarioTwoLANInterfacesServeClientsAtOnce() }
    func testACThatStripsRelaySessionIdStillWorks() throws { try scenarioACThatStripsRelaySessionIdStillWorks() }
    func testRouterOwnClientKeepsItsSessionWhileTheRelayRuns() throws { try scenarioRouterOwnClientKeepsItsSessionWhileTheRelayRuns() }
    func testSpoofedPADTEndsNothing() throws { try scenarioSpoofedPADTEndsNothing() }
    func testMalformedFramesAndUnknownSessionsAreCountedWhileSessionsFlow() throws { try scenarioMalformedFramesAndUnknownSessionsAreCountedWhileSessionsFlow() }
    func testStopSendsPADTToEverySessionAndExitsZero() throws { try scenarioStopSendsPADTToEverySessionAndExitsZero() }
    func testMSSIsClampedBothWaysAndChangesAtRuntime() throws { try scenarioMSSIsClampedBothWaysAndChangesAtRuntime() }
    func testADeletedAndRecreatedLANIsHealedWithoutARestart() throws {
        try scenarioADeletedAndRecreatedLANIsHealedWithoutARestart()
    }
    func testALANLinkFlapLeavesTheLoopAsleepAndLosesNothing() throws {
        try scenarioALANLinkFlapLeavesTheLoopAsleepAndLosesNothing()
    }
    func testFramesTheRingCannotHoldAreCounted() throws { try scenarioFramesTheRingCannotHoldAreCounted() }
}

/// rp-pppoe interop with sessions carried by the nftables dataplane.
final class KernelInteropTests: InteropScenarios {
    override var dataplane: String { "kernel" }

    func testSessionCarriesLCPBothWaysAndClientPADTEndsIt() throws { try scenarioSessionCarriesLCPBothWaysAndClientPADTEndsIt() }
    func testPADTFromServerReachesClient() throws { try scenarioPADTFromServerReachesClient() }
    func testIdleTimeoutSendsPADTBothWays() throws { try scenarioIdleTimeoutSendsPADTBothWays() }
    func testFullTableGivesClientPADSWithGenericError() throws { try scenarioFullTableGivesClientPADSWithGenericError() }
    func testTwoLANInterfacesServeClientsAtOnce() throws { try scenarioTwoLANInterfacesServeClientsAtOnce() }
    func testACThatStripsRelaySessionIdStillWorks() throws { try scenarioACThatStripsRelaySessionIdStillWorks() }
    func testRouterOwnClientKeepsItsSessionWhileTheRelayRuns() throws { try scenarioRouterOwnClientKeepsItsSessionWhileTheRelayRuns() }
    func testSpoofedPADTEndsNothing() throws { try scenarioSpoofedPADTEndsNothing() }
    func testMalformedFramesAndUnknownSessionsAreCountedWhileSessionsFlow() throws { try scenarioMalformedFramesAndUnknownSessionsAreCountedWhileSessionsFlow() }
    func testStopSendsPADTToEverySessionAndExitsZero() throws { try scenarioStopSendsPADTToEverySessionAndExitsZero() }
    func testMSSIsClampedBothWaysAndChangesAtRuntime() throws { try scenarioMSSIsClampedBothWaysAndChangesAtRuntime() }
    func testADeletedAndRecreatedLANIsHealedWithoutARestart() throws {
        try scenarioADeletedAndRecreatedLANIsHealedWithoutARestart()
    }
    func testALANLinkFlapLeavesTheLoopAsleepAndLosesNothing() throws {
        try scenarioALANLinkFlapLeavesTheLoopAsleepAndLosesNothing()
    }
    func testFramesTheRingCannotHoldAreCounted() throws { try scenarioFramesTheRingCannotHoldAreCounted() }
}
