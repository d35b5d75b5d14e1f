import PPPoEWire

/// A client as the relay knows it: which LAN and which MAC.
public struct ClientRef: Hashable, Sendable {
    public var lanSlot: UInt8
    public var mac: MACAddress
}

/// An access concentrator's PADO as relayed to a client: needed to send that client's PADR
/// to the right AC (every PADO reaches the client from the relay's own MAC, so the client's
/// PADR cannot say which AC it chose except through AC-Cookie).
struct Offer {
    var acMAC: MACAddress
    /// A keyed hash of the AC-Cookie: enough to match a PADR's echo, a fixed size whatever the AC sent.
    var cookie: Int?
    /// For `relayctl sessions`; at most `PendingRequests.labelLimit` bytes are kept.
    var acName: String
    var expires: Int64
}

/// One client's discovery in progress: what it asked through us, recently, and what came back.
/// Answers from the WAN are accepted only against this record.
struct PendingRequest {
    var client: ClientRef
    /// The nonce of this discovery's tag, the same on its PADI, the PADI's retries and its PADR:
    /// an AC may bind its AC-Cookie to the PADI's Relay-Session-Id and check it against the
    /// PADR's (accel-ppp does). 0 = no discovery yet.
    var nonce: UInt64 = 0
    /// A PADO is accepted until then (the client's latest PADI plus the answer window).
    var padiUntil: Int64 = 0
    /// The AC the client's latest PADR went to, until when a PADS is awaited, and how many PADRs
    /// to it are unanswered: the tag alone proves nothing (it was broadcast with the PADI), so a
    /// PADS must come from that MAC while a PADR is unanswered, and answers one. Two PADRs (the
    /// client repeats one, or runs two sessions from one MAC) let two PADS through.
    var padrAC = MACAddress.zero
    var padrUntil: Int64 = 0
    var padrsUnanswered: UInt8 = 0
    /// The record goes after this (offers stay usable until then for a repeated PADR).
    var expires: Int64
    /// A keyed hash of the client's Host-Uniq: the fallback route when an AC strips our tag.
    var hostUniq: Int?
    /// The Relay-Session-Id tags the client itself sent (it sits behind another relay), in
    /// order; they never leave on the WAN and are given back on every answer.
    var padiRelayTags: [[UInt8]] = []
    var padrRelayTags: [[UInt8]] = []
    var offers: [Offer] = []

    /// A PADR is out and unanswered: this request is the furthest along and the last a flood
    /// may evict.
    func isRequesting(now: Int64) -> Bool { awaitsConfirmation(now: now) }

    func awaitsConfirmation(now: Int64) -> Bool { padrsUnanswered > 0 && padrUntil > now }

    /// An AC could still answer this discovery, or hold a cookie bound to its tag: a PADI is
    /// waiting for offers, an offer is still usable, or a PADR is out. Until then the client's
    /// PADIs and PADRs keep the tag (a session opened meanwhile changes nothing: a second
    /// pppd on the same MAC may be halfway through the same discovery).
    func discoveryLive(now: Int64) -> Bool {
        nonce != 0 && (padiUntil > now || padrUntil > now || offers.contains { $0.expires > now })
    }
}

/// The relay's short-lived discovery memory, bounded by `capacity` records whatever
/// arrives: one record per client (LAN and MAC) with a request in flight, indexed by the
/// Relay-Session-Id the relay put on that client's PADI or PADR.
///
/// A full table evicts the oldest record that has no PADR out, so a flood of PADIs from made-up
/// MACs cycles through the table without touching a client that is already further along.
struct PendingRequests {
    /// Seconds a PADI or PADR waits for its answer.
    static let answerWindow: Int64 = 10
    /// Seconds a record (and its offers) outlives the client's last request.
    static let lifetime: Int64 = 30
    /// Bytes of AC-Name kept per offer; bytes (headers included) and number of a client's own
    /// Relay-Session-Id tags kept per request.
    static let labelLimit = 64
    static let foreignTagLimit = 64
    static let foreignTagCountLimit = 4
    /// PADRs of one client awaiting their PADS at once (to one AC).
    static let padrsAwaitedLimit: UInt8 = 4

