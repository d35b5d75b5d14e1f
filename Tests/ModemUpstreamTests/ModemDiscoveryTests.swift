import ModemUpstream
import PPPoEWire
import UserspaceRelay
import XCTest

final class ModemDiscoveryTests: XCTestCase {
    let local = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    let client = MACAddress(0x02, 0, 0, 0, 0, 0x02)

    func discovery() -> ModemDiscovery {
        ModemDiscovery(localMAC: local, acName: "loft", serviceNames: ["internet", "backup"],
                       cookie: ACCookie(key0: 7, key1: 8))
    }

    func padi(service: String, hostUniq: [UInt8] = [1, 2, 3]) -> DiscoveryPacket {
        DiscoveryPacket(destination: MACAddress(value: 0xFFFF_FFFF_FFFF), source: client, code: .padi,
                        tags: [Tag(.serviceName, text: service), Tag(.hostUniq, hostUniq)])
    }

    func testPADOOffersEveryServiceWithACookieAndEchoesHostUniq() throws {
        let offer = try XCTUnwrap(discovery().offer(for: padi(service: ""), minute: 100))
        XCTAssertEqual(offer.code, .pado)
        XCTAssertEqual(offer.destination, client)
        XCTAssertEqual(offer.source, local)
        XCTAssertEqual(offer.tag(.acName)?.text, "loft")
        XCTAssertEqual(offer.tags.filter { $0.type == .serviceName }.map(\.text), ["internet", "backup"])
        XCTAssertEqual(offer.tag(.hostUniq)?.value, [1, 2, 3])
        XCTAssertEqual(offer.tag(.acCookie)?.value.count, ACCookie.length)
        // A PADI for a service we lack gets nothing.
        XCTAssertNil(discovery().offer(for: padi(service: "other"), minute: 100))
        XCTAssertNotNil(discovery().offer(for: padi(service: "backup"), minute: 100))
    }

    func testAPADRIsGoodOnlyWithItsOwnCookie() throws {
        let offer = try XCTUnwrap(discovery().offer(for: padi(service: "internet"), minute: 100))
        var padr = DiscoveryPacket(destination: local, source: client, code: .padr,
                                   tags: [Tag(.serviceName, text: "internet"), offer.tag(.acCookie)!])
        XCTAssertTrue(discovery().cookieIsGood(padr, minute: 101))
        XCTAssertFalse(discovery().cookieIsGood(padr, minute: 100 + ACCookie.lifetimeMinutes + 1))
        padr.source = MACAddress(0x02, 0, 0, 0, 0, 0x03)
        XCTAssertFalse(discovery().cookieIsGood(padr, minute: 101), "another MAC's cookie")
        padr.removeTags(.acCookie)
        XCTAssertFalse(discovery().cookieIsGood(padr, minute: 101))
    }

    func testPADSConfirmsOrRefusesWithTheReason() {
        let padr = DiscoveryPacket(destination: local, source: client, code: .padr,
                                   tags: [Tag(.serviceName, text: ""), Tag(.hostUniq, [9])])
        XCTAssertEqual(discovery().service(for: padr), "internet", "no service named: the first offered")
        let pads = discovery().confirm(padr, sessionID: 0x42, service: "internet")
        XCTAssertEqual(pads.sessionID, 0x42)
        XCTAssertEqual(pads.tag(.serviceName)?.text, "internet")
        XCTAssertEqual(pads.tag(.hostUniq)?.value, [9])
        let refusal = discovery().refuse(padr, error: .acSystemError, reason: "modem busy")
        XCTAssertEqual(refusal.sessionID, 0)
        XCTAssertEqual(refusal.tag(.acSystemError)?.text, "modem busy")
        let padt = discovery().terminate(client: client, sessionID: 0x42, reason: "modem hung up")
        XCTAssertEqual(padt.code, .padt)
        XCTAssertEqual(padt.tag(.genericError)?.text, "modem hung up")
    }
}

final class ModemPADIGateTests: XCTestCase {
    let local = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    let discovery = ModemDiscovery(localMAC: MACAddress(0x02, 0, 0, 0, 0, 0x01), acName: "loft",
                                   serviceNames: ["internet"], cookie: ACCookie(key0: 7, key1: 8))

    func padi(from source: MACAddress) -> DiscoveryPacket {
        DiscoveryPacket(destination: MACAddress(value: 0xFFFF_FFFF_FFFF), source: source, code: .padi,
                        tags: [Tag(.serviceName, text: "")])
    }

    func testAFloodFromOneMACGetsTheBurstThenTheMinuteRate() {
        let policy = DiscoveryPolicy.standard
        var gate = ModemPADIGate(policy: policy)
        let flooder = MACAddress(0x02, 0, 0, 0, 0, 0x66)
        var offers = 0, overClient = 0
        // 1,000 PADIs a second for a minute.
        for second in Int64(0)..<60 {
            for _ in 0..<1000 {
                switch gate.answer(padi(from: flooder), discovery: discovery, minute: 1, now: 1000 + second) {
                case .offer(let pado):
                    XCTAssertEqual(pado.destination, flooder)
                    offers += 1
                case .overClientRate: overClient += 1
                default: XCTFail("only the per-source limit should refuse one MAC")
                }
            }
        }
        XCTAssertLessThanOrEqual(offers, policy.padiPerClientBurst + policy.padiPerClientPerMinute)
        XCTAssertGreaterThanOrEqual(offers, policy.padiPerClientBurst)
        XCTAssertEqual(offers + overClient, 60_000)
        // Another client is still answered at once.
        guard case .offer = gate.answer(padi(from: MACAddress(0x02, 0, 0, 0, 0, 0x02)), discovery: discovery,
                                        minute: 1, now: 1059) else {
            return XCTFail("a real client behind the flood got no PADO")
        }
    }

    func testManyMACsAreHeldToTheOverallRate() {
        let policy = DiscoveryPolicy(padiPerSecond: 50)
        var gate = ModemPADIGate(policy: policy)
        var offers = 0, overall = 0
        for n in 0..<500 {
            switch gate.answer(padi(from: MACAddress(value: 0x0200_0000_0000 | UInt64(n + 16))), discovery: discovery,
                               minute: 1, now: 500) {
            case .offer: offers += 1
            case .overOverallRate: overall += 1
            default: XCTFail("fresh MACs have full buckets of their own")
            }
        }
        XCTAssertEqual(offers, 50)
        XCTAssertEqual(overall, 450)
    }
}
