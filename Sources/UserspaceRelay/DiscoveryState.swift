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
    var cookie: [UInt8]?
    var acName: String
    var expires: Int64
}

/// Short-lived discovery memory. RFC 2516 makes peers echo Relay-Session-Id, so most answers
/// route from the tag alone; this is the fallback for access concentrators that strip it
/// (keyed on Host-Uniq, which they must echo) and the record of offers. Everything here
/// expires after `lifetime` seconds and is bounded by `limit` entries per map.
struct DiscoveryState {
    let lifetime: Int64
    let limit: Int

    private var byForeignRelayTag: [[UInt8]: (client: ClientRef, expires: Int64)] = [:]
    private var byHostUniq: [[UInt8]: (client: ClientRef, expires: Int64)] = [:]
    private var withoutHostUniq: [ClientRef: Int64] = [:]
    private var offers: [ClientRef: [Offer]] = [:]
    /// ACs seen echoing our tag: an untagged answer from one of them is not ours.
    private var echoingACs: Set<MACAddress> = []

    init(lifetime: Int64 = 30, limit: Int) {
        self.lifetime = lifetime
        self.limit = limit
    }

    /// Remembers a client's PADI/PADR so that untagged answers can find it.
    mutating func noteRequest(from client: ClientRef, hostUniq: [UInt8]?, foreignRelayTag: [UInt8]?, now: Int64) {
        let expires = now + lifetime
        if let foreignRelayTag, byForeignRelayTag.count < limit || byForeignRelayTag[foreignRelayTag] != nil {
            byForeignRelayTag[foreignRelayTag] = (client, expires)
        }
        if let hostUniq {
            if byHostUniq.count < limit || byHostUniq[hostUniq] != nil { byHostUniq[hostUniq] = (client, expires) }
        } else if withoutHostUniq.count < limit || withoutHostUniq[client] != nil {
            withoutHostUniq[client] = expires
        }
    }

    mutating func noteEcho(from acMAC: MACAddress) {
        if echoingACs.count < limit { echoingACs.insert(acMAC) }
    }

    /// The client an answer without our tag belongs to, if any can be told with confidence.
    func routeUntagged(_ packet: DiscoveryPacket, now: Int64) -> ClientRef? {
        if let tag = packet.tag(.relaySessionID), let entry = byForeignRelayTag[tag.value], entry.expires > now {
            return entry.client
        }
        // An AC that echoes our tag would have echoed it here too: this answer is somebody else's.
        if echoingACs.contains(packet.source) { return nil }
        if let hostUniq = packet.tag(.hostUniq) {
            guard let entry = byHostUniq[hostUniq.value], entry.expires > now else { return nil }
            return entry.client
        }
        // No Host-Uniq either: only when exactly one client is waiting is the answer unambiguous.
        let waiting = withoutHostUniq.filter { $0.value > now }
        return waiting.count == 1 ? waiting.first!.key : nil
    }

    mutating func noteOffer(_ offer: Offer, for client: ClientRef) {
        var list = offers[client] ?? []
        guard offers.count < limit || !list.isEmpty else { return }
        list.removeAll { $0.acMAC == offer.acMAC }
        list.append(offer)
        offers[client] = list
    }

    /// The offer a PADR answers: the one whose AC-Cookie it echoes, else the latest.
    func offer(for client: ClientRef, cookie: [UInt8]?, now: Int64) -> Offer? {
        let list = (offers[client] ?? []).filter { $0.expires > now }
        if let cookie, let match = list.last(where: { $0.cookie == cookie }) { return match }
        return list.last
    }

    func offer(for client: ClientRef, from acMAC: MACAddress) -> Offer? {
        offers[client]?.last { $0.acMAC == acMAC }
    }

    /// A client got its session: it no longer waits for an untagged answer. Its offers stay until
    /// they expire, so a client that lost the PADS and repeats its PADR still reaches the AC.
    mutating func sessionEstablished(for client: ClientRef) {
        withoutHostUniq[client] = nil
    }

    mutating func prune(now: Int64) {
        byForeignRelayTag = byForeignRelayTag.filter { $0.value.expires > now }
        byHostUniq = byHostUniq.filter { $0.value.expires > now }
        withoutHostUniq = withoutHostUniq.filter { $0.value > now }
        offers = offers.compactMapValues { list in
            let kept = list.filter { $0.expires > now }
            return kept.isEmpty ? nil : kept
        }
    }
}
