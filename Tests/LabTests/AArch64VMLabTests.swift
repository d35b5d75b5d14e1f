import Foundation
import XCTest

/// The real-PPP lab on an aarch64 guest (`scripts/vmlab --arch aarch64`): Debian's arm64 kernel on
/// `qemu-system-aarch64 -M virt` with a root made from Debian's arm64 packages (lab/vm/arm64root.py,
/// which scripts/setup runs), and lab/vm/realppp.py's network and peers driven by lab/vm/routerppp.py.
/// The relay is the router build's relayctl (`scripts/build-router --arch aarch64 --libc glibc`) when
/// it has been built: then realppp.py's scenario runs on both dataplanes; until then rp-pppoe's
/// pppoe-relay stands in, and what a relay without a control socket can show is asserted. One boot
/// for the class. Where no VM can start (no QEMU, no arm64 root) the tests skip, and fail under CI=true.
enum AArch64VMLab {
    static let relayctl = Lab.root.appendingPathComponent(".build-router/aarch64-glibc/relayctl").path
    static let driver = Lab.root.appendingPathComponent("lab/vm/routerppp.py").path

    static let shared = OnceResult<VMScenario> {
        let built = FileManager.default.isExecutableFile(atPath: relayctl)
        if !built && ProcessInfo.processInfo.environment["CI"] == "true" {
            // The stand-in proves the guest, not our binary: CI must run the router build here.
            throw Lab.MissingBinary("CI must run the aarch64 router build in the aarch64 VM, but \(relayctl) is missing (scripts/build-router --arch aarch64 --libc glibc)")
        }
        let relay = built ? relayctl : "pppoe-relay"
        let work = try VMLab.workDirectory("vmlab-aarch64")
        defer { VMLab.remove(work) }
        let started = Date()
        let out = try VMLab.boot(work: work, timeout: 1200, machine: ["--arch", "aarch64"], [
            Lab.python, driver, "--relay", relay, "--out", "/run/vmlab/work",
        ])
        print(out.stdout)
        print("aarch64 VM lab: relay \(relay), \(Int(Date().timeIntervalSince(started))) s from boot to power-off")
        guard let data = FileManager.default.contents(atPath: work.appendingPathComponent("results.json").path),
              let facts = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LabError("the scenario left no results (exit \(out.status)): \(out.stderr)\n"
                           + out.stdout.suffix(4000))
        }
        return VMScenario(facts: facts, console: out.stdout)
    }
}

final class AArch64VMLabTests: XCTestCase {
    private func scenario() throws -> VMScenario { try AArch64VMLab.shared.get() }

    func testTheGuestIsAArch64OnDebiansArm64KernelAndTheScenarioRanToTheEnd() throws {
        let scenario = try scenario()
        XCTAssertEqual(scenario.facts["arch"] as? String, "aarch64")
        let release = scenario.facts["kernel_release"] as? String ?? ""
        XCTAssertTrue(release.hasPrefix("6.1.") && release.hasSuffix("-arm64"), "guest kernel \(release)")
        XCTAssertEqual(scenario.facts["failures"] as? [String], [], scenario.console.suffix(6000).description)
    }