    let capacity: Int
    let offersPerClient: Int
    private var records: [PendingRequest?]
    private var byClient: [ClientRef: Int]
    /// Records by Host-Uniq: at most two indexes are kept (two already make an answer
    /// ambiguous), and how many records share it, so that a flood of one Host-Uniq costs a
    /// lookup no more than any other.
    private var byHostUniq: [Int: (indexes: [Int], count: Int)] = [:]
    /// Records waiting for an answer whose client sent no Host-Uniq.
    private var withoutHostUniq: Set<Int> = []
    private var free: [Int]
    private var hand = 0
    /// ACs seen echoing our tag on a PADS that answered a real PADR (whose nonce went unicast
    /// to that AC alone), until when: an untagged answer from one of them is not ours.
    private var echoingACs: [MACAddress: Int64] = [:]
    /// How long an AC stays known as one that echoes.
    static let echoMemory: Int64 = 3600

    /// Records are made as discovery needs them, up to `capacity`: a quiet relay keeps a few.
    init(capacity: Int, offersPerClient: Int) {
        self.capacity = min(max(capacity, 1), Int(UInt16.max))
        self.offersPerClient = offersPerClient
        records = []
        byClient = [:]
        free = []
    }

    func record(_ index: Int) -> PendingRequest? {
        index < records.count ? records[index] : nil
    }

    /// The record for `client`, made (evicting if the table is full) when there is none.
    private mutating func recordIndex(for client: ClientRef, now: Int64) -> Int {
        if let index = byClient[client] { return index }
        let index: Int
        if let reused = free.popLast() {
            index = reused
        } else if records.count < capacity {
            index = records.count
            records.append(nil)
        } else {
            index = evict(now: now)
        }
        records[index] = PendingRequest(client: client, expires: now + Self.lifetime)
        byClient[client] = index
        return index
    }

    /// The record a flood may take: the first, from the clock hand on, with no PADR out; when
    /// every record has one, the one at the hand.
    private mutating func evict(now: Int64) -> Int {
        var chosen = hand
        for step in 0..<capacity {
            let index = (hand + step) % capacity
            if records[index].map({ !$0.isRequesting(now: now) }) ?? true {
                chosen = index
                break
            }
        }
        hand = (chosen + 1) % capacity
        remove(chosen)
        return chosen
    }

    private mutating func remove(_ index: Int) {
        guard let record = records[index] else { return }
        byClient[record.client] = nil
        if let hostUniq = record.hostUniq { forgetHostUniq(hostUniq, index) }
        withoutHostUniq.remove(index)
        records[index] = nil
    }

    private mutating func forgetHostUniq(_ hostUniq: Int, _ index: Int) {
        guard var entry = byHostUniq[hostUniq] else { return }
        entry.indexes.removeAll { $0 == index }
        entry.count -= 1
        byHostUniq[hostUniq] = entry.count > 0 ? entry : nil
    }

    private mutating func noteHostUniq(_ hostUniq: [UInt8]?, at index: Int) {
        let hashed = hostUniq.map(Self.hash)
        let previous = records[index]!.hostUniq
        if previous != hashed {
            if let previous { forgetHostUniq(previous, index) }
            if let hashed {
                var entry = byHostUniq[hashed] ?? ([], 0)
                if entry.indexes.count < 2 { entry.indexes.append(index) }
                entry.count += 1
                byHostUniq[hashed] = entry
            }
            records[index]!.hostUniq = hashed
        }
        if hashed == nil { withoutHostUniq.insert(index) } else { withoutHostUniq.remove(index) }
    }

