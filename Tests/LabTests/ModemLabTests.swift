import Foundation
import XCTest

/// `relayctl modem` between rp-pppoe's client and a modem emulator on a pseudo-terminal
/// (lab/modem_lab.py): the client's namespace c1:cl0 ↔ r:lan0, the relay and the emulator in r.
/// The emulator's LCP asks for ACCM and ACFC, the client's for an ACCM: the relay must keep
/// each from the other.
class ModemLabTestCase: XCTestCase {
    var lab: Lab!
    var routerNS = "", clientNS = ""
    static let modemScript = Lab.root.appendingPathComponent("lab/modem_lab.py").path

    override func setUpWithError() throws {
        lab = try Lab()
        routerNS = try lab.namespace("r")
        clientNS = try lab.namespace("c1")
        try lab.link(clientNS, "cl0", routerNS, "lan0")
    }

    override func tearDown() {
        lab?.tearDown()
        lab = nil
    }

    var tty: String { lab.file("modem-tty").path }

    func startEmulator(_ extra: [String] = []) throws {
        try lab.spawn("modem", in: routerNS, [Lab.python, Self.modemScript, "emulator", "--link", tty,
                                               "--log", lab.file("modem.log").path] + extra)
        try lab.waitUntil("the modem emulator is ready", timeout: 5) { !lab.events("modem", "ready").isEmpty }
    }

    @discardableResult
    func startModemRelay(_ extra: [String] = [], lan: String = "lan0") throws -> Process {
        let process = try lab.spawn("relay", in: routerNS, [Lab.relayctl, "modem", "--lan", lan, "--device", tty,
                                                             "--ac-name", "LabModem", "--service", "internet",
                                                             "--service", "backup", "--runtime-dir", lab.file("run").path,
                                                             "--log", "stderr", "--verbose"] + extra)
        try lab.waitUntil("the modem relay answers status", timeout: 10) {
            guard process.isRunning else {
                throw LabError("relayctl modem exited with \(process.terminationStatus): \(lab.text("relay.err"))")
            }
            return lab.relayctl(in: routerNS, ["status", "--json"]).status == 0
        }
        return process
    }

    @discardableResult
    func startClient(_ name: String, in namespace: String? = nil, interface: String = "cl0", echo: Int = 3,
                     service: String = "internet", extra: [String] = []) throws -> Process {
        try lab.spawn(name, in: namespace ?? clientNS, [Lab.python, Self.modemScript, "client", "--iface", interface,
                                                        "--log", lab.file(name + ".log").path, "--service", service,
                                                        "--echo", String(echo)] + extra)
    }

    func events(_ name: String, _ event: String, code: Int? = nil) -> [[String: Any]] {
        lab.events(name, event, code: code)
    }

    func status() throws -> [String: Any] {
        try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
    }

    func modemState() throws -> String? {
        (try status()["modem"] as? [String: Any])?["state"] as? String
    }

    func counter(_ name: String) throws -> Int {
        (try status()["counters"] as? [String: Int])?[name] ?? -1
    }

    func waitForSession(_ client: String = "client", replies: Int = 3) throws {
        try lab.waitUntil("\(client) got \(replies) Echo-Replies through the modem", timeout: 20) {
            events(client, "rx", code: 10).count >= replies
        }
    }

    func diagnostics() -> String {
        ["relay.err", "modem.log", "client.log", "client2.log"].map { "--- \($0)\n" + lab.text($0).suffix(3000) }
            .joined(separator: "\n")
    }
}

