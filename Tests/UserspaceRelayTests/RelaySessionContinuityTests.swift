import PPPoEWire
import UserspaceRelay
import XCTest

/// One Relay-Session-Id per client's discovery, as ACs that bind their AC-Cookie to it need, and
/// what keeps a PADS honest now that its tag was broadcast with the PADI: the MAC the PADR went
/// to, a PADR unanswered, one PADS per PADR.
extension RelayCoreTests {
    /// An access concentrator that, like accel-ppp, makes its AC-Cookie from the requester's
    /// MAC and the PADI's Relay-Session-Id, and discards a PADR whose cookie does not match the
    /// Relay-Session-Id the PADR carries.
    struct CookieBindingAC {
        let mac: MACAddress
        let secret: UInt64

        func cookie(requester: MACAddress, relayTag: [UInt8]?) -> [UInt8] {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ secret // FNV-1a, keyed: enough for a test
            for byte in requester.bytes + (relayTag ?? []) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return (0..<8).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
        }

        /// The PADO answering a PADI that reached the WAN.
        func offer(_ padi: DiscoveryPacket, to relayMAC: MACAddress) -> [UInt8] {
            let relayTag = padi.tag(.relaySessionID)
            var tags = [Tag(.acName, text: "bras"), Tag(.serviceName),
                        Tag(.acCookie, cookie(requester: padi.source, relayTag: relayTag?.value))]
            if let relayTag { tags.append(relayTag) }
            return DiscoveryPacket(destination: relayMAC, source: mac, code: .pado, tags: tags).serialized()
        }

        /// The PADS for a PADR, or nil where this AC discards the PADR (a cookie it did not make
        /// for this requester and this Relay-Session-Id).
        func confirm(_ padr: DiscoveryPacket, session: UInt16) -> [UInt8]? {
            let relayTag = padr.tag(.relaySessionID)
            guard padr.destination == mac,
                  padr.tag(.acCookie)?.value == cookie(requester: padr.source, relayTag: relayTag?.value) else { return nil }
            var tags = [Tag(.serviceName)]
            if let relayTag { tags.append(relayTag) }
            return DiscoveryPacket(destination: padr.source, source: mac, code: .pads, sessionID: session, tags: tags).serialized()
        }
    }

    /// A client as pppd's rp-pppoe plugin behaves: it echoes the AC-Cookie of the offer it took.
    func clientPADR(_ pado: DiscoveryPacket?, from client: MACAddress, to lanMAC: MACAddress) -> [UInt8] {
        discovery(.padr, from: client, to: lanMAC,
                  tags: [Tag(.serviceName)] + (pado?.tag(.acCookie).map { [$0] } ?? []))
    }