    /// A client's PADI goes out: the tag it carries. A retransmission keeps the tag as long as
    /// an AC could still answer the discovery or hold a cookie bound to it; a PADI after that
    /// starts a new discovery with a fresh nonce.
    mutating func discover(from client: ClientRef, hostUniq: [UInt8]?, relayTags: [[UInt8]], now: Int64) -> (Int, UInt64) {
        let index = recordIndex(for: client, now: now)
        noteHostUniq(hostUniq, at: index)
        var record = records[index]!
        if !record.discoveryLive(now: now) {
            record.nonce = RelaySessionTag.freshNonce()
            record.offers.removeAll()
            record.padrsUnanswered = 0
        }
        record.padiUntil = now + Self.answerWindow
        record.expires = max(record.expires, now + Self.lifetime)
        record.padiRelayTags = relayTags
        records[index] = record
        return (index, record.nonce)
    }

    /// A client's PADR goes out to `acMAC`: the tag it carries, the one of the PADI the offer
    /// answered (whatever AC it goes to, and when it is repeated).
    mutating func request(from client: ClientRef, to acMAC: MACAddress, hostUniq: [UInt8]?, relayTags: [[UInt8]],
                          now: Int64) -> (Int, UInt64) {
        let index = recordIndex(for: client, now: now)
        noteHostUniq(hostUniq, at: index)
        var record = records[index]!
        if record.nonce == 0 { record.nonce = RelaySessionTag.freshNonce() }
        record.padrsUnanswered = record.awaitsConfirmation(now: now) && record.padrAC == acMAC
            ? min(record.padrsUnanswered + 1, Self.padrsAwaitedLimit) : 1
        record.padrAC = acMAC
        record.padrUntil = now + Self.answerWindow
        record.expires = max(record.expires, now + Self.lifetime)
        record.padrRelayTags = relayTags
        records[index] = record
        return (index, record.nonce)
    }

    /// Where an answer from the WAN goes.
    enum Routing: Equatable {
        case to(Int)
        /// Our tag, but no request waiting for this answer (forged, replayed or late).
        case unsolicited
        /// Without our tag, and more than one client could have asked (same Host-Uniq).
        case ambiguous
        /// Without our tag, and no client waiting: somebody else's answer.
        case notOurs
    }

    /// The record a PADO answers: our tag naming a PADI still waiting, or (AC stripped the tag)
    /// the one client the answer can only be for.
    func offerRecipient(tag: RelaySessionTag?, untagged packet: DiscoveryPacket, now: Int64) -> Routing {
        if let tag {
            guard let record = record(Int(tag.request)), record.nonce == tag.nonce, record.padiUntil > now else {
                return .unsolicited
            }
            return .to(Int(tag.request))
        }
        let routing = untaggedRecipient(packet, now: now)
        guard case let .to(index) = routing else { return routing }
        return records[index]!.padiUntil > now ? routing : .unsolicited
    }

    /// The record a PADS answers: our tag naming a discovery whose PADR went to this very AC and
    /// is still unanswered (or, untagged, the one client that sent this AC a PADR). Anyone who
    /// saw the broadcast PADI knows the tag; what the relay recorded decides.
    func confirmationRecipient(tag: RelaySessionTag?, untagged packet: DiscoveryPacket, now: Int64) -> Routing {
        let index: Int
        if let tag {
            guard let record = record(Int(tag.request)), record.nonce == tag.nonce else { return .unsolicited }
            index = Int(tag.request)
        } else {
            let routing = untaggedRecipient(packet, now: now)
            guard case let .to(found) = routing else { return routing }
            index = found
        }
        guard let record = records[index], record.awaitsConfirmation(now: now), record.padrAC == packet.source else {
            return .unsolicited
        }
        return .to(index)
    }

    /// A PADS answered one of the PADRs unanswered at `index`: no second PADS is taken for it
    /// (the client repeating its PADR opens the way for one more).
    mutating func confirmationTaken(at index: Int) {
        guard var record = records[index], record.padrsUnanswered > 0 else { return }
        record.padrsUnanswered -= 1
        records[index] = record
    }

