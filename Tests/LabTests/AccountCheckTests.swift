import Foundation
import XCTest

/// `relayctl check` in the namespace lab, against rp-pppoe's pppoe-server. This kernel has no
/// PPP, so pppoe-server runs the lab's LCP stand-in instead of pppd: these tests prove
/// discovery, the unknown-service and no-AC failures, the hang-up (LCP Terminate, PADT), the
/// one-check-per-interface rule, the password's handling and a check beside a running relay.
/// Logins with PAP, CHAP and MS-CHAPv2 against real pppd are AccountCheckVMTests'.
final class AccountCheckTests: LabTestCase {
    private let password = "s3cret-Pa55"

    /// r:wan0 ↔ a:ac0 only.
    private func buildLine() throws {
        acNS = try lab.namespace("a")
        routerNS = try lab.namespace("r")
        try lab.link(routerNS, "wan0", acNS, "ac0")
    }

    private func passwordFile(mode: Int = 0o600) throws -> String {
        let path = lab.file("password").path
        try (password + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
        return path
    }

    private func check(_ extra: [String], timeout: Double = 3) throws -> (Lab.Output, [String: Any]) {
        let out = lab.run(in: routerNS, [Lab.relayctl, "check", "--interface", "wan0", "--user", "subscriber",
                                         "--password-file", try passwordFile(), "--timeout", String(timeout), "--json"]
                                         + extra)
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return (out, try XCTUnwrap(json, "check printed no JSON: \(out.stdout) \(out.stderr)"))
    }

    private func codes(_ report: [String: Any]) -> [Int] {
        (report["steps"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? Int }
    }

    private func step(_ report: [String: Any], _ code: Int) -> [String: Any]? {
        (report["steps"] as? [[String: Any]])?.first { $0["code"] as? Int == code }
    }

    func testNoAccessConcentratorIsCode20AfterTheTimeout() throws {
        try buildLine()
        let started = Date()
        let (out, report) = try check([], timeout: 2)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(out.status, 1)
        XCTAssertEqual(report["result"] as? String, "failed")
        XCTAssertEqual(report["code"] as? Int, 20)
        XCTAssertEqual(codes(report), [20])
        XCTAssertGreaterThanOrEqual(elapsed, 2)
        XCTAssertLessThan(elapsed, 5, "the check keeps to its --timeout")
    }

    func testUnknownServiceIsCode21NamingWhatTheACOffers() throws {
        try buildLine()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let (out, report) = try check(["--service", "no-such-service"], timeout: 3)
        XCTAssertEqual(out.status, 1)
        XCTAssertEqual(report["code"] as? Int, 21)
        let refused = try XCTUnwrap(step(report, 21))
        XCTAssertEqual(refused["ac_name"] as? String, "LabAC")
        XCTAssertEqual(refused["service"] as? String, "no-such-service")
        XCTAssertTrue((refused["text"] as? String ?? "").contains("offering \"isp\""), "\(refused)")
        XCTAssertEqual(codes(report), [21], "no session was opened")
        XCTAssertFalse(lab.text("server.log").contains("\"start\""), "pppoe-server started no session")
    }

    /// Discovery completes, LCP asks for MRU 1492 and a magic number only, and the time limit ends
    /// it with Terminate-Request and PADT: the stand-in acknowledges but never sends its own
    /// Configure-Request, so LCP cannot open.
    func testDiscoveryThenLCPThenTerminateAndPADTReachPPPoEServer() throws {
        try buildLine()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let (out, report) = try check(["--service", "isp", "--ac-name", "LabAC"], timeout: 5)
        XCTAssertEqual(out.status, 1)
        XCTAssertEqual(codes(report), [1, 2, 29, 8], "\(report)")
        XCTAssertEqual(step(report, 1)?["ac_name"] as? String, "LabAC")
        let sessionID = try XCTUnwrap(step(report, 2)?["session_id"] as? Int)
        XCTAssertGreaterThan(sessionID, 0)
        try lab.waitUntil("pppoe-server ends the session on our PADT", timeout: 5) {
            !lab.events("server", "exit").isEmpty
        }
        let received = lab.events("server", "rx")
        let requests = received.filter { $0["protocol"] as? String == "0xc021" && $0["code"] as? Int == 1 }
        let request = try XCTUnwrap(requests.first?["hex"] as? String)
        // Configure-Request, options MRU (01 04 05d4) and Magic-Number (05 06 ...), nothing else.
        XCTAssertEqual(request.count, 28, request)
        XCTAssertTrue(request.hasPrefix("01") && request.dropFirst(8).hasPrefix("010405d40506"), request)
        XCTAssertTrue(received.contains { $0["protocol"] as? String == "0xc021" && $0["code"] as? Int == 5 },
                      "LCP Terminate-Request reached the AC")
    }

    /// LCP packets of `code` the AC received, as hex (the stand-in logs each one).
    private func lcpReceived(code: Int) -> [String] {
        lab.events("server", "rx").filter { $0["protocol"] as? String == "0xc021" && $0["code"] as? Int == code }
            .compactMap { $0["hex"] as? String }
    }

    /// The stand-in asks for these LCP options (hex) in a Configure-Request of its own, and asks
    /// again each time it is Nakked or Rejected.
    private func acInsists(on options: String) throws {
        try options.write(toFile: lab.file("lcp-request").path, atomically: true, encoding: .utf8)
    }

    /// An AC that asks for PAP: with `--allow chap` it gets a Configure-Nak proposing CHAP-MD5,
    /// never a PAP packet, and the report names the refusal (code 34) instead of a time-out. The
    /// same AC with the default allow list does get PAP's Authenticate-Request: the stand-in's
    /// request is what decides.
    func testAnACAskingForPAPGetsNoPasswordWhenAllowLeavesPAPOut() throws {
        try buildLine()
        try acInsists(on: "0304c023")
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let (out, report) = try check(["--service", "isp", "--allow", "chap"], timeout: 5)
        XCTAssertEqual(out.status, 1)
        XCTAssertEqual(report["code"] as? Int, 34, "\(report)")
        let refusal = try XCTUnwrap(step(report, 34))
        XCTAssertEqual(refusal["authentication"] as? String, "PAP")
        XCTAssertEqual(refusal["text"] as? String,
                       "the AC asks for PAP, which --allow chap leaves out: refused, the password was not sent")
        XCTAssertFalse(codes(report).contains(29), "the AC answered all along: \(report)")
        XCTAssertTrue(lcpReceived(code: 3).contains { $0.hasSuffix("0305c22305") }, "a Nak proposing CHAP-MD5")
        XCTAssertFalse(lab.events("server", "rx").contains { $0["protocol"] as? String == "0xc023" },
                       "no PAP packet reached the AC")

        let (_, allowed) = try check(["--service", "isp"], timeout: 4)
        XCTAssertEqual(step(allowed, 3)?["authentication"] as? String, "PAP", "\(allowed)")
        try lab.waitUntil("PAP's Authenticate-Request reaches the AC", timeout: 5) {
            lab.events("server", "rx").contains { $0["protocol"] as? String == "0xc023" }
        }
    }

    /// ACs that answer every time but insist on what the check refuses: MRU 0 (Nakked with 128,
    /// then Rejected) and EAP. Each ends as a link failure naming the option, well before the
    /// time limit (the tenth refusal in a row ends it), not as "no answer" (29).
    func testAnACInsistingOnMRU0OrEAPIsALinkFailureNamingIt() throws {
        try buildLine()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        for (options, named) in [("01040000", "insists on MRU 0 (below 128"), ("0304c227", "insists on authentication EAP")] {
            try acInsists(on: options)
            let (out, report) = try check(["--service", "isp"], timeout: 20)
            XCTAssertEqual(out.status, 1)
            XCTAssertEqual(report["code"] as? Int, 25, "\(report)")
            let text = step(report, 25)?["text"] as? String ?? ""
            XCTAssertTrue(text.contains(named), "\(report)")
            XCTAssertTrue(text.hasSuffix("(10 Configure-Requests in a row refused)"), "ended by the refusals: \(text)")
            XCTAssertFalse(codes(report).contains(29), "\(report)")
        }
        XCTAssertTrue(lcpReceived(code: 3).contains { $0.hasSuffix("01040080") }, "MRU 0 Nakked with 128")
        XCTAssertTrue(lcpReceived(code: 4).contains { $0.hasSuffix("0304c227") }, "EAP rejected in the end")
    }

    func testASecondCheckOnTheSameInterfaceIsRefusedWithCode30() throws {
        try buildLine()
        let first = try lab.spawn("first-check", in: routerNS, [Lab.relayctl, "check", "--interface", "wan0", "--user", "u",
                                                                "--password-file", try passwordFile(), "--timeout", "4"])
        // Held: the lock file exists (opened without creating it) and a non-blocking flock fails.
        try lab.waitUntil("the first check holds its lock", timeout: 5) {
            lab.run(in: routerNS, ["sh", "-c", "exec 9</run/pppoe-relay-check/check-wan0.lock && ! flock -n 9"]).status == 0
        }
        let (out, report) = try check([], timeout: 1)
        XCTAssertEqual(out.status, 1)
        XCTAssertEqual(codes(report), [30])
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 1)
        XCTAssertTrue(lab.text("first-check.out").contains("20 no_server"), lab.text("first-check.out"))
        let (_, again) = try check([], timeout: 1)
        XCTAssertEqual(codes(again), [20], "the lock went with the first check")
    }

    func testThePasswordIsNeverInArgumentsOrOutputAndAnOpenFileIsRefused() throws {
        try buildLine()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let open = try passwordFile(mode: 0o644)
        let refused = lab.run(in: routerNS, [Lab.relayctl, "check", "--interface", "wan0", "--user", "u",
                                             "--password-file", open])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("open to group or others"), refused.stderr)
        let running = try lab.spawn("check", in: routerNS, [Lab.relayctl, "check", "--interface", "wan0", "--user", "u",
                                                            "--password-file", try passwordFile(), "--service", "isp",
                                                            "--timeout", "3"])
        var sawArguments = false
        try lab.waitUntil("the check is running", timeout: 5) {
            for pid in Lab.run(["pgrep", "-f", "relayctl check"]).stdout.split(separator: "\n") {
                let arguments = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                if arguments.contains("--password-file") {
                    sawArguments = true
                    XCTAssertFalse(arguments.contains(password))
                }
            }
            return sawArguments
        }
        running.waitUntilExit()
        XCTAssertFalse(lab.text("check.out").contains(password))
        XCTAssertFalse(lab.text("check.err").contains(password))
        XCTAssertTrue(lab.text("check.out").contains("1 server_found"), lab.text("check.out"))
    }

    /// A check on the relay's WAN while the relay forwards a client's session: the client's
    /// echoes go on, the relay's table keeps its one session, and the check finds the AC.
    func testACheckOnTheRelaysWANDisturbsNeitherTheRelayNorItsSession() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client1", in: client1NS, interface: "cl0", echo: 1000, interval: 0.2)
        try waitForReplies("client1", atLeast: 3)
        let (_, report) = try check(["--service", "isp"], timeout: 3)
        XCTAssertEqual(Array(codes(report).prefix(2)), [1, 2], "\(report)")
        let before = lab.echoReplies("client1")
        try waitForReplies("client1", atLeast: before + 5, timeout: 10)
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(sessions.count, 1, "the check's session is not the relay's: \(sessions)")
        XCTAssertEqual(lab.events("server", "start").count, 2, "two sessions at the AC: the client's and the check's")
    }
}
