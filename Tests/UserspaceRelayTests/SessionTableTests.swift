import PPPoEWire
import TestSupport
import UserspaceRelay
import XCTest

/// The table against a plain Dictionary model under random churn: every lookup must agree.
final class SessionTableTests: XCTestCase {
    struct Model {
        var byClient: [SessionKey: Session] = [:]
        var byAC: [SessionKey: SessionKey] = [:]
    }

    func testChurnAgreesWithReferenceModel() {
        var random = SplitMix64(seed: 42)
        let capacity = 3000
        var table = SessionTable(capacity: capacity)
        var model = Model()
        var slots: [SessionKey: Int32] = [:]
        // Few MACs and ids, so keys collide in the hash and get reused often.
        func randomMAC() -> MACAddress { MACAddress(value: 0x0200_0000_0000 | (random.next() % 64)) }

        for step in 0..<60_000 {
            let roll = random.next() % 10
            if roll < 5 {
                let session = Session(lanSlot: UInt8(1 + random.next() % 3), clientMAC: randomMAC(),
                                      clientSessionID: UInt16(1 + random.next() % 200), acMAC: randomMAC(),
                                      acSessionID: UInt16(1 + random.next() % 200), createdAt: 0, lastActivity: 0)
                let fits = model.byClient.count < capacity && model.byClient[session.clientKey] == nil
                    && model.byAC[session.acKey] == nil
                let slot = table.insert(session, labels: SessionLabels())
                XCTAssertEqual(slot != nil, fits, "insert at step \(step)")
                if let slot {
                    model.byClient[session.clientKey] = session
                    model.byAC[session.acKey] = session.clientKey
                    slots[session.clientKey] = slot
                }
            } else if roll < 8, let victim = model.byClient.keys.randomElement(using: &random) {
                let removed = table.remove(at: slots[victim]!)
                XCTAssertEqual(removed?.clientKey, victim)
                model.byAC[model.byClient[victim]!.acKey] = nil
                model.byClient[victim] = nil
                slots[victim] = nil
            } else {
                // Probe a random key on each side; the table must agree with the model.
                let clientKey = SessionKey(slot: UInt8(1 + random.next() % 3), mac: randomMAC(),
                                           sessionID: UInt16(1 + random.next() % 200))
                XCTAssertEqual(table.find(client: clientKey), slots[clientKey])
                let acKey = SessionKey(slot: 0, mac: randomMAC(), sessionID: UInt16(1 + random.next() % 200))
                XCTAssertEqual(table.find(ac: acKey).map { table.session(at: $0).pointee.clientKey }, model.byAC[acKey])
            }
            XCTAssertEqual(table.count, model.byClient.count)
        }
        // Every live session is reachable from both sides.
        for (key, session) in model.byClient {
            XCTAssertEqual(table.find(client: key), slots[key])
            XCTAssertEqual(table.find(ac: session.acKey), slots[key])
        }
        XCTAssertGreaterThan(model.byClient.count, 100, "the churn should leave a populated table")
    }

    func testFullTableRefusesAndFreedSlotsAreReused() {
        var table = SessionTable(capacity: 2)
        func session(_ n: UInt16) -> Session {
            Session(lanSlot: 1, clientMAC: MACAddress(value: 2), clientSessionID: n, acMAC: MACAddress(value: 3),
                    acSessionID: n, createdAt: 0, lastActivity: 0)
        }
        let a = table.insert(session(1), labels: SessionLabels())
        XCTAssertNotNil(table.insert(session(2), labels: SessionLabels()))
        XCTAssertTrue(table.isFull)
        XCTAssertNil(table.insert(session(3), labels: SessionLabels()))
        table.remove(at: a!)
        XCTAssertNotNil(table.insert(session(3), labels: SessionLabels()))
        XCTAssertNil(table.remove(at: 99))
    }

    func testClientSessionIDAvoidsTakenAndReservedIDs() {
        var table = SessionTable(capacity: 4)
        let mac = MACAddress(value: 2)
        _ = table.insert(Session(lanSlot: 1, clientMAC: mac, clientSessionID: 0xFFFE, acMAC: MACAddress(value: 3),
                                 acSessionID: 1, createdAt: 0, lastActivity: 0), labels: SessionLabels())
        XCTAssertEqual(table.clientSessionID(lanSlot: 1, clientMAC: mac, preferred: 7), 7)
        XCTAssertEqual(table.clientSessionID(lanSlot: 1, clientMAC: mac, preferred: 0xFFFE), 1, "skips 0xFFFF and 0")
        XCTAssertEqual(table.clientSessionID(lanSlot: 2, clientMAC: mac, preferred: 0xFFFE), 0xFFFE, "other LAN, other key")
    }
}