    /// Answers without our tag: by Host-Uniq when exactly one waiting client sent it, or the
    /// single client waiting without one. Two clients that cannot be told apart get neither.
    private func untaggedRecipient(_ packet: DiscoveryPacket, now: Int64) -> Routing {
        // An AC that echoes our tag would have echoed it here too: this answer is somebody else's.
        if let until = echoingACs[packet.source], until > now { return .notOurs }
        let waiting: [Int]
        if let hostUniq = packet.tag(.hostUniq) {
            guard let entry = byHostUniq[Self.hash(hostUniq.value)] else { return .notOurs }
            // A record that shares the Host-Uniq but is not among the two kept still counts.
            guard entry.count == entry.indexes.count else { return .ambiguous }
            waiting = entry.indexes.filter { records[$0].map { $0.expires > now } ?? false }
        } else {
            waiting = withoutHostUniq.count > 1 ? Array(withoutHostUniq.prefix(2))
                : withoutHostUniq.filter { records[$0].map { $0.expires > now } ?? false }
        }
        switch waiting.count {
        case 0: return .notOurs
        case 1: return .to(waiting[0])
        default: return .ambiguous
        }
    }

    mutating func noteEcho(from acMAC: MACAddress, now: Int64) {
        if echoingACs.count < capacity || echoingACs[acMAC] != nil { echoingACs[acMAC] = now + Self.echoMemory }
    }

    enum OfferOutcome { case kept, overLimit }

    /// Records an AC's offer for the request at `index`; a client holds offers from at most
    /// `offersPerClient` ACs.
    mutating func noteOffer(acMAC: MACAddress, cookie: [UInt8]?, acName: [UInt8]?, at index: Int, now: Int64) -> OfferOutcome {
        guard var record = records[index] else { return .overLimit }
        record.offers.removeAll { $0.expires <= now }
        let offer = Offer(acMAC: acMAC, cookie: cookie.map(Self.hash),
                          acName: TerminalText.decoding((acName ?? []).prefix(Self.labelLimit)),
                          expires: now + Self.lifetime)
        if let existing = record.offers.firstIndex(where: { $0.acMAC == acMAC }) {
            record.offers.remove(at: existing)
        } else if record.offers.count >= offersPerClient {
            records[index] = record
            return .overLimit
        }
        record.offers.append(offer)
        records[index] = record
        return .kept
    }

    /// The offer a PADR answers: the one whose AC-Cookie it echoes, else the latest.
    func offer(for client: ClientRef, cookie: [UInt8]?, now: Int64) -> Offer? {
        guard let index = byClient[client], let record = records[index] else { return nil }
        let live = record.offers.filter { $0.expires > now }
        if let cookie {
            let hashed = Self.hash(cookie)
            if let match = live.last(where: { $0.cookie == hashed }) { return match }
        }
        return live.last
    }

    func offer(at index: Int, from acMAC: MACAddress) -> Offer? {
        records[index]?.offers.last { $0.acMAC == acMAC }
    }

    /// A client got its session: it no longer waits for an untagged answer. Its record stays
    /// until it expires, so a client that lost the PADS and repeats its PADR still reaches the AC.
    mutating func sessionEstablished(at index: Int) {
        withoutHostUniq.remove(index)
    }

    mutating func prune(now: Int64) {
        for index in records.indices where (records[index].map { $0.expires <= now }) ?? false {
            remove(index)
            free.append(index)
        }
        echoingACs = echoingACs.filter { $0.value > now }
    }

    /// Host-Uniq and AC-Cookie are compared through Swift's per-process randomly seeded hash:
    /// fixed-size records, and no value a host can pick to collide with another's.
    static func hash(_ bytes: [UInt8]) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes)
        return hasher.finalize()
    }
}
