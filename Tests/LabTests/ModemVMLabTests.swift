import Foundation
import XCTest

/// Real PPP through `relayctl modem` (lab/vm/modem.py in the VM lab): a subscriber's pppd with its
/// PPPoE plugin on the LAN, the modem emulator's chat on a pty, then Debian's pppd behind it as
/// the mobile network. The VM boots once; each test asserts one part of what it saw. Skips where
/// no VM can start (fails under CI=true), like the rest of the VM lab.
final class ModemVMLabTests: XCTestCase {
    static let scenario = OnceResult<[String: Any]> {
        let relayctl = Lab.releaseRelayctl
        guard FileManager.default.isExecutableFile(atPath: relayctl) else {
            throw VMLab.unavailable("the VM lab runs the optimised relayctl at \(relayctl): run swift build -c release")
        }
        let work = try VMLab.workDirectory("vmlab-modem")
        defer { VMLab.remove(work) }
        let out = try VMLab.boot(work: work, timeout: 600, [
            Lab.python, Lab.root.appendingPathComponent("lab/vm/modem.py").path, "--relayctl", relayctl,
            "--out", "/run/vmlab/work",
        ])
        guard let data = FileManager.default.contents(atPath: work.appendingPathComponent("results.json").path),
              let facts = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LabError("the modem scenario left no results (exit \(out.status)):\n\(out.stdout.suffix(4000))")
        }
        return facts.merging(["console": out.stdout, "exit_status": out.status]) { a, _ in a }
    }

    func facts() throws -> [String: Any] { try Self.scenario.get() }

    func checkHeld(_ name: String) throws {
        let facts = try facts()
        let checks = facts["checks"] as? [String: Bool] ?? [:]
        XCTAssertEqual(checks[name], true, "\(name)\n\(facts["error"] ?? "")\n\((facts["console"] as? String ?? "").suffix(3000))")
    }

    func testARealPPPDClientGetsItsAddressThroughRelayAndModem() throws {
        try checkHeld("cpe pppd got its address through relay and modem")
        XCTAssertEqual(try facts()["address"] as? String, "10.99.0.2")
        try checkHeld("cpe pings the network's end across the modem")
    }

    func testTheSessionIsShownConnectedAndTheNetworksACCMWasRejected() throws {
        try checkHeld("relayctl sessions shows it connected")
        try checkHeld("the relay rejected the network pppd's ACCM")
    }

    func testTheClientHangingUpEndsTheNetworksPPPD() throws {
        try checkHeld("cpe pppd ended")
        try checkHeld("the network's pppd ended when the relay hung up")
        try checkHeld("status says hung up")
        XCTAssertNil(try facts()["error"])
        XCTAssertEqual(try facts()["exit_status"] as? Int32, 0, "every check of the scenario held")
    }
}
