import Foundation
import XCTest

/// accel-ppp as the access concentrator in the VM lab (built by scripts/setup from its pinned
/// sources into the lab's cache), in the same boot as rp-pppoe's: its AC-Cookie is a keyed hash
/// over the requester's MAC and the PADI's Relay-Session-Id, checked against the PADR's, so it
/// takes a PADR through a relay only if the relay kept its client's tag from PADI to PADR. Real
/// pppd (rp-pppoe plugin, CHAP) through relayctl on each dataplane: a login, pings, a transfer,
/// a second client while accel-ppp holds its PADOs back 500 ms, both sessions in both lists, and
/// PADT at stop. Each test asserts one part of results.json.
final class AccelPPPVMLabTests: XCTestCase {
    private func scenario() throws -> VMScenario { try VMScenario.shared.get() }

    /// Every PADR on the WAN carried the Relay-Session-Id of its client's PADI, accel-ppp
    /// discarded none of them ("incorrect AC-Cookie" is what it logs otherwise), and answered
    /// each with a PADS.
    func testEveryPADRCarriesItsPADIsTagAndAccelPPPTakesIt() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.accelPPP(name)
            XCTAssertEqual(run["status_dataplane"] as? String, name)
            let discovery = try XCTUnwrap(run["discovery"] as? [String: Any], name)
            let padrs = discovery["padr"] as? Int ?? 0
            XCTAssertGreaterThanOrEqual(padrs, 2, "\(name): one PADR per client at least: \(discovery)")
            XCTAssertEqual(discovery["padr_with_padi_tag"] as? Int, padrs, "\(name): \(discovery)")
            XCTAssertGreaterThanOrEqual(discovery["pads"] as? Int ?? 0, 2, "\(name): \(discovery)")
            XCTAssertEqual(discovery["accel_discarded_padr"] as? Int, 0, "\(name): \(discovery)")
            XCTAssertEqual(discovery["accel_incorrect_cookie"] as? Int, 0, "\(name): \(discovery)")
        }
    }

    /// CHAP against accel-ppp's chap-secrets, IPCP with an address from its pool, and pings on the
    /// PPP link and between the host behind the subscriber and the server behind accel-ppp.
    func testCHAPIPCPAndPingsThroughTheRelay() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.accelPPP(name)
            XCTAssertEqual(run["chap_succeeded"] as? Bool, true, name)
            let ipcp = try XCTUnwrap(run["ipcp"] as? [String: Any], name)
            XCTAssertEqual(ipcp["peer"] as? String, "10.64.2.1", name)
            let local = ipcp["local"] as? String ?? ""
            XCTAssertTrue(local.hasPrefix("10.64.2.") && local != "10.64.2.1", "\(name): \(local)")
            let pings = run["ping"] as? [String: Bool] ?? [:]
            XCTAssertEqual(Set(pings.keys), ["cpe_to_ac", "host_to_server", "server_to_host", "second_to_ac",
                                             "first_to_ac_meanwhile"], name)
            for (ping, answered) in pings { XCTAssertTrue(answered, "\(name): ping \(ping)") }
        }
    }

    /// 24 MiB from the server behind accel-ppp to the host behind the subscriber arrive whole
    /// (SHA-256), the relay clamping the host's SYN on the 1492-byte session.
    func testATransferArrivesWhole() throws {
        let scenario = try scenario()
        let payload = scenario.facts["payload_bytes"] as? Int ?? 0
        for name in VMLab.dataplanes {
            let transfer = try XCTUnwrap(try scenario.accelPPP(name)["transfer"] as? [String: Any], name)
            XCTAssertEqual(transfer["bytes"] as? Int, payload, "\(name): \(transfer)")
            XCTAssertEqual(transfer["intact"] as? Bool, true, "\(name): \(transfer)")
            print("VM lab: accel-ppp, \(name) dataplane, \(payload) bytes server -> host: "
                  + "\(transfer["mbit_per_s"] ?? "?") Mbit/s (TCG)")
        }
    }

    /// A second client, with a MAC of its own on the same LAN, dials while accel-ppp delays its
    /// PADOs by 500 ms (`pppoe set PADO-delay 500`): its offer comes that much after its PADI,
    /// it gets its session, and both sessions show in `relayctl sessions` (each client's MAC,
    /// accel-ppp's MAC and AC-Name) and in accel-ppp's `show sessions` (both from the relay's WAN MAC).
    func testTwoClientsAtOnceWithADelayedPADO() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.accelPPP(name)
            XCTAssertEqual(run["pado_delay"] as? String, "500", name)
            let delays = (run["discovery"] as? [String: Any])?["pado_after_padi_seconds"] as? [Double] ?? []
            XCTAssertEqual(delays.count, 2, "\(name): one offer per client: \(delays)")
            XCTAssertGreaterThanOrEqual(delays.last ?? 0, 0.45, "\(name): the second client's PADO was delayed")
            XCTAssertNotNil(run["second_dial_seconds"] as? Double, name)
            let macs = run["mac"] as? [String: String] ?? [:]
            let sessions = run["sessions"] as? [[String: Any]] ?? []
            XCTAssertEqual(Set(sessions.compactMap { $0["client_mac"] as? String }),
                           Set([macs["cpe"], macs["cpe2"]].compactMap { $0 }), name)
            XCTAssertEqual(sessions.count, 2, name)
            for session in sessions {
                XCTAssertEqual(session["ac_mac"] as? String, macs["ac"], name)
                XCTAssertEqual(session["ac_name"] as? String, "LabAccel", name)
                XCTAssertEqual(session["service_name"] as? String, "isp", name)
            }
            let accel = run["accel_sessions"] as? [[String: String]] ?? []
            XCTAssertEqual(accel.count, 2, name)
            for session in accel {
                XCTAssertEqual(session["username"], "subscriber", name)
                XCTAssertEqual(session["state"], "active", name)
                XCTAssertEqual(session["calling-sid"]?.lowercased(), macs["relay_wan"], name)
            }
        }
    }

    /// Stopping the relay sends PADT to both clients and to accel-ppp for both sessions: both pppd
    /// end on the hangup (16) and accel-ppp lists no session.
    func testStoppingTheRelayEndsBothSessionsAtBothEnds() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.accelPPP(name)
            XCTAssertEqual(run["relay_exit"] as? Int, 0, name)
            let stop = try XCTUnwrap(run["stop"] as? [String: Any], name)
            let padts = stop["padt_frames"] as? [String: Int] ?? [:]
            XCTAssertGreaterThanOrEqual(padts["cpe"] ?? 0, 2, "\(name): PADT to each client")
            XCTAssertGreaterThanOrEqual(padts["ac"] ?? 0, 2, "\(name): PADT to accel-ppp for each session")
            XCTAssertEqual(stop["cpe_pppd_exits"] as? [Int], [16, 16], name)
            XCTAssertEqual(run["accel_sessions_after_stop"] as? Int, 0, name)
        }
    }

    /// The same accel-ppp, PADOs delayed, through rp-pppoe's pppoe-relay: the reference works
    /// here too, so a failure above is ours.
    func testRPPPPoEsRelayCarriesASessionToAccelPPPToo() throws {
        let run = try scenario().accelPPP("pppoe-relay")
        XCTAssertEqual(run["ping"] as? Bool, true, "\(run)")
        XCTAssertNotNil(run["dial_seconds"] as? Double)
    }
}
