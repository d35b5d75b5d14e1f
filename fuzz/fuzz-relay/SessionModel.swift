import FuzzSupport
import UserspaceRelay

/// The sessions that should be live, rebuilt from nothing but the events RelayCore reports,
/// and held against its table: creations and endings must pair up, keys must be unique, and
/// the table must never hold more than its configured maximum.
struct SessionModel {
    let maxSessions: Int
    private(set) var live: [Session] = []

    init(maxSessions: Int) { self.maxSessions = maxSessions }

    /// Applies the events; returns the sessions they ended.
    mutating func apply(_ events: [SessionEvent]) -> [Session] {
        var ended: [Session] = []
        for event in events {
            switch event {
            case let .created(session):
                expect(live.count < maxSessions, "a session created beyond the maximum of \(maxSessions)")
                expect((1...2).contains(session.lanSlot), "a session on slot \(session.lanSlot), which is no LAN")
                expect([session.clientMAC, session.acMAC].allSatisfy { !$0.isGroup && $0 != .zero },
                       "a session with \(session.clientMAC) and \(session.acMAC), not both single hosts, as peers")
                expect(session.clientSessionID != 0 && session.clientSessionID != 0xFFFF && session.acSessionID != 0,
                       "a session with a reserved session id")
                expect(!live.contains { $0.clientKey == session.clientKey || $0.acKey == session.acKey },
                       "a session created with the key of a live one")
                live.append(session)
            case let .ended(session):
                let index = live.firstIndex { $0.clientKey == session.clientKey && $0.acKey == session.acKey }
                guard let index else {
                    expect(false, "a session ended that was not live")
                    continue
                }
                ended.append(live.remove(at: index))
            }
        }
        return ended
    }

    /// The live session a frame with this key belongs to, arriving on `slot`.
    func session(arrivingOn slot: UInt8, key: SessionKey) -> Session? {
        live.first { slot == 0 ? $0.acKey == key : $0.clientKey == key }
    }

    /// The table holds exactly the model's sessions, each found from both sides.
    func expectMatches(_ table: borrowing SessionTable) {
        expect(table.count == live.count, "the table holds \(table.count) sessions, the events say \(live.count)")
        expect(table.count <= maxSessions, "the table holds \(table.count) sessions, more than \(maxSessions)")
        for session in live {
            let byClient = table.find(client: session.clientKey), byAC = table.find(ac: session.acKey)
            expect(byClient != nil && byClient == byAC, "a live session is not found from both sides")
        }
    }
}