    func testThePADRCarriesTheRelaySessionIdOfItsPADI() throws {
        var core = makeCore()
        let bras = CookieBindingAC(mac: ac, secret: 0x5EC7E7)
        let padi = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]),
                                      slot: 1).first)
        let pado = feed(&core, bras.offer(padi, to: wanMAC), slot: 0)
        XCTAssertEqual(pado.first?.destination, client1)
        let padr = try XCTUnwrap(feed(&core, clientPADR(pado.first, from: client1, to: lan1MAC), slot: 1).first)
        XCTAssertEqual(padr.tag(.relaySessionID), padi.tag(.relaySessionID))
        let pads = try XCTUnwrap(bras.confirm(padr, session: 0x31), "the AC takes the PADR: its cookie matches")
        XCTAssertEqual(feed(&core, pads, slot: 0).first?.sessionID, 0x31)
        XCTAssertEqual(core.table.count, 1)
    }

    /// pppd resends its PADI when no offer came in time (accel-ppp's `pado-delay`), and may send
    /// its PADR for an offer that answered any of them: every one carries the same tag, as long
    /// as an AC could still answer or hold a cookie made for it.
    func testPADIRetriesKeepTheTagWhileAnACCouldHoldACookieForIt() throws {
        var core = makeCore(policy: DiscoveryPolicy(padiPerClientPerMinute: 0))
        let bras = CookieBindingAC(mac: ac, secret: 77)
        func padi(at now: Int64) throws -> DiscoveryPacket {
            try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]),
                               slot: 1, now: now).first)
        }
        let first = try padi(at: 100)
        let tag = try XCTUnwrap(first.tag(.relaySessionID))
        XCTAssertEqual(try padi(at: 105).tag(.relaySessionID), tag, "a retry while the PADI waits for offers")
        // The delayed offer answers the first PADI; the client's next retry crosses it.
        let pado = feed(&core, bras.offer(first, to: wanMAC), slot: 0, now: 106)
        XCTAssertEqual(pado.first?.destination, client1)
        XCTAssertEqual(try padi(at: 118).tag(.relaySessionID), tag, "a retry after the answer window, with an offer live")
        let padr = try XCTUnwrap(feed(&core, clientPADR(pado.first, from: client1, to: lan1MAC), slot: 1, now: 119).first)
        XCTAssertEqual(padr.tag(.relaySessionID), tag)
        let pads = try XCTUnwrap(bras.confirm(padr, session: 5))
        XCTAssertEqual(feed(&core, pads, slot: 0, now: 119).first?.sessionID, 5)

        // A second pppd on the same MAC, while the offer is still usable: the same discovery.
        XCTAssertEqual(try padi(at: 125).tag(.relaySessionID), tag)
        // Nothing left that an AC could answer or hold a cookie for: a fresh tag.
        let fresh = try padi(at: 200)
        XCTAssertNotEqual(fresh.tag(.relaySessionID), tag)
        XCTAssertEqual(try padi(at: 201).tag(.relaySessionID), fresh.tag(.relaySessionID))
        // The old tag answers nothing now.
        XCTAssertTrue(feed(&core, bras.offer(first, to: wanMAC), slot: 0, now: 202).isEmpty)
        XCTAssertEqual(feed(&core, bras.offer(fresh, to: wanMAC), slot: 0, now: 202).first?.destination, client1)
    }

    /// Two pppd on one MAC (two sessions over one link) dial at once through one discovery
    /// record: one tag, two PADRs, and each PADR gets its PADS; a third PADS does not pass.
    func testTwoSessionsFromOneMACEachGetTheirPADS() throws {
        var core = makeCore()
        let bras = CookieBindingAC(mac: ac, secret: 11)
        let first = Tag(.hostUniq, [1]), second = Tag(.hostUniq, [2])
        let padi1 = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName), first]), slot: 1).first)
        let padi2 = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName), second]), slot: 1).first)
        XCTAssertEqual(padi1.tag(.relaySessionID), padi2.tag(.relaySessionID))
        let offer1 = feed(&core, bras.offer(padi1, to: wanMAC), slot: 0)
        let offer2 = feed(&core, bras.offer(padi2, to: wanMAC), slot: 0)
        let padr1 = try XCTUnwrap(feed(&core, clientPADR(offer1.first, from: client1, to: lan1MAC), slot: 1).first)
        let padr2 = try XCTUnwrap(feed(&core, clientPADR(offer2.first, from: client1, to: lan1MAC), slot: 1).first)
        XCTAssertEqual(feed(&core, try XCTUnwrap(bras.confirm(padr1, session: 1)), slot: 0).first?.sessionID, 1)
        XCTAssertEqual(feed(&core, try XCTUnwrap(bras.confirm(padr2, session: 2)), slot: 0).first?.sessionID, 2)
        XCTAssertTrue(feed(&core, try XCTUnwrap(bras.confirm(padr2, session: 3)), slot: 0).isEmpty)
        XCTAssertEqual(core.table.count, 2)
    }

    /// Two clients at once, and a client that turns to a second AC: each PADR carries its own
    /// client's PADI tag, whichever AC it goes to, and the ACs take them.
    func testTwoClientsAndTwoACsEachKeepTheirDiscoverysTag() throws {
        var core = makeCore()
        let first = CookieBindingAC(mac: ac, secret: 1)
        let second = CookieBindingAC(mac: otherAC, secret: 2)
        let padi1 = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]), slot: 1).first)
        let padi2 = try XCTUnwrap(feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [Tag(.serviceName)]), slot: 2).first)
        XCTAssertNotEqual(padi1.tag(.relaySessionID), padi2.tag(.relaySessionID))
        let offer1 = feed(&core, second.offer(padi1, to: wanMAC), slot: 0)
        _ = feed(&core, first.offer(padi1, to: wanMAC), slot: 0)
        let offer2 = feed(&core, first.offer(padi2, to: wanMAC), slot: 0)
        // Client 1 takes the second AC's offer (its cookie says which), client 2 the first's.
        let padr1 = try XCTUnwrap(feed(&core, clientPADR(offer1.first, from: client1, to: lan1MAC), slot: 1).first)
        let padr2 = try XCTUnwrap(feed(&core, clientPADR(offer2.first, from: client2, to: lan2MAC), slot: 2).first)
        XCTAssertEqual(padr1.destination, otherAC)
        XCTAssertEqual(padr2.destination, ac)
        XCTAssertEqual(padr1.tag(.relaySessionID), padi1.tag(.relaySessionID))
        XCTAssertEqual(padr2.tag(.relaySessionID), padi2.tag(.relaySessionID))
        XCTAssertEqual(feed(&core, try XCTUnwrap(second.confirm(padr1, session: 1)), slot: 0).first?.destination, client1)
        XCTAssertEqual(feed(&core, try XCTUnwrap(first.confirm(padr2, session: 2)), slot: 0).first?.destination, client2)
        XCTAssertEqual(core.table.count, 2)
    }

    /// Everything of the client's own that an AC may bind its cookie or offer to (Host-Uniq,
    /// Service-Name, the client's source as the AC sees it: the relay's WAN MAC) is the same in
    /// the PADR as in the PADI.
    func testWhatAnACMayBindToIsTheSameInPADIAndPADR() throws {
        var core = makeCore()
        let hostUniq = Tag(.hostUniq, [9, 8, 7, 6])
        let service = Tag(.serviceName, text: "internet")
        let padi = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [service, hostUniq]), slot: 1).first)
        let tag = try XCTUnwrap(padi.tag(.relaySessionID))
        _ = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.acName, text: "AC"), service, hostUniq,
                                                                       Tag(.acCookie, [1, 2]), tag]), slot: 0)
        let padr = try XCTUnwrap(feed(&core, discovery(.padr, from: client1, to: lan1MAC,
                                                       tags: [service, hostUniq, Tag(.acCookie, [1, 2])]), slot: 1).first)
        XCTAssertEqual(padr.source, padi.source)
        XCTAssertEqual(padr.tag(.hostUniq), hostUniq)
        XCTAssertEqual(padr.tag(.serviceName), service)
        XCTAssertEqual(padr.tag(.relaySessionID), tag)
        XCTAssertEqual(padr.tag(.acCookie)?.value, [1, 2])
    }

    /// A WAN host saw the broadcast PADI, so it knows the tag the PADR will carry. Its PADS opens
    /// no session: not from the MAC the PADR went to, not before the PADR, not a second time.
    /// None of them spends the real AC's answer.
    func testAPADSWithTheBroadcastTagIsAcceptedOnlyFromThePADRsACOnce() throws {
        var core = makeCore(maxSessions: 20)
        let forger = MACAddress("0e:00:00:00:66:66")!
        let bras = CookieBindingAC(mac: ac, secret: 3)
        let padi = try XCTUnwrap(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]), slot: 1).first)
        let tag = try XCTUnwrap(padi.tag(.relaySessionID))
        let foreign = Tag(.relaySessionID, [1, 2, 3])
        func pads(from mac: MACAddress, session: UInt16, tags: [Tag]) -> [DiscoveryPacket] {
            feed(&core, discovery(.pads, from: mac, to: wanMAC, session: session, tags: [Tag(.serviceName)] + tags), slot: 0)
        }
        // Before any PADR: from the forger, and from the AC's own MAC, our tag first (read in
        // place) or behind another relay's (parsed).
        for (n, mac) in [forger, ac].enumerated() {
            XCTAssertTrue(pads(from: mac, session: UInt16(10 + n), tags: [tag]).isEmpty)
            XCTAssertTrue(pads(from: mac, session: UInt16(20 + n), tags: [foreign, tag]).isEmpty)
        }
        // The forger also offers; the client takes the real AC's offer.
        _ = feed(&core, discovery(.pado, from: forger, to: wanMAC, tags: [Tag(.acCookie, [6]), tag]), slot: 0)
        let offer = feed(&core, bras.offer(padi, to: wanMAC), slot: 0)
        let padr = try XCTUnwrap(feed(&core, clientPADR(offer.first, from: client1, to: lan1MAC), slot: 1).first)
        XCTAssertEqual(padr.destination, ac)
        // The PADR is out: the forger's PADS, and one from the other AC, are not from its MAC.
        XCTAssertTrue(pads(from: forger, session: 30, tags: [tag]).isEmpty)
        XCTAssertTrue(pads(from: forger, session: 31, tags: [foreign, tag]).isEmpty)
        XCTAssertTrue(pads(from: otherAC, session: 32, tags: [tag]).isEmpty)
        XCTAssertEqual(core.table.count, 0)
        XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 7)
        // The real PADS still finds its PADR unanswered.
        let real = feed(&core, try XCTUnwrap(bras.confirm(padr, session: 40)), slot: 0)
        XCTAssertEqual(real.first?.destination, client1)
        XCTAssertEqual(real.first?.sessionID, 40)
        // Once answered, no PADS is taken for it again, from the AC's MAC or anyone's.
        XCTAssertTrue(pads(from: ac, session: 41, tags: [tag]).isEmpty)
        XCTAssertTrue(pads(from: ac, session: 42, tags: [foreign, tag]).isEmpty)
        XCTAssertTrue(pads(from: forger, session: 43, tags: [tag]).isEmpty)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 10)
        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        XCTAssertEqual(session.acMAC, ac)
        XCTAssertEqual(session.acSessionID, 40)
    }

    /// An AC that strips the tag: its untagged PADS is taken once per PADR, from its MAC only.
    func testAnUntaggedPADSIsAcceptedOnlyOncePerPADR() throws {
        var core = makeCore()
        let hostUniq = Tag(.hostUniq, [4, 4])
        _ = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [hostUniq]), slot: 1)
        _ = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [hostUniq]), slot: 0)
        XCTAssertEqual(feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [hostUniq]), slot: 1).first?.destination, ac)
        XCTAssertTrue(feed(&core, discovery(.pads, from: otherAC, to: wanMAC, session: 6, tags: [hostUniq]), slot: 0).isEmpty)
        XCTAssertEqual(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 7, tags: [hostUniq]), slot: 0).first?.destination,
                       client1)
        XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 8, tags: [hostUniq]), slot: 0).isEmpty)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 2)
    }
}
