import PPPoEWire
import UserspaceRelay
import XCTest

/// The relay's discovery policy and session rewriting, driven with crafted frames.
final class RelayCoreTests: XCTestCase {
    let wanMAC = MACAddress("02:00:00:00:00:0a")!
    let lan1MAC = MACAddress("02:00:00:00:00:01")!
    let lan2MAC = MACAddress("02:00:00:00:00:02")!
    let client1 = MACAddress("0e:00:00:00:00:c1")!
    let client2 = MACAddress("0e:00:00:00:00:c2")!
    let ac = MACAddress("0e:00:00:00:00:ac")!
    let otherAC = MACAddress("0e:00:00:00:00:ad")!

    func makeCore(maxSessions: Int = 16, idleTimeout: Int64 = 0, policy: DiscoveryPolicy = .standard) -> RelayCore {
        RelayCore(interfaces: [
            RelayInterface(name: "wan", index: 10, mac: wanMAC, mtu: 1500, role: .wan),
            RelayInterface(name: "lan1", index: 11, mac: lan1MAC, mtu: 1500, role: .lan),
            RelayInterface(name: "lan2", index: 12, mac: lan2MAC, mtu: 1500, role: .lan),
        ], maxSessions: maxSessions, idleTimeout: idleTimeout, instance: 0xCAFE_F00D, policy: policy)
    }

    // MARK: helpers

    func discovery(_ code: DiscoveryCode, from source: MACAddress, to destination: MACAddress,
                   session: UInt16 = 0, tags: [Tag]) -> [UInt8] {
        DiscoveryPacket(destination: destination, source: source, code: code, sessionID: session, tags: tags).serialized()
    }

    func feed(_ core: inout RelayCore, _ frame: [UInt8], slot: UInt8, now: Int64 = 100) -> [DiscoveryPacket] {
        let out = frame.withUnsafeBytes { core.handleDiscovery($0, from: slot, now: now) }
        return out.map { try! DiscoveryPacket(parsing: $0.bytes) }
    }

    func slots(_ core: inout RelayCore, _ frame: [UInt8], slot: UInt8) -> [UInt8] {
        frame.withUnsafeBytes { core.handleDiscovery($0, from: slot, now: 100) }.map(\.slot)
    }

    func sessionFrame(from source: MACAddress, to destination: MACAddress, session: UInt16) -> [UInt8] {
        let ppp: [UInt8] = [0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 1, 2, 3, 4]
        return destination.bytes + source.bytes + [0x88, 0x64, 0x11, 0x00, UInt8(session >> 8), UInt8(session & 0xFF), 0, UInt8(ppp.count)] + ppp
    }