    /// CHAP login, IPCP from the AC's pool, pings both ways, a TCP transfer arriving whole (SHA-256),
    /// and PADT at the end: through relayctl on each dataplane (with `relayctl sessions` naming the
    /// session), or through the pppoe-relay stand-in while no aarch64 relayctl is built.
    func testRealPPPCrossesTheRelayLoginAddressesPingsTransferAndPADT() throws {
        let scenario = try scenario()
        let payload = scenario.facts["payload_bytes"] as? Int ?? 0
        XCTAssertGreaterThanOrEqual(payload, 1 << 20)
        if scenario.facts["relay"] as? String == "relayctl" {
            for name in VMLab.dataplanes {
                let run = try scenario.dataplane(name)
                XCTAssertEqual(run["status_dataplane"] as? String, name)
                XCTAssertEqual(run["chap_succeeded"] as? Bool, true, name)
                XCTAssertEqual((run["wrong_password"] as? [String: Any])?["exit_status"] as? Int, 19, name)
                let ipcp = try XCTUnwrap(run["ipcp"] as? [String: Any], name)
                XCTAssertEqual(ipcp["peer"] as? String, "10.64.2.1", name)
                XCTAssertEqual(ipcp["ac_peer"] as? String, ipcp["local"] as? String, name)
                let pings = run["ping"] as? [String: Bool] ?? [:]
                XCTAssertTrue(pings["cpe_to_ac"] == true && pings["ac_to_cpe"] == true
                              && pings["host_to_server"] == true && pings["server_to_host"] == true, "\(name): \(pings)")
                let transfers = run["transfers"] as? [[String: Any]] ?? []
                let clamped = transfers.first { $0["family"] as? String == "ipv4" && $0["mss"] as? String == "auto" }
                XCTAssertEqual(clamped?["intact"] as? Bool, true, "\(name): \(String(describing: clamped))")
                XCTAssertEqual(clamped?["bytes"] as? Int, payload, name)
                let sessions = run["sessions"] as? [[String: Any]] ?? []
                XCTAssertEqual(sessions.count, 1, name)
                XCTAssertEqual(sessions.first?["client_mac"] as? String, (run["mac"] as? [String: String])?["cpe"], name)
                XCTAssertEqual(sessions.first?["ac_mac"] as? String, (run["mac"] as? [String: String])?["ac"], name)
                // The names from discovery, whole: the aarch64 build once lost a small string's
                // discriminator in the Embedded runtime and crashed logging this session.
                XCTAssertEqual(sessions.first?["ac_name"] as? String, "LabAC", name)
                XCTAssertEqual(sessions.first?["service_name"] as? String, "isp", name)
                XCTAssertEqual(run["relay_exit"] as? Int, 0, name)
                let padts = (run["stop"] as? [String: Any])?["padt_frames"] as? [String: Int] ?? [:]
                XCTAssertGreaterThanOrEqual(padts["cpe"] ?? 0, 1, "\(name): PADT to the subscriber")
                XCTAssertGreaterThanOrEqual(padts["ac"] ?? 0, 1, "\(name): PADT to the AC")
            }
            return
        }
        XCTAssertEqual(scenario.facts["relay"] as? String, "pppoe-relay")
        let run = try XCTUnwrap(scenario.facts["standin"] as? [String: Any], "no stand-in run")
        XCTAssertEqual(run["chap_succeeded"] as? Bool, true)
        let ipcp = try XCTUnwrap(run["ipcp"] as? [String: Any])
        let local = ipcp["local"] as? String ?? ""
        XCTAssertTrue(local.hasPrefix("10.64.2.") && local != "10.64.2.1", "cpe got \(local)")
        XCTAssertEqual(ipcp["peer"] as? String, "10.64.2.1")
        XCTAssertEqual(ipcp["ac_local"] as? String, "10.64.2.1")
        XCTAssertEqual(ipcp["ac_peer"] as? String, local)
        let pings = run["ping"] as? [String: Bool] ?? [:]
        XCTAssertEqual(Set(pings.keys), ["cpe_to_ac", "ac_to_cpe", "cpe_to_server"])
        for (ping, answered) in pings { XCTAssertTrue(answered, "ping \(ping)") }
        let transfer = try XCTUnwrap(run["transfer"] as? [String: Any])
        XCTAssertEqual(transfer["intact"] as? Bool, true, "\(transfer)")
        XCTAssertEqual(transfer["bytes"] as? Int, payload)
        print("aarch64 VM lab: \(payload) bytes server -> cpe through pppoe-relay: \(transfer["mbit_per_s"] ?? "?") Mbit/s (TCG)")
        let stop = try XCTUnwrap(run["stop"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(stop["padt_frames_at_cpe"] as? Int ?? 0, 1, "the AC's PADT reached the cpe")
        XCTAssertEqual(stop["ac_pppd_was"] as? Int, 1)
        XCTAssertEqual(stop["ac_pppd_left"] as? Int, 0, "the AC's pppd ended")
    }
}