final class ModemLabTests: ModemLabTestCase {
    func testChatSessionEchoesBothWaysAndForbiddenOptionsNeverCross() throws {
        try startEmulator(["--connect-delay", "0.3", "--echo-interval", "0.3"])
        try startModemRelay()
        try startClient("client", echo: 3)
        try waitForSession()
        try lab.waitUntil("the modem got Echo-Replies from the client", timeout: 10) {
            self.events("modem", "rx", code: 10).count >= 2
        }
        // The chat ran: AT, then the dial.
        XCTAssertEqual(events("modem", "at").compactMap { $0["command"] as? String }.prefix(2), ["AT", "ATD*99#"])
        // The modem asked for ACCM (2) and ACFC (8); the relay rejected them, the client never saw them.
        let modemRejected = events("modem", "rejected").flatMap { $0["types"] as? [Int] ?? [] }
        XCTAssertEqual(Set(modemRejected), [2, 8], diagnostics())
        let clientSaw = events("client", "peer-options").flatMap { $0["types"] as? [Int] ?? [] }
        XCTAssertFalse(clientSaw.contains(2) || clientSaw.contains(8), "client saw \(clientSaw)")
        XCTAssertTrue(clientSaw.contains(7), "PFC is allowed and passes: \(clientSaw)")
        // The client asked for an ACCM: rejected by the relay; the modem never saw it.
        XCTAssertEqual(events("client", "rejected").flatMap { $0["types"] as? [Int] ?? [] }, [2])
        let modemSaw = events("modem", "peer-options").flatMap { $0["types"] as? [Int] ?? [] }
        XCTAssertFalse(modemSaw.contains(2), "modem saw \(modemSaw)")
        XCTAssertFalse(events("modem", "acked").isEmpty, "the modem's LCP came up")
        XCTAssertFalse(events("client", "acked").isEmpty, "the client's LCP came up")

        XCTAssertEqual(try modemState(), "connected")
        XCTAssertEqual((try status()["modem"] as? [String: Any])?["connect_line"] as? String, "CONNECT 115200")
        XCTAssertEqual(try counter("lcp_options_rejected"), 2)
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(sessions.count, 1)
        XCTAssertEqual(sessions.first?["modem_state"] as? String, "connected")
        XCTAssertEqual(sessions.first?["service_name"] as? String, "internet")
        XCTAssertEqual(sessions.first?["wan_interface"] as? String, tty)
        XCTAssertGreaterThan(sessions.first?["packets_to_client"] as? Int ?? 0, 3)
        let text = lab.relayctl(in: routerNS, ["sessions"]).stdout
        XCTAssertTrue(text.contains("MODEM") && text.contains("connected"), text)
        let statusText = lab.relayctl(in: routerNS, ["status"]).stdout
        XCTAssertTrue(statusText.contains("modem: \(tty) connected"), statusText)
    }

    func testClientPADTTerminatesLCPAndHangsUpTheModem() throws {
        try startEmulator(["--connect-delay", "0.2"])
        try startModemRelay()
        let client = try startClient("client", echo: 2)
        try waitForSession(replies: 2)
        lab.signal(client, SIGTERM)
        try lab.waitUntil("the modem saw Terminate-Request and the line close", timeout: 10) {
            !self.events("modem", "terminated").isEmpty && !self.events("modem", "hangup").isEmpty
        }
        try lab.waitUntil("status says hung up", timeout: 5) { try self.modemState() == "hung up" }
        XCTAssertEqual(try counter("padt_received"), 1)
        XCTAssertEqual(try counter("client_hangups"), 1)
        XCTAssertEqual(try lab.sessions(routerNS).count, 0)
        XCTAssertTrue(lab.text("relay.err").contains("client sent PADT: hanging up the modem"), lab.text("relay.err"))
        // The line rested and can be dialled again: a new client gets a new session.
        try lab.waitUntil("the old client is gone", timeout: 5) { !self.events("client", "exit").isEmpty }
        try startClient("client2", echo: 2)
        try waitForSession("client2", replies: 2)
        XCTAssertEqual(events("modem", "at").filter { ($0["command"] as? String)?.hasPrefix("ATD") == true }.count, 2)
    }

    func testModemHangupEndsTheSessionWithPADT() throws {
        try startEmulator(["--connect-delay", "0.2", "--hangup-after", "2", "--hangup-by", "eof"])
        try startModemRelay()
        try startClient("client", echo: 2)
        try waitForSession(replies: 2)
        try lab.waitUntil("the client got PADT and exited", timeout: 10) { !self.events("client", "exit").isEmpty }
        XCTAssertFalse(events("modem", "hangup-sent").isEmpty, diagnostics())
        XCTAssertEqual(try counter("padt_sent"), 1)
        XCTAssertEqual(try counter("modem_hangups"), 1)
        XCTAssertEqual(try modemState(), "hung up")
        let lastHangup = (try status()["modem"] as? [String: Any])?["last_hangup"] as? String ?? ""
        // The pty's far end closing shows as EOF or EIO on a read, or EIO on a write when the
        // relay was sending at that instant: each is the modem hanging up.
        XCTAssertTrue(["end of file", "read error", "write error"].contains { lastHangup.contains($0) }, lastHangup)
        XCTAssertTrue(lab.text("relay.err").contains("modem hung up"), lab.text("relay.err"))
    }