    /// A session frame carrying an IPv4 TCP SYN with one MSS option.
    func synFrame(mss: UInt16, from source: MACAddress, to destination: MACAddress, session: UInt16) -> [UInt8] {
        var ip: [UInt8] = [0x45, 0, 0, 44, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        ip += [0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2, 4, UInt8(mss >> 8), UInt8(mss & 0xFF)]
        let payload: [UInt8] = [0x00, 0x21] + ip
        return destination.bytes + source.bytes + [0x88, 0x64, 0x11, 0, UInt8(session >> 8), UInt8(session & 0xFF), 0,
                                                   UInt8(payload.count)] + payload
    }

    func forward(_ core: inout RelayCore, _ frame: inout [UInt8], slot: UInt8, now: Int64 = 100) -> RelayCore.Forward? {
        frame.withUnsafeMutableBytes { core.forwardSession($0, from: slot, now: now) }
    }

    /// Runs PADI..PADS for one client, the AC echoing the relay's tag as RFC 2516 says, and
    /// returns the PADS the client got.
    @discardableResult
    func establish(_ core: inout RelayCore, client: MACAddress, lanSlot: UInt8, acSession: UInt16,
                   hostUniq: [UInt8] = [1, 2, 3], from acMAC: MACAddress? = nil, now: Int64 = 100) -> DiscoveryPacket? {
        let acMAC = acMAC ?? ac
        guard let padr = requestSession(&core, client: client, lanSlot: lanSlot, hostUniq: hostUniq, from: acMAC, now: now),
              let tag = padr.tag(.relaySessionID) else { return nil }
        return feed(&core, discovery(.pads, from: acMAC, to: wanMAC, session: acSession,
                                     tags: [Tag(.serviceName, text: "isp"), Tag(.hostUniq, hostUniq), tag]), slot: 0, now: now).first
    }

    /// PADI, PADO from `acMAC`, PADR: returns the PADR as the relay sent it to the AC.
    func requestSession(_ core: inout RelayCore, client: MACAddress, lanSlot: UInt8, hostUniq: [UInt8] = [1, 2, 3],
                        from acMAC: MACAddress? = nil, now: Int64 = 100) -> DiscoveryPacket? {
        let acMAC = acMAC ?? ac
        let lanMAC = lanSlot == 1 ? lan1MAC : lan2MAC
        let padi = feed(&core, discovery(.padi, from: client, to: .broadcast,
                                         tags: [Tag(.serviceName), Tag(.hostUniq, hostUniq)]), slot: lanSlot, now: now)
        guard let tag = padi.first?.tag(.relaySessionID) else { return nil }
        _ = feed(&core, discovery(.pado, from: acMAC, to: wanMAC,
                                  tags: [Tag(.acName, text: "AC"), Tag(.serviceName), Tag(.hostUniq, hostUniq), tag]),
                 slot: 0, now: now)
        return feed(&core, discovery(.padr, from: client, to: lanMAC, tags: [Tag(.serviceName), Tag(.hostUniq, hostUniq)]),
                    slot: lanSlot, now: now).first
    }

    // MARK: tests

    func testDiscoveryAndSessionFramesBothWays() throws {
        var core = makeCore()
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast,
                                         tags: [Tag(.serviceName), Tag(.hostUniq, [7])]), slot: 1)
        XCTAssertEqual(padi.count, 1)
        XCTAssertEqual(padi[0].destination, .broadcast)
        XCTAssertEqual(padi[0].source, wanMAC)
        let tag = try XCTUnwrap(padi[0].tag(.relaySessionID))
        XCTAssertEqual(tag.value.count, 12)
        XCTAssertEqual(padi[0].tag(.hostUniq)?.value, [7])

        let pado = feed(&core, discovery(.pado, from: ac, to: wanMAC,
                                         tags: [Tag(.acName, text: "AC"), Tag(.hostUniq, [7]), Tag(.acCookie, [5]), tag]), slot: 0)
        XCTAssertEqual(pado.first?.destination, client1)
        XCTAssertEqual(pado.first?.source, lan1MAC)
        XCTAssertEqual(pado.first?.tags, [Tag(.acName, text: "AC"), Tag(.hostUniq, [7]), Tag(.acCookie, [5])],
                       "the client gets back exactly what it sent: it sent no Relay-Session-Id")

