import PPPoEWire
import UserspaceRelay
import XCTest

/// Discovery as hosts that lie would drive it: forged tags from the LAN, forged answers and
/// floods from the WAN, copied Host-Uniqs, rogue ACs. Each test states the attack it stands for.
extension RelayCoreTests {
    func relayTags(_ packet: DiscoveryPacket?) -> [Tag] { packet?.tags.filter { $0.type == .relaySessionID } ?? [] }

    /// A LAN host sends two Relay-Session-Ids, a foreign one and one crafted for a victim (the
    /// AC echoes the last): the answer still goes to the sender only, with its own tags.
    func testTwoRelayTagsFromTheLANRouteTheAnswerToTheSenderOnly() throws {
        var core = makeCore()
        let crafted = Tag(.relaySessionID, [0xCA, 0xFE, 0xF0, 0x0D, 0, 2] + client1.bytes)
        let foreign = Tag(.relaySessionID, [9, 9, 9])
        let padi = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [foreign, Tag(.hostUniq, [1]), crafted]), slot: 1)
        XCTAssertEqual(relayTags(padi.first).count, 1)
        let ours = relayTags(padi.first)[0]
        XCTAssertFalse([foreign, crafted].contains(ours))
        // An AC that echoes whatever tags it got, in any order.
        for tags in [[ours], [crafted, ours], [ours, crafted]] {
            let pado = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: tags + [Tag(.hostUniq, [1])]), slot: 0)
            if tags.first == crafted {
                // The first tag of ours names no request: only a forger can have sent this, since
                // the WAN never saw the crafted tag.
                XCTAssertTrue(pado.isEmpty)
                XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 1)
                continue
            }
            XCTAssertEqual(pado.first?.destination, client2)
            XCTAssertEqual(pado.first?.source, lan1MAC)
            XCTAssertEqual(relayTags(pado.first), [foreign, crafted], "exactly what the client sent")
        }
        let padr = feed(&core, discovery(.padr, from: client2, to: lan1MAC, tags: [foreign, crafted]), slot: 1)
        let padrTag = try XCTUnwrap(relayTags(padr.first).first)
        let pads = feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 7, tags: [padrTag]), slot: 0)
        XCTAssertEqual(pads.first?.destination, client2)
        XCTAssertEqual(core.table.count, 1)
        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        XCTAssertEqual(session.clientMAC, client2, "no session for the MAC the crafted tag named")
        XCTAssertEqual(session.lanSlot, 1, "nor on the LAN it named")
    }

    /// A client behind another relay carries its own tag; a LAN host replays the same tag: each
    /// gets only the answers to its own PADI.
    func testAReplayedRelayTagDoesNotHijackTheVictimsAnswers() throws {
        var core = makeCore()
        let shared = Tag(.relaySessionID, Array(1...12))
        let victim = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [shared]), slot: 1)
        let attacker = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [shared]), slot: 2)
        let victimTag = try XCTUnwrap(relayTags(victim.first).first)
        let attackerTag = try XCTUnwrap(relayTags(attacker.first).first)
        XCTAssertNotEqual(victimTag, attackerTag)
        let toVictim = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [victimTag]), slot: 0)
        XCTAssertEqual(toVictim.map(\.destination), [client1])
        XCTAssertEqual(relayTags(toVictim.first), [shared])
        let toAttacker = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [attackerTag]), slot: 0)
        XCTAssertEqual(toAttacker.map(\.destination), [client2])
    }

    /// A WAN host saw the broadcast PADI and forges PADS for it, or for LAN hosts that asked
    /// nothing: no session, nothing reaches the LAN.
    func testForgedPADSCreatesNoSession() throws {
        var core = makeCore(maxSessions: 20)
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.hostUniq, [1])]), slot: 1)
        let padiTag = try XCTUnwrap(relayTags(padi.first).first)
        // PADS echoing the PADI's tag: no PADR was ever sent.
        XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 1, tags: [padiTag]), slot: 0).isEmpty)
        // Tags of the old layout (instance, slot, MAC) for 25 LAN hosts, and random nonces.
        for n in 0..<25 {
            let mac = MACAddress(value: 0x0E00_0000_1000 + UInt64(n))
            let oldLayout = Tag(.relaySessionID, [0xCA, 0xFE, 0xF0, 0x0D, 0, 1] + mac.bytes)
            let guessed = Tag(.relaySessionID, [0xCA, 0xFE, 0xF0, 0x0D, 0, 0, 1, 2, 3, 4, 5, UInt8(n)])
            XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: UInt16(10 + n), tags: [oldLayout]), slot: 0).isEmpty)
            XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: UInt16(40 + n), tags: [guessed]), slot: 0).isEmpty)
        }
        XCTAssertEqual(core.table.count, 0)
        XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 51)

        // After a real PADR to `ac`, a PADS with its tag from another MAC is still forged.
        _ = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [padiTag]), slot: 0)
        let padr = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.hostUniq, [1])]), slot: 1)
        let padrTag = try XCTUnwrap(relayTags(padr.first).first)
        XCTAssertTrue(feed(&core, discovery(.pads, from: otherAC, to: wanMAC, session: 3, tags: [padrTag]), slot: 0).isEmpty)
        XCTAssertEqual(core.table.count, 0)
        // And a PADS that comes too late answers nothing.
        XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 3, tags: [padrTag]), slot: 0, now: 200).isEmpty)
        XCTAssertEqual(core.table.count, 0)
        XCTAssertEqual(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 3, tags: [padrTag]), slot: 0).first?.destination,
                       client1, "the real AC, in time: the session exists")
        XCTAssertEqual(core.table.count, 1)
    }

    /// 200,000 forged PADOs from as many AC MACs with long tags: a handful of offers are kept,
    /// the rest counted; nothing is stored for PADOs that answer no PADI.
    func testAPADOFloodKeepsAFewOffersPerClientAndNothingElse() throws {
        var core = makeCore(policy: DiscoveryPolicy(offersPerClient: 4))
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: []), slot: 1)
        let tag = try XCTUnwrap(relayTags(padi.first).first)
        let longName = Tag(.acName, [UInt8](repeating: 0x41, count: 1200))
        var relayed = 0
        for n in 0..<200_000 {
            let forgedAC = MACAddress(value: 0x0200_0000_0000 + UInt64(n))
            let echo = n % 2 == 0 ? tag : Tag(.relaySessionID, [0xCA, 0xFE, 0xF0, 0x0D, 0, 0, 0, 0, 0, 0, UInt8(n & 0xFF), 1])
            let frame = discovery(.pado, from: forgedAC, to: wanMAC, tags: [longName, echo])
            relayed += frame.withUnsafeBytes { core.handleDiscovery($0, from: 0, now: 100) }.count
        }
        XCTAssertEqual(relayed, 4)
        XCTAssertEqual(core.counters.droppedOfferLimit, 99_996)
        XCTAssertEqual(core.counters.droppedUnsolicitedAnswer, 100_000)
        // The flood left no mark: an untagged answer from one of its MACs (an AC that strips
        // tags) still reaches a client waiting for it.
        _ = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [Tag(.hostUniq, [8])]), slot: 2)
        let untagged = feed(&core, discovery(.pado, from: MACAddress(value: 0x0200_0000_0000), to: wanMAC,
                                             tags: [Tag(.hostUniq, [8])]), slot: 0)
        XCTAssertEqual(untagged.first?.destination, client2)
    }

    /// One forged PADO with a broadcast PADI's tag, from the MAC of an AC that strips tags, must
    /// not turn the fallback off for that AC.
    func testAForgedTaggedPADODoesNotTurnTheFallbackOff() throws {
        var core = makeCore()
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.hostUniq, [3])]), slot: 1)
        let tag = try XCTUnwrap(relayTags(padi.first).first)
        XCTAssertEqual(feed(&core, discovery(.pado, from: otherAC, to: wanMAC, tags: [Tag(.hostUniq, [3]), tag]), slot: 0).count, 1)
        let untagged = feed(&core, discovery(.pado, from: otherAC, to: wanMAC, tags: [Tag(.hostUniq, [3])]), slot: 0)
        XCTAssertEqual(untagged.first?.destination, client1)
    }

    /// Many LAN hosts sharing one Host-Uniq cost an untagged answer no more than two do, and
    /// none of them gets it.
    func testManyClientsWithOneHostUniqAreAmbiguousAtOnce() {
        var core = makeCore(policy: DiscoveryPolicy(padiPerClientPerMinute: 0, padiPerSecond: 0))
        for n in 0..<3000 {
            _ = feed(&core, discovery(.padi, from: MACAddress(value: 0x0200_0000_0000 + UInt64(n)), to: .broadcast,
                                      tags: [Tag(.hostUniq, [6, 6])]), slot: 1)
        }
        for _ in 0..<1000 {
            XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [6, 6])]), slot: 0).isEmpty)
        }
        XCTAssertEqual(core.counters.droppedAmbiguousAnswer, 1000)
    }

    /// An AC that strips our tag, and a LAN host that copies the victim's Host-Uniq: the answer
    /// goes to neither of them.
    func testACopiedHostUniqAnswersNeitherClient() {
        var core = makeCore()
        _ = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.hostUniq, [5, 5])]), slot: 1)
        _ = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [Tag(.hostUniq, [5, 5])]), slot: 2)
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [5, 5])]), slot: 0).isEmpty)
        XCTAssertEqual(core.counters.droppedAmbiguousAnswer, 1)
        // Two clients without Host-Uniq cannot be told apart either.
        _ = feed(&core, discovery(.padi, from: MACAddress(value: 0x0E00_0000_00C3), to: .broadcast, tags: []), slot: 1)
        _ = feed(&core, discovery(.padi, from: MACAddress(value: 0x0E00_0000_00C4), to: .broadcast, tags: []), slot: 1)
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: []), slot: 0).isEmpty)
        XCTAssertEqual(core.counters.droppedAmbiguousAnswer, 2)
    }

    func testSessionsPerClientAreLimited() {
        var core = makeCore(maxSessions: 8, policy: DiscoveryPolicy(maxSessionsPerClient: 2, padiPerClientPerMinute: 0))
        XCTAssertEqual(establish(&core, client: client1, lanSlot: 1, acSession: 1)?.sessionID, 1)
        XCTAssertEqual(establish(&core, client: client1, lanSlot: 1, acSession: 2)?.sessionID, 2)
        let refused = establish(&core, client: client1, lanSlot: 1, acSession: 3)
        XCTAssertEqual(refused?.sessionID, 0)
        XCTAssertNotNil(refused?.tag(.genericError))
        XCTAssertEqual(core.counters.refusedClientLimit, 1)
        XCTAssertEqual(establish(&core, client: client2, lanSlot: 1, acSession: 4)?.sessionID, 4, "another client is not held back")
        // One session ends: the client may open another.
        _ = feed(&core, discovery(.padt, from: client1, to: lan1MAC, session: 1, tags: []), slot: 1)
        XCTAssertEqual(establish(&core, client: client1, lanSlot: 1, acSession: 5)?.sessionID, 5)
        XCTAssertEqual(core.table.count, 3)
    }

    /// Without a per-client limit one MAC can fill the table, and the next client is refused
    /// with Generic-Error; with one, the others still get in.
    func testOneMACFillingTheTable() {
        // (No PADI rate limit: this client redials faster than one would.)
        var core = makeCore(maxSessions: 4, policy: DiscoveryPolicy(padiPerClientPerMinute: 0))
        for n in 1...4 { XCTAssertEqual(establish(&core, client: client1, lanSlot: 1, acSession: UInt16(n))?.sessionID, UInt16(n)) }
        XCTAssertEqual(establish(&core, client: client2, lanSlot: 2, acSession: 9)?.sessionID, 0)
        XCTAssertEqual(core.counters.refusedTableFull, 1)

        var limited = makeCore(maxSessions: 4, policy: DiscoveryPolicy(maxSessionsPerClient: 3, padiPerClientPerMinute: 0))
        for n in 1...4 { establish(&limited, client: client1, lanSlot: 1, acSession: UInt16(n)) }
        XCTAssertEqual(limited.counters.refusedClientLimit, 1)
        XCTAssertEqual(establish(&limited, client: client2, lanSlot: 2, acSession: 9)?.sessionID, 9)
    }

    func testOnlyAllowedACsAndServicesAreOffered() throws {
        var core = makeCore(policy: DiscoveryPolicy(acNames: ["isp-bras"], serviceNames: ["internet"]))
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]), slot: 1)
        let tag = try XCTUnwrap(relayTags(padi.first).first)
        func offer(_ name: String, _ services: [String], from mac: MACAddress) -> Int {
            feed(&core, discovery(.pado, from: mac, to: wanMAC,
                                  tags: [Tag(.acName, text: name)] + services.map { Tag(.serviceName, text: $0) } + [tag]), slot: 0).count
        }
        XCTAssertEqual(offer("rogue", ["internet"], from: otherAC), 0)
        XCTAssertEqual(offer("isp-bras", ["voip"], from: otherAC), 0)
        XCTAssertEqual(offer("isp-bras", ["voip", "internet"], from: ac), 1)
        XCTAssertEqual(core.counters.droppedACPolicy, 2)
        // The client's PADR goes to the allowed AC: the rogue left no offer behind.
        let padr = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.serviceName, text: "internet")]), slot: 1)
        XCTAssertEqual(padr.first?.destination, ac)
    }

    func testPADIRateLimitsPerSourceAndOverall() {
        var core = makeCore(policy: DiscoveryPolicy(padiPerClientPerMinute: 6, padiPerClientBurst: 3, padiPerSecond: 10))
        func padi(_ mac: MACAddress, now: Int64) -> Int {
            feed(&core, discovery(.padi, from: mac, to: .broadcast, tags: []), slot: 1, now: now).count
        }
        XCTAssertEqual((0..<5).map { _ in padi(client1, now: 100) }, [1, 1, 1, 0, 0], "a burst of three, then none")
        XCTAssertEqual(padi(client1, now: 105), 0)
        XCTAssertEqual(padi(client1, now: 110), 1, "one every ten seconds at 6 a minute")
        XCTAssertEqual(core.counters.droppedPADIRateClient, 3)
        // Many sources: ten a second pass overall, and each refused source spent its token.
        let flood = (0..<50).map { MACAddress(value: 0x0200_0000_0000 + UInt64($0)) }
        XCTAssertEqual(flood.map { padi($0, now: 200) }.reduce(0, +), 10)
        XCTAssertEqual(core.counters.droppedPADIRateOverall, 40)
        XCTAssertEqual(flood.map { padi($0, now: 201) }.reduce(0, +), 10)
        XCTAssertEqual(padi(client2, now: 201), 0, "the overall rate is spent for this second")
        XCTAssertEqual(padi(client2, now: 202), 1, "a new client gets through in the next")
        // Other codes are never rate-limited: a PADR from the throttled client is judged on its
        // merits (no offer).
        XCTAssertTrue(feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: []), slot: 1, now: 202).isEmpty)
        XCTAssertEqual(core.counters.droppedWithoutOffer, 1)
        XCTAssertEqual(core.counters.droppedPADIRateClient + core.counters.droppedPADIRateOverall, 3 + 40 + 40 + 1)
    }

    /// A PADI flood from made-up MACs (no rate limit here) cycles the discovery records, but a
    /// client whose PADR is out keeps its record and gets its session.
    func testAFloodOfPADIsDoesNotEvictAClientThatIsRequesting() throws {
        var core = makeCore(policy: DiscoveryPolicy(padiPerClientPerMinute: 0, padiPerSecond: 0))
        let padr = try XCTUnwrap(requestSession(&core, client: client1, lanSlot: 1))
        for n in 0..<20_000 {
            _ = feed(&core, discovery(.padi, from: MACAddress(value: 0x0200_0000_0000 + UInt64(n)), to: .broadcast,
                                      tags: [Tag(.hostUniq, [UInt8(n & 0xFF)])]), slot: 2)
        }
        let pads = feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 3, tags: [padr.tag(.relaySessionID)!]), slot: 0)
        XCTAssertEqual(pads.first?.destination, client1)
        XCTAssertEqual(core.table.count, 1)
        // And a client that only sent its PADI just now still gets its offer.
        let padi = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: []), slot: 2)
        let tag = try XCTUnwrap(relayTags(padi.first).first)
        XCTAssertEqual(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [tag]), slot: 0).first?.destination, client2)
    }

    /// PADT with the session's MAC but another session id, from either side: ends nothing.
    func testPADTWithTheRightMACAndTheWrongSessionIDEndsNothing() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 9)
        XCTAssertTrue(feed(&core, discovery(.padt, from: client1, to: lan1MAC, session: 10, tags: []), slot: 1).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.padt, from: ac, to: wanMAC, session: 10, tags: []), slot: 0).isEmpty)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.droppedUnmatchedPADT, 2)
    }

    func testDiscoveryFromZeroMulticastOrBroadcastSourcesIsDropped() {
        var core = makeCore()
        for source in [MACAddress.zero, .broadcast, MACAddress("01:00:5e:00:00:01")!] {
            XCTAssertTrue(feed(&core, discovery(.padi, from: source, to: .broadcast, tags: []), slot: 1).isEmpty)
            XCTAssertTrue(feed(&core, discovery(.pado, from: source, to: wanMAC, tags: []), slot: 0).isEmpty)
        }
        XCTAssertEqual(core.counters.droppedBadSource, 6)
    }

    /// A rogue AC on a LAN, and clients' requests arriving on the WAN: wrong direction, dropped.
    func testAnswersFromALANAndRequestsFromTheWANAreDropped() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 4)
        XCTAssertTrue(feed(&core, discovery(.pado, from: client2, to: client1, tags: []), slot: 1).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.pads, from: client2, to: lan1MAC, session: 4, tags: []), slot: 1).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.padi, from: otherAC, to: .broadcast, tags: []), slot: 0).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.padr, from: otherAC, to: wanMAC, tags: []), slot: 0).isEmpty)
        XCTAssertEqual(core.counters.droppedWrongDirection, 4)
        // A PADT from the rogue with the session's id ends nothing.
        XCTAssertTrue(feed(&core, discovery(.padt, from: client2, to: lan1MAC, session: 4, tags: []), slot: 1).isEmpty)
        XCTAssertEqual(core.table.count, 1)
    }

    /// A PADI that leaves no room for our tag within the WAN MTU, and one carrying more of the
    /// client's own tags than the relay keeps: dropped and counted, nothing recorded.
    func testNoRoomForTheRelayTag() {
        var core = makeCore()
        let filler = Tag(TagType(rawValue: 0x0199), [UInt8](repeating: 7, count: 1494 - 4 - 4))
        XCTAssertEqual(DiscoveryPacket(destination: .broadcast, source: client1, code: .padi, tags: [filler, Tag(.serviceName)]).frameLength,
                       14 + 1500)
        XCTAssertTrue(feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [filler, Tag(.serviceName)]), slot: 1).isEmpty)
        let long = Tag(.relaySessionID, [UInt8](repeating: 1, count: 61))
        XCTAssertTrue(feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [long]), slot: 1).isEmpty)
        // Empty tags cost a record their headers too, and no more than four are kept.
        let empties = [Tag](repeating: Tag(.relaySessionID), count: 5)
        XCTAssertTrue(feed(&core, discovery(.padi, from: MACAddress(value: 0x0E00_0000_00C5), to: .broadcast, tags: empties),
                           slot: 1).isEmpty)
        XCTAssertEqual(core.counters.droppedNoRoomForRelayTag, 3)
        XCTAssertEqual(feed(&core, discovery(.padi, from: MACAddress(value: 0x0E00_0000_00C6), to: .broadcast,
                                             tags: Array(empties.prefix(4))), slot: 1).count, 1)
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [1])]), slot: 0).isEmpty,
                      "no client that asked for this is waiting")
    }
}