    func testModemLCPTerminateEndsTheSessionWithPADT() throws {
        try startEmulator(["--connect-delay", "0.2", "--hangup-after", "2", "--hangup-by", "lcp"])
        try startModemRelay()
        try startClient("client", echo: 2)
        try waitForSession(replies: 2)
        try lab.waitUntil("the client got PADT and exited", timeout: 10) { !self.events("client", "exit").isEmpty }
        XCTAssertFalse(events("modem", "terminate-acked").isEmpty, "the relay acknowledged the modem: \(diagnostics())")
        XCTAssertEqual(try counter("padt_sent"), 1)
        XCTAssertEqual(try modemState(), "hung up")
        XCTAssertFalse(events("modem", "hangup").isEmpty, "the relay dropped the line")
    }

    /// A chat of several seconds: PADRs are held (not answered, not refused) until the modem
    /// connects, and the client is answered then.
    func testSlowChatHoldsPADRsUntilTheModemIsReady() throws {
        try startEmulator(["--connect-delay", "6"])
        try startModemRelay()
        try startClient("client", echo: 2, extra: ["--discovery-timeout", "2"])
        try lab.waitUntil("the modem is dialling", timeout: 10) { try self.modemState() == "chat running" }
        let dialling = try lab.sessions(routerNS)
        XCTAssertEqual(dialling.first?["modem_state"] as? String, "chat running")
        try lab.waitUntil("a PADR retry was held", timeout: 10) { try self.counter("padr_held") >= 1 }
        XCTAssertEqual(try counter("pads_sent"), 0, "no PADS before the modem is ready")
        XCTAssertTrue(events("client", "session-up").isEmpty)
        try waitForSession(replies: 2)
        let connected = try XCTUnwrap(events("modem", "connect").first?["time"] as? Double)
        let up = try XCTUnwrap(events("client", "session-up").first?["time"] as? Double)
        XCTAssertGreaterThanOrEqual(up, connected, "the client's session began after the modem connected")
        XCTAssertEqual(try counter("pads_refused"), 0)
        XCTAssertTrue(lab.text("relay.err").contains("held: the modem is still dialling"), "--verbose notes the held PADR")
    }

