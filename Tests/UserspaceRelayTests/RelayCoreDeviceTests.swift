import PPPoEWire
import UserspaceRelay
import XCTest

/// What the relay does when devices change under it, and the MSS a PADS's PPP-Max-Payload buys.
extension RelayCoreTests {
    /// The PADS of an AC that agreed to a larger payload (RFC 4638), for the session `establish` starts.
    func establishWithMaxPayload(_ core: inout RelayCore, _ maxPayload: UInt16) -> DiscoveryPacket? {
        guard let padr = requestSession(&core, client: client1, lanSlot: 1), let tag = padr.tag(.relaySessionID) else {
            return nil
        }
        let payload = Tag(.pppMaxPayload, [UInt8(maxPayload >> 8), UInt8(maxPayload & 0xFF)])
        return feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 9,
                                     tags: [Tag(.serviceName, text: "isp"), Tag(.hostUniq, [1, 2, 3]), payload, tag]),
                    slot: 0).first
    }

    /// The MSS a client's SYN offering 1480 leaves the relay with, on session `session`.
    func clampedMSS(_ core: inout RelayCore, session: UInt16) -> UInt16? {
        var frame = synFrame(mss: 1480, from: client1, to: lan1MAC, session: session)
        guard forward(&core, &frame, slot: 1) != nil else { return nil }
        return UInt16(frame[frame.count - 2]) << 8 | UInt16(frame[frame.count - 1])
    }

    func testAPPPMaxPayloadInThePADSRaisesTheMSSLimitsOfThatSession() throws {
        var core = makeCore()
        let pads = try XCTUnwrap(establishWithMaxPayload(&core, 1500))
        XCTAssertEqual(clampedMSS(&core, session: pads.sessionID), 1460, "1500 bytes of payload: 1460, not the default 1452")

        // A fixed setting ignores the payload; auto again brings the session's own limit back.
        core.setMSS(.fixed(1400))
        XCTAssertEqual(clampedMSS(&core, session: pads.sessionID), 1400)
        core.setMSS(.auto)
        XCTAssertEqual(clampedMSS(&core, session: pads.sessionID), 1460, "1460 again")
    }

    func testAPPPMaxPayloadBelowTheDefaultDoesNotLowerTheLimit() throws {
        var core = makeCore()
        let pads = try XCTUnwrap(establishWithMaxPayload(&core, 1400))
        XCTAssertEqual(clampedMSS(&core, session: pads.sessionID), 1452)
    }

    func testALANThatGoesAwayEndsItsSessionsWithPADTToTheACOnly() throws {
        var core = makeCore()
        let first = try XCTUnwrap(establish(&core, client: client1, lanSlot: 1, acSession: 1))
        let second = try XCTUnwrap(establish(&core, client: client2, lanSlot: 2, acSession: 2, hostUniq: [4, 5]))
        _ = core.takeSessionEvents()
        let padts = core.endSessions(onSlot: 1, reason: "lan1 gone").map { try! DiscoveryPacket(parsing: $0.bytes) }
        XCTAssertEqual(padts.count, 1)
        XCTAssertEqual(padts.first?.code, .padt)
        XCTAssertEqual(padts.first?.destination, ac)
        XCTAssertEqual(padts.first?.source, wanMAC)
        XCTAssertEqual(padts.first?.sessionID, 1)
        XCTAssertEqual(padts.first?.tag(.genericError)?.text, "lan1 gone")
        XCTAssertEqual(core.table.count, 1, "the session on lan2 stays")
        XCTAssertEqual(core.counters.padtSent, 1)
        XCTAssertEqual(core.counters.sessionsEnded, 1)
        XCTAssertEqual(core.takeSessionEvents().count, 1)
        // The ended session's frames are no longer relayed; the other's are.
        var gone = sessionFrame(from: client1, to: lan1MAC, session: first.sessionID)
        XCTAssertNil(forward(&core, &gone, slot: 1))
        var kept = sessionFrame(from: client2, to: lan2MAC, session: second.sessionID)
        XCTAssertEqual(forward(&core, &kept, slot: 2)?.egress, 0)
    }

    func testAWANThatGoesAwayEndsEverySessionWithPADTToEachClient() throws {
        var core = makeCore()
        let first = try XCTUnwrap(establish(&core, client: client1, lanSlot: 1, acSession: 1))
        let second = try XCTUnwrap(establish(&core, client: client2, lanSlot: 2, acSession: 2, hostUniq: [4, 5]))
        let out = core.endSessions(onSlot: 0, reason: "WAN gone")
        XCTAssertEqual(out.map(\.slot).sorted(), [1, 2], "to each client's LAN, none to the WAN")
        let padts = out.map { try! DiscoveryPacket(parsing: $0.bytes) }
        XCTAssertEqual(Set(padts.map(\.destination)), [client1, client2])
        XCTAssertEqual(Set(padts.map(\.source)), [lan1MAC, lan2MAC])
        XCTAssertTrue(padts.allSatisfy { $0.code == .padt })
        XCTAssertEqual(padts.first { $0.destination == client1 }?.sessionID, first.sessionID)
        XCTAssertEqual(padts.first { $0.destination == client2 }?.sessionID, second.sessionID)
        XCTAssertEqual(core.table.count, 0)
        XCTAssertTrue(core.endSessions(onSlot: 0, reason: "again").isEmpty, "nothing left to end")
    }

    func testADeviceThatComesBackWithANewMACIsUsedForWhatFollows() throws {
        var core = makeCore()
        let pads = try XCTUnwrap(establish(&core, client: client1, lanSlot: 1, acSession: 3))
        let newLAN = MACAddress("02:00:00:00:01:01")!
        core.updateInterface(RelayInterface(name: "lan1", index: 21, mac: newLAN, mtu: 1500, role: .lan), slot: 1)
        XCTAssertEqual(core.interfaces[1].index, 21)
        XCTAssertEqual(core.interfaces[1].mac, newLAN)
        // Frames from the AC now leave lan1 from its new address; the session survived.
        var down = sessionFrame(from: ac, to: wanMAC, session: 3)
        XCTAssertEqual(forward(&core, &down, slot: 0)?.egress, 1)
        XCTAssertEqual(Array(down[0..<12]), client1.bytes + newLAN.bytes)
        XCTAssertEqual(Array(down[16..<18]), [UInt8(pads.sessionID >> 8), UInt8(pads.sessionID & 0xFF)])
        // And its PADT on the way out comes from the new address too.
        let padt = core.terminateAll(reason: "stop").map { try! DiscoveryPacket(parsing: $0.bytes) }
        XCTAssertEqual(padt.first { $0.destination == client1 }?.source, newLAN)
    }
}