        let padr = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.hostUniq, [7]), Tag(.acCookie, [5])]), slot: 1)
        XCTAssertEqual(padr.first?.destination, ac)
        XCTAssertEqual(padr.first?.source, wanMAC)
        let padrTag = try XCTUnwrap(padr.first?.tag(.relaySessionID))
        XCTAssertEqual(padrTag, tag, "the PADR carries its PADI's Relay-Session-Id, which an AC may bind its cookie to")

        let pads = feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 0x42,
                                         tags: [Tag(.serviceName, text: "isp"), Tag(.hostUniq, [7]), padrTag]), slot: 0)
        XCTAssertEqual(pads.first?.destination, client1)
        XCTAssertEqual(pads.first?.sessionID, 0x42)
        XCTAssertEqual(core.table.count, 1)

        var up = sessionFrame(from: client1, to: lan1MAC, session: 0x42)
        let payloadUp = Array(up[14...])
        XCTAssertEqual(forward(&core, &up, slot: 1), RelayCore.Forward(egress: 0, length: up.count))
        XCTAssertEqual(Array(up[0..<12]), ac.bytes + wanMAC.bytes)
        XCTAssertEqual(Array(up[14...]), payloadUp, "only addresses (and here an unchanged session id) differ")

        var down = sessionFrame(from: ac, to: wanMAC, session: 0x42) + [0, 0, 0, 0] // Ethernet padding
        XCTAssertEqual(forward(&core, &down, slot: 0), RelayCore.Forward(egress: 1, length: 30), "padding is not forwarded")
        XCTAssertEqual(Array(down[0..<12]), client1.bytes + lan1MAC.bytes)

        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        XCTAssertEqual(session.packetsToAC, 1)
        XCTAssertEqual(session.packetsToClient, 1)
        XCTAssertEqual(core.table.labels(at: core.table.liveSlots[0]).acName, "AC")
        XCTAssertEqual(core.table.labels(at: core.table.liveSlots[0]).serviceName, "isp")
        XCTAssertEqual(core.counters.sessionFramesToAC, 1)
        XCTAssertEqual(core.counters.sessionFramesToClient, 1)
    }

    func testPADRGoesToTheACWhoseCookieItEchoes() throws {
        var core = makeCore()
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName)]), slot: 1)
        let tag = try XCTUnwrap(padi.first?.tag(.relaySessionID))
        _ = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.acCookie, [1]), tag]), slot: 0)
        _ = feed(&core, discovery(.pado, from: otherAC, to: wanMAC, tags: [Tag(.acCookie, [2]), tag]), slot: 0)
        let toFirst = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.acCookie, [1]), tag]), slot: 1)
        XCTAssertEqual(toFirst.first?.destination, ac)
        let toSecond = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.acCookie, [2]), tag]), slot: 1)
        XCTAssertEqual(toSecond.first?.destination, otherAC)
        let noOffer = feed(&core, discovery(.padr, from: client2, to: lan1MAC, tags: [tag]), slot: 1)
        XCTAssertTrue(noOffer.isEmpty)
        XCTAssertEqual(core.counters.droppedWithoutOffer, 1)
    }

    func testARepeatedPADRAfterALostPADSStillReachesTheAC() throws {
        var core = makeCore()
        let padr = try XCTUnwrap(requestSession(&core, client: client1, lanSlot: 1))
        let tag = try XCTUnwrap(padr.tag(.relaySessionID))
        let pads = discovery(.pads, from: ac, to: wanMAC, session: 9, tags: [Tag(.hostUniq, [1, 2, 3]), tag])
        XCTAssertEqual(feed(&core, pads, slot: 0).first?.sessionID, 9)
        // The client never saw that PADS and asks again; the AC repeats it, and the client gets it.
        let again = feed(&core, discovery(.padr, from: client1, to: lan1MAC, tags: [Tag(.hostUniq, [1, 2, 3])]), slot: 1)
        XCTAssertEqual(again.first?.destination, ac)
        XCTAssertEqual(again.first?.tag(.relaySessionID), tag, "a repeated PADR to the same AC keeps its tag")
        XCTAssertEqual(feed(&core, pads, slot: 0).first?.destination, client1)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.droppedWithoutOffer, 0)
    }

    func testSpoofedPADTEndsNothing() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 9)
        XCTAssertEqual(core.table.count, 1)
        // Right session id, wrong MAC, on both sides.
        XCTAssertTrue(feed(&core, discovery(.padt, from: client2, to: lan1MAC, session: 9, tags: []), slot: 1).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.padt, from: otherAC, to: wanMAC, session: 9, tags: []), slot: 0).isEmpty)
        // Right MAC, but on the other LAN.
        XCTAssertTrue(feed(&core, discovery(.padt, from: client1, to: lan2MAC, session: 9, tags: []), slot: 2).isEmpty)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.droppedUnmatchedPADT, 3)
    }

    func testPADTFromEitherSideIsForwardedAndEndsTheSession() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 9)
        let fromClient = feed(&core, discovery(.padt, from: client1, to: lan1MAC, session: 9, tags: [Tag(.genericError, text: "bye")]), slot: 1)
        XCTAssertEqual(fromClient.first?.destination, ac)
        XCTAssertEqual(fromClient.first?.source, wanMAC)
        XCTAssertEqual(fromClient.first?.tag(.genericError)?.text, "bye")
        XCTAssertEqual(core.table.count, 0)

        establish(&core, client: client1, lanSlot: 1, acSession: 10)
        let fromAC = feed(&core, discovery(.padt, from: ac, to: wanMAC, session: 10, tags: []), slot: 0)
        XCTAssertEqual(fromAC.first?.destination, client1)
        XCTAssertEqual(fromAC.first?.source, lan1MAC)
        XCTAssertEqual(fromAC.first?.sessionID, 10)
        XCTAssertEqual(core.table.count, 0)
        XCTAssertEqual(core.counters.sessionsEnded, 2)
    }

    func testFullTableGivesClientGenericErrorAndACPADT() {
        var core = makeCore(maxSessions: 1)
        XCTAssertEqual(establish(&core, client: client1, lanSlot: 1, acSession: 1)?.sessionID, 1)
        let hostUniq: [UInt8] = [9, 9]
        let padr = requestSession(&core, client: client2, lanSlot: 2, hostUniq: hostUniq)!
        let pads = discovery(.pads, from: ac, to: wanMAC, session: 2, tags: [Tag(.hostUniq, hostUniq), padr.tag(.relaySessionID)!])
        let sent = pads.withUnsafeBytes { core.handleDiscovery($0, from: 0, now: 100) }
        XCTAssertEqual(sent.map(\.slot), [2, 0], "the refusal to the client's LAN, the PADT to the WAN")
        let out = sent.map { try! DiscoveryPacket(parsing: $0.bytes) }
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out[0].code, .pads)
        XCTAssertEqual(out[0].destination, client2)
        XCTAssertEqual(out[0].sessionID, 0)
        XCTAssertNotNil(out[0].tag(.genericError))
        XCTAssertEqual(out[0].tag(.hostUniq)?.value, hostUniq, "the client must recognise the refusal as its own")
        XCTAssertEqual(out[1].code, .padt)
        XCTAssertEqual(out[1].destination, ac)
        XCTAssertEqual(out[1].sessionID, 2)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(core.counters.refusedTableFull, 1, "one PADS, one refusal")
    }

    func testACThatStripsRelayTagIsRoutedByHostUniq() {
        var core = makeCore()
        _ = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.hostUniq, [1, 1])]), slot: 1)
        _ = feed(&core, discovery(.padi, from: client2, to: .broadcast, tags: [Tag(.hostUniq, [2, 2])]), slot: 2)
        let pado = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [2, 2])]), slot: 0)
        XCTAssertEqual(pado.first?.destination, client2)
        XCTAssertEqual(pado.first?.source, lan2MAC)
        _ = feed(&core, discovery(.padr, from: client2, to: lan2MAC, tags: [Tag(.hostUniq, [2, 2])]), slot: 2)
        let pads = feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 5, tags: [Tag(.hostUniq, [2, 2])]), slot: 0)
        XCTAssertEqual(pads.first?.destination, client2)
        XCTAssertEqual(core.table.count, 1)
    }

    func testAnswersAndFramesForOthersAreLeftAlone() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 3)
        // The router's own client: its PADO/PADS carry no tag of ours and a Host-Uniq we never saw.
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [0x77])]), slot: 0).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.pads, from: ac, to: wanMAC, session: 4, tags: [Tag(.hostUniq, [0x77])]), slot: 0).isEmpty)
        XCTAssertTrue(feed(&core, discovery(.padt, from: ac, to: wanMAC, session: 4, tags: []), slot: 0).isEmpty)
        var own = sessionFrame(from: ac, to: wanMAC, session: 4)
        XCTAssertNil(forward(&core, &own, slot: 0))
        XCTAssertEqual(core.counters.droppedDiscoveryNotOurs, 2)
        XCTAssertEqual(core.counters.droppedUnmatchedPADT, 1)
        XCTAssertEqual(core.counters.droppedUnknownSession, 1)
        XCTAssertEqual(core.table.count, 1, "our session is untouched")
    }

    func testUntaggedAnswerFromAnACThatEchoesTagsIsNotOurs() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 3, hostUniq: [4])
        // client1 asks again; the AC, known to echo our tag, answers someone without it.
        _ = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.hostUniq, [4])]), slot: 1)
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.hostUniq, [4])]), slot: 0).isEmpty)
    }

    func testAClientsOwnRelayTagIsReplacedOnTheWANAndGivenBack() throws {
        var core = makeCore()
        let foreign = Tag(.relaySessionID, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let padi = feed(&core, discovery(.padi, from: client1, to: .broadcast, tags: [Tag(.serviceName), foreign]), slot: 1)
        let relayTags = try XCTUnwrap(padi.first?.tags.filter { $0.type == .relaySessionID })
        XCTAssertEqual(relayTags.count, 1, "one Relay-Session-Id on the WAN, never two")
        XCTAssertNotEqual(relayTags.first, foreign, "a value the LAN chose never reaches the AC to be echoed")
        let pado = feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [Tag(.serviceName), relayTags[0]]), slot: 0)
        XCTAssertEqual(pado.first?.destination, client1)
        XCTAssertEqual(pado.first?.tags, [Tag(.serviceName), foreign], "the client gets back exactly what it sent")
        // An answer carrying only the client's own tag (as if the AC had seen it) is not ours.
        XCTAssertTrue(feed(&core, discovery(.pado, from: ac, to: wanMAC, tags: [foreign]), slot: 0).isEmpty)
        XCTAssertEqual(core.counters.droppedDiscoveryNotOurs, 1)
    }

    func testIdleTimeoutSendsPADTToBothSides() {
        var core = makeCore(idleTimeout: 30)
        establish(&core, client: client1, lanSlot: 1, acSession: 8)
        var frame = sessionFrame(from: client1, to: lan1MAC, session: 8)
        XCTAssertNotNil(forward(&core, &frame, slot: 1, now: 120))
        XCTAssertTrue(core.expireIdle(now: 149).isEmpty, "29 s after the last frame: still alive")
        let out = core.expireIdle(now: 150).map { try! DiscoveryPacket(parsing: $0.bytes) }
        XCTAssertEqual(out.map(\.code), [.padt, .padt])
        XCTAssertEqual(Set(out.map(\.destination)), [client1, ac])
        XCTAssertEqual(out.first { $0.destination == client1 }?.source, lan1MAC)
        XCTAssertEqual(out.first { $0.destination == ac }?.sessionID, 8)
        XCTAssertEqual(core.table.count, 0)
    }

    func testMalformedFramesAreCountedAndDropped() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 8)
        var short: [UInt8] = [1, 2, 3]
        XCTAssertNil(forward(&core, &short, slot: 1))
        var badLength = sessionFrame(from: client1, to: lan1MAC, session: 8)
        badLength[19] = 200
        XCTAssertNil(forward(&core, &badLength, slot: 1))
        XCTAssertTrue(feed(&core, [0xff, 0xff], slot: 1).isEmpty)
        var wrongVersion = discovery(.padi, from: client1, to: .broadcast, tags: [])
        wrongVersion[14] = 0x22
        XCTAssertTrue(feed(&core, wrongVersion, slot: 1).isEmpty)
        XCTAssertEqual(core.counters.droppedMalformed, 4)
        var good = sessionFrame(from: client1, to: lan1MAC, session: 8)
        XCTAssertNotNil(forward(&core, &good, slot: 1), "sessions keep flowing")
    }

    func testSessionFramesForAnotherHostAreNotForwarded() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 8)
        // Right client and session, but unicast to some other host (a promiscuous or bridged port).
        var elsewhere = sessionFrame(from: client1, to: MACAddress("02:99:99:99:99:99")!, session: 8)
        XCTAssertNil(forward(&core, &elsewhere, slot: 1))
        var onWrongLAN = sessionFrame(from: client1, to: lan2MAC, session: 8)
        XCTAssertNil(forward(&core, &onWrongLAN, slot: 2), "the session lives on LAN 1")
        XCTAssertEqual(core.counters.droppedNotForUs, 1)
        XCTAssertEqual(core.counters.droppedUnknownSession, 1)
        XCTAssertEqual(core.counters.sessionFramesToAC, 0)
    }

    func testTerminateAllSendsPADTForEverySession() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 1)
        establish(&core, client: client2, lanSlot: 2, acSession: 2, hostUniq: [5])
        let out = core.terminateAll(reason: "stop")
        XCTAssertEqual(out.count, 4)
        XCTAssertEqual(Set(out.map(\.slot)), [0, 1, 2])
        XCTAssertEqual(core.table.count, 0)
    }

    func testSessionEventsComeInOrderForTheOffload() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 4)
        _ = feed(&core, discovery(.padt, from: ac, to: wanMAC, session: 4, tags: []), slot: 0)
        let events = core.takeSessionEvents()
        XCTAssertEqual(events.count, 2)
        guard case let .created(created) = events.first, case let .ended(ended) = events.last else {
            return XCTFail("created then ended: \(events)")
        }
        XCTAssertEqual(created.acSessionID, 4)
        XCTAssertEqual(ended.clientKey, created.clientKey)
        XCTAssertTrue(core.takeSessionEvents().isEmpty, "taken once")
    }

    func testKernelCountersKeepASessionAliveAndAreReported() throws {
        var core = makeCore(idleTimeout: 30)
        establish(&core, client: client1, lanSlot: 1, acSession: 4)
        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        // The kernel forwarded traffic at t=125: no idle timeout 30 s after set-up (t=130).
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 5, bytes: 300),
                                   session.acKey: ForwardedCount(packets: 3, bytes: 200)], now: 125)
        XCTAssertTrue(core.expireIdle(now: 130).isEmpty)
        let updated = core.table.session(at: core.table.liveSlots[0]).pointee
        XCTAssertEqual(updated.offloadedToAC, ForwardedCount(packets: 5, bytes: 300))
        XCTAssertEqual(core.counters.kernelFramesToAC, 5)
        XCTAssertEqual(core.counters.kernelFramesToClient, 3)
        // Unchanged counters are not activity: it idles out 30 s after the last change.
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 5, bytes: 300)], now: 140)
        XCTAssertTrue(core.expireIdle(now: 154).isEmpty)
        XCTAssertEqual(core.expireIdle(now: 155).count, 2)
    }

    /// A rebuilt kernel table (a device came back, `relayctl reload` after the WAN came up)
    /// starts its counters from zero: traffic after that still counts and still keeps the
    /// session alive, and the totals keep growing.
    func testKernelCountersThatRestartAfterARebuildStillCount() throws {
        var core = makeCore(idleTimeout: 30)
        establish(&core, client: client1, lanSlot: 1, acSession: 4)
        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 500, bytes: 30_000)], now: 110)
        // The table was rebuilt; the new element has counted 3 frames so far.
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 3, bytes: 180)], now: 135)
        XCTAssertTrue(core.expireIdle(now: 150).isEmpty, "the frames after the rebuild are activity")
        let updated = core.table.session(at: core.table.liveSlots[0]).pointee
        XCTAssertEqual(updated.offloadedToAC, ForwardedCount(packets: 503, bytes: 30_180))
        XCTAssertEqual(core.counters.kernelFramesToAC, 503)
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 10, bytes: 600)], now: 160)
        XCTAssertEqual(core.table.session(at: core.table.liveSlots[0]).pointee.offloadedToAC,
                       ForwardedCount(packets: 510, bytes: 30_600))
    }

    func testMSSSettingLimitsAndParsing() {
        XCTAssertTrue(MSSSetting.auto.limits(maxPayload: nil) == (1452, 1432))
        XCTAssertTrue(MSSSetting.auto.limits(maxPayload: 1500) == (1460, 1440), "RFC 4638 payload raises it")
        XCTAssertTrue(MSSSetting.auto.limits(maxPayload: 1400) == (1452, 1432), "never below the PPPoE default")
        XCTAssertTrue(MSSSetting.fixed(1400).limits(maxPayload: nil) == (1400, 1380))
        XCTAssertTrue(MSSSetting.off.limits(maxPayload: nil) == (0, 0))
        XCTAssertEqual(MSSSetting("auto"), .auto)
        XCTAssertEqual(MSSSetting("1300"), .fixed(1300))
        XCTAssertNil(MSSSetting("535"))
        XCTAssertNil(MSSSetting("65536"))
        XCTAssertNil(MSSSetting("big"))
    }

    func testSessionFramesAreClampedAndTheSettingChangesAtRuntime() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 8)
        func syn(_ mss: UInt16) -> [UInt8] { synFrame(mss: mss, from: client1, to: lan1MAC, session: 8) }
        var frame = syn(1460)
        XCTAssertNotNil(forward(&core, &frame, slot: 1))
        XCTAssertEqual(Array(frame.suffix(2)), [0x05, 0xAC], "1452")
        core.setMSS(.fixed(1300))
        frame = syn(1460)
        XCTAssertNotNil(forward(&core, &frame, slot: 1))
        XCTAssertEqual(Array(frame.suffix(2)), [0x05, 0x14], "1300")
        core.setMSS(.off)
        frame = syn(1460)
        XCTAssertNotNil(forward(&core, &frame, slot: 1))
        XCTAssertEqual(Array(frame.suffix(2)), [0x05, 0xB4], "untouched")
        XCTAssertEqual(core.counters.mssClampedToAC, 2)
    }

    func testRelaySessionTagRoundTrip() {
        let tag = RelaySessionTag(instance: 7, request: 0x1234, nonce: 0xA1B2_C3D4_E5F6)
        XCTAssertEqual(tag.value, [0, 0, 0, 7, 0x12, 0x34, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6])
        XCTAssertEqual(RelaySessionTag(value: tag.value, instance: 7), tag)
        XCTAssertNil(RelaySessionTag(value: tag.value, instance: 8), "another relay's tag is not ours")
        XCTAssertNil(RelaySessionTag(value: Array(tag.value.prefix(11)), instance: 7))
    }
}