    func testSecondClientIsRefusedWhileTheModemIsBusy() throws {
        // Two clients on one LAN: a bridge in the router's namespace.
        let client2NS = try lab.namespace("c2")
        try lab.link(client2NS, "cl1", routerNS, "lan1")
        for command in [["link", "add", "br0", "type", "bridge"], ["link", "set", "lan0", "master", "br0"],
                        ["link", "set", "lan1", "master", "br0"], ["link", "set", "br0", "up"]] {
            try lab.check(Lab.run(["ip", "-n", routerNS] + command), "ip \(command.joined(separator: " "))")
        }
        try startEmulator(["--connect-delay", "0.2"])
        try startModemRelay(lan: "br0")
        try startClient("client", echo: 50)
        try waitForSession(replies: 2)
        let second = try startClient("client2", in: client2NS, interface: "cl1", echo: 2)
        try lab.waitUntil("the second client was refused", timeout: 15) { try self.counter("pads_refused") >= 1 }
        // rp-pppoe's client keeps trying; what it was told is in its last words.
        lab.signal(second, SIGTERM)
        try lab.waitUntil("the second client exited", timeout: 10) { !self.events("client2", "exit").isEmpty }
        XCTAssertTrue(events("client2", "session-up").isEmpty)
        let said = events("client2", "exit").first?["stderr"] as? String ?? ""
        XCTAssertTrue(said.contains("modem busy"), "client2 said: \(said)")
        XCTAssertGreaterThanOrEqual(try counter("pads_refused"), 1)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1, "the first client keeps its session")
        let before = events("client", "rx", code: 10).count
        try lab.waitUntil("the first client still gets replies", timeout: 10) {
            self.events("client", "rx", code: 10).count > before
        }
    }

    func testAnUnofferedServiceGetsNoOffer() throws {
        try startEmulator()
        try startModemRelay()
        try startClient("client", service: "nonesuch", extra: ["--discovery-timeout", "1"])
        try lab.waitUntil("the client's PADIs were seen", timeout: 10) { try self.counter("unknown_service") >= 2 }
        XCTAssertTrue(events("client", "session-up").isEmpty)
        XCTAssertEqual(try counter("pado_sent"), 0)
        XCTAssertEqual(try counter("chats_started"), 0)
    }

    /// The chat fails (NO CARRIER): the waiting client gets PADS with AC-System-Error saying why,
    /// not a session with no modem behind it, and the line is hung up.
    func testAFailedChatRefusesTheClientWithTheReason() throws {
        try startEmulator(["--connect-delay", "0.3", "--dial-result", "NO CARRIER"])
        try startModemRelay()
        let client = try startClient("client", extra: ["--discovery-timeout", "2"])
        try lab.waitUntil("the chat failed", timeout: 10) { try self.counter("chats_failed") >= 1 }
        XCTAssertGreaterThanOrEqual(try counter("pads_refused"), 1)
        XCTAssertEqual(try counter("pads_sent"), 0)
        let modem = try XCTUnwrap(try status()["modem"] as? [String: Any])
        XCTAssertTrue((modem["last_hangup"] as? String ?? "").contains("NO CARRIER"), "\(modem)")
        lab.signal(client, SIGTERM)
        try lab.waitUntil("the client exited", timeout: 10) { !self.events("client", "exit").isEmpty }
        XCTAssertTrue(events("client", "session-up").isEmpty)
        let said = events("client", "exit").first?["stderr"] as? String ?? ""
        XCTAssertTrue(said.contains("modem did not connect: modem said NO CARRIER"), "client said: \(said)")
        XCTAssertTrue(lab.text("relay.err").contains("chat failed"), lab.text("relay.err"))
    }

    func testBadModemOptionsAreOneLineUsageErrors() throws {
        let chat = lab.file("bad.chat")
        try "'' 'AT".write(to: chat, atomically: true, encoding: .utf8)
        let base = ["modem", "--lan", "lan0", "--device", tty, "--ac-name", "A", "--runtime-dir", lab.file("run").path]
        for (arguments, expected) in [(base, "at least one --service"),
                                      (base + ["--service", "x", "--service", "x"], "given twice"),
                                      (base + ["--service", "x", "--baud", "12345"], "12345"),
                                      (base + ["--service", "x", "--chat", chat.path], "unterminated quote")] {
            let out = lab.run(in: routerNS, [Lab.relayctl] + arguments)
            XCTAssertEqual(out.status, 2, "\(arguments): \(out.stderr)")
            XCTAssertTrue(out.stderr.contains(expected), "\(arguments): \(out.stderr)")
        }
    }

    /// `modem --enable` saves the configuration and starts the daemon in the background; `daemon`
    /// runs the saved one; `disable` stops it.
    func testEnableSavesTheModemAndDaemonRunsIt() throws {
        try startEmulator(["--connect-delay", "0.2"])
        let config = lab.file("relay.json").path
        let enable = lab.run(in: routerNS, [Lab.relayctl, "modem", "--enable", "--config", config, "--lan", "lan0",
                                            "--device", tty, "--ac-name", "LabModem", "--service", "internet",
                                            "--runtime-dir", lab.file("run").path, "--log", "stderr"])
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertTrue(enable.stdout.contains("enabled: modem"), enable.stdout)
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any]
        let modem = try XCTUnwrap(saved?["modem"] as? [String: Any])
        XCTAssertEqual(modem["device"] as? String, tty)
        XCTAssertEqual(modem["service_names"] as? [String], ["internet"])
        XCTAssertEqual(try modemState(), "idle")
        try startClient("client", echo: 2)
        try waitForSession(replies: 2)
        let disable = lab.relayctl(in: routerNS, ["disable", "--config", config])
        XCTAssertEqual(disable.status, 0, disable.stderr)
        try lab.waitUntil("the client got PADT", timeout: 10) { !self.events("client", "exit").isEmpty }
        XCTAssertNotEqual(lab.relayctl(in: routerNS, ["status"]).status, 0)
    }
}
