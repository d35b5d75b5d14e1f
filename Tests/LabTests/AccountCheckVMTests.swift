import Foundation
import XCTest

/// `relayctl check` against real pppd (lab/vm/accountcheck.py in the VM lab): rp-pppoe's
/// pppoe-server running Debian's pppd, which requires PAP, then CHAP-MD5, then MS-CHAPv2. The VM
/// boots once for the class; each test asserts one part of what the scenario recorded. Skips
/// where no VM can start (fails under CI=true), as VMLabTests does.
struct AccountCheckScenario {
    let facts: [String: Any]
    let console: String

    func run(_ name: String) throws -> (status: Int, report: [String: Any], text: String) {
        guard let run = (facts["runs"] as? [String: Any])?[name] as? [String: Any],
              let report = run["report"] as? [String: Any] else {
            throw LabError("the scenario has no run \(name)\n\(console.suffix(4000))")
        }
        return (run["status"] as? Int ?? -1, report, run["text"] as? String ?? "")
    }

    static let shared = OnceResult<AccountCheckScenario> {
        let relayctl = Lab.releaseRelayctl
        guard FileManager.default.isExecutableFile(atPath: relayctl) else {
            throw VMLab.unavailable("the VM lab runs the optimised relayctl at \(relayctl): run swift build -c release")
        }
        let work = try VMLab.workDirectory("accountcheck")
        defer { VMLab.remove(work) }
        let script = Lab.root.appendingPathComponent("lab/vm/accountcheck.py").path
        let out = try VMLab.boot(work: work, timeout: 900, [
            Lab.python, script, "--relayctl", relayctl, "--out", "/run/vmlab/work",
        ])
        print(out.stdout)
        guard let data = FileManager.default.contents(atPath: work.appendingPathComponent("results.json").path),
              let facts = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LabError("the scenario left no results (exit \(out.status)): \(out.stderr)\n" + out.stdout.suffix(4000))
        }
        return AccountCheckScenario(facts: facts, console: out.stdout)
    }
}

final class AccountCheckVMTests: XCTestCase {
    private func scenario() throws -> AccountCheckScenario { try AccountCheckScenario.shared.get() }

    private func codes(_ report: [String: Any]) -> [Int] {
        (report["steps"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? Int }
    }

    private func step(_ report: [String: Any], _ code: Int) -> [String: Any] {
        (report["steps"] as? [[String: Any]])?.first { $0["code"] as? Int == code } ?? [:]
    }

    func testTheScenarioRanInTheGuestAndEveryCheckHeld() throws {
        let scenario = try scenario()
        let release = scenario.facts["kernel_release"] as? String ?? ""
        XCTAssertTrue(release.hasSuffix("-amd64"), "guest kernel \(release)")
        XCTAssertEqual(scenario.facts["failures"] as? [String], [], scenario.console.suffix(6000).description)
    }

    /// Every step from PADO to PADT, with the authentication pppd required.
    func testEachAuthenticationSucceedsAgainstRealPPPD() throws {
        let scenario = try scenario()
        for (run, name) in [("pap", "PAP"), ("chap", "CHAP-MD5"), ("mschapv2", "MS-CHAPv2")] {
            let (status, report, _) = try scenario.run(run)
            XCTAssertEqual(status, 0, "\(run): \(report)")
            XCTAssertEqual(report["result"] as? String, "success", run)
            XCTAssertEqual(codes(report), [1, 2, 3, 4, 5, 6, 8], "\(run): \(report)")
            XCTAssertEqual(step(report, 3)["authentication"] as? String, name, run)
            XCTAssertEqual(step(report, 3)["mru"] as? Int, 1492, run)
            XCTAssertEqual(step(report, 4)["authentication"] as? String, name, run)
            XCTAssertEqual(step(report, 5)["address"] as? String, "10.64.2.2", run)
            XCTAssertEqual(step(report, 5)["peer_address"] as? String, "10.64.2.1", run)
            XCTAssertEqual(step(report, 5)["dns"] as? [String], ["192.0.2.53", "192.0.2.54"], run)
            XCTAssertEqual(step(report, 6)["peer_interface_identifier"] as? String, "0000000000000001", run)
        }
    }

    /// A wrong password: code 26, with what pppd said (MS-CHAPv2's E=691 text parsed).
    func testAWrongPasswordFailsWithCode26AndTheACsMessage() throws {
        let scenario = try scenario()
        for (run, name) in [("pap-wrong", "PAP"), ("chap-wrong", "CHAP-MD5"), ("mschapv2-wrong", "MS-CHAPv2")] {
            let (status, report, _) = try scenario.run(run)
            XCTAssertEqual(status, 1, run)
            XCTAssertEqual(report["code"] as? Int, 26, "\(run): \(report)")
            XCTAssertEqual(Array(codes(report).prefix(4)), [1, 2, 3, 26], "\(run): \(report)")
            XCTAssertEqual(step(report, 26)["authentication"] as? String, name, run)
            XCTAssertEqual(codes(report).last, 8, "\(run): hung up after the refusal")
        }
        let (_, mschap, _) = try scenario.run("mschapv2-wrong")
        XCTAssertEqual(step(mschap, 26)["error_code"] as? Int, 691, "\(mschap)")
    }

    func testAnUnknownServiceIsCode21AndNoACIsCode20() throws {
        let scenario = try scenario()
        let (serviceStatus, service, _) = try scenario.run("unknown-service")
        XCTAssertEqual(serviceStatus, 1)
        XCTAssertEqual(codes(service), [21], "\(service)")
        let (noACStatus, noAC, _) = try scenario.run("no-ac")
        XCTAssertEqual(noACStatus, 1)
        XCTAssertEqual(codes(noAC), [20], "\(noAC)")
    }
}
