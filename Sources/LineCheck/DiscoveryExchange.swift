import PPPoEWire

/// The client's half of PPPoE discovery (RFC 2516 §5), pure: which frames to send and what a
/// received frame means. Frames are matched on our MAC and our Host-Uniq, so a check shares an
/// interface with a running relay and the router's own PPPoE client without taking their
/// answers (each has its own Host-Uniq or Relay-Session-Id) or giving them ours.
public struct DiscoveryExchange: Sendable {
    public let ourMAC: MACAddress
    public let hostUniq: [UInt8]
    public let service: String
    public let acName: String?
    /// Asked for with PPP-Max-Payload (RFC 4638) when above 1492.
    public let maxPayload: UInt16?

    /// RFC 2516 §4: "The value 0xffff is reserved for future use and MUST NOT be used."
    public static let reservedSessionID: UInt16 = 0xFFFF

    /// The AC chosen from its PADO, once there is one.
    public private(set) var offer: DiscoveryPacket?

    public enum Answer: Equatable, Sendable {
        /// Not for this check (another host's, another client's, malformed): ignore.
        case ignored
        case offer(DiscoveryPacket)
        /// A PADO or PADS carrying an error tag: which one, and its text.
        case refused(CheckStep, tag: TagType, message: String, from: DiscoveryPacket)
        case confirmed(sessionID: UInt16, packet: DiscoveryPacket)
        /// A PADS that opens no session we can use: id 0 without an error tag (`.sessionRefused`),
        /// or the id RFC 2516 reserves, 0xFFFF (`.reservedSessionID`).
        case unusable(CheckStep, from: DiscoveryPacket)
        case terminated(DiscoveryPacket)
        /// A PADO answering the probe for any service (see `probePADI`).
        case anyServiceOffer(DiscoveryPacket)
    }

    /// The Host-Uniq of the probe: ours with its last byte inverted.
    public var probeUniq: [UInt8] {
        var uniq = hostUniq
        uniq[uniq.count - 1] ^= 0xff
        return uniq
    }

    /// A PADI for any service (empty Service-Name), sent beside ours when a service is named:
    /// an AC that answers it but not ours does not offer that service. (rp-pppoe's pppoe-server
    /// and many ACs stay silent on a PADI for a service they lack, rather than send
    /// Service-Name-Error, so silence alone cannot tell a wrong name from a dead line.)
    public func probePADI() -> DiscoveryPacket? {
        guard !service.isEmpty else { return nil }
        return DiscoveryPacket(destination: .broadcast, source: ourMAC, code: .padi,
                               tags: [Tag(.serviceName), Tag(.hostUniq, probeUniq)])
    }

    public init(ourMAC: MACAddress, hostUniq: [UInt8], service: String, acName: String?, maxPayload: UInt16?) {
        self.ourMAC = ourMAC
        self.hostUniq = hostUniq
        self.service = service
        self.acName = acName
        self.maxPayload = maxPayload
    }

    public func padi() -> DiscoveryPacket {
        DiscoveryPacket(destination: .broadcast, source: ourMAC, code: .padi, tags: requestTags())
    }

    /// The PADR for the chosen offer: our tags, and the AC's cookie and Relay-Session-Id echoed.
    public func padr() -> DiscoveryPacket? {
        guard let offer else { return nil }
        var tags = requestTags()
        if let cookie = offer.tag(.acCookie) { tags.append(cookie) }
        if let relay = offer.tag(.relaySessionID) { tags.append(relay) }
        return DiscoveryPacket(destination: offer.source, source: ourMAC, code: .padr, tags: tags)
    }

    public func padt(sessionID: UInt16) -> DiscoveryPacket? {
        guard let offer else { return nil }
        return DiscoveryPacket(destination: offer.source, source: ourMAC, code: .padt, sessionID: sessionID,
                               tags: [Tag(.hostUniq, hostUniq)])
    }

    private func requestTags() -> [Tag] {
        var tags = [Tag(.serviceName, text: service), Tag(.hostUniq, hostUniq)]
        if let maxPayload, maxPayload > 1492 {
            tags.append(Tag(.pppMaxPayload, [UInt8(maxPayload >> 8), UInt8(maxPayload & 0xff)]))
        }
        return tags
    }

    /// Judges a discovery frame that arrived on the interface.
    public mutating func receive(_ frame: [UInt8]) -> Answer {
        guard let packet = try? DiscoveryPacket(parsing: frame), packet.destination == ourMAC else { return .ignored }
        if packet.code == .pado, !service.isEmpty, packet.tag(.hostUniq)?.value == probeUniq {
            if let acName, packet.tag(.acName)?.text != acName { return .ignored }
            return .anyServiceOffer(packet)
        }
        guard packet.tag(.hostUniq)?.value == hostUniq || packet.code == .padt else { return .ignored }
        switch packet.code {
        case .pado where offer == nil:
            // The AC-Name filter comes first: a check aimed at one AC is not ended by another AC's
            // (or a copier of our broadcast Host-Uniq's) error-tagged PADO.
            if let acName, packet.tag(.acName)?.text != acName { return .ignored }
            if let error = Self.error(in: packet) { return .refused(error.0, tag: error.1, message: error.2, from: packet) }
            guard packet.source != .zero, !packet.source.isGroup else { return .ignored }
            offer = packet
            return .offer(packet)
        case .pads where packet.source == offer?.source:
            if let error = Self.error(in: packet) { return .refused(error.0, tag: error.1, message: error.2, from: packet) }
            // RFC 2516 §5.4: session id 0 answers a PADR the AC refused; 0xFFFF is reserved (§4).
            if packet.sessionID == 0 { return .unusable(.sessionRefused, from: packet) }
            if packet.sessionID == Self.reservedSessionID { return .unusable(.reservedSessionID, from: packet) }
            return .confirmed(sessionID: packet.sessionID, packet: packet)
        case .padt where packet.source == offer?.source:
            return .terminated(packet)
        default:
            return .ignored
        }
    }

    /// The first error tag of a PADO or PADS (RFC 2516 §5.2, §5.4): the step it means and its text.
    static func error(in packet: DiscoveryPacket) -> (CheckStep, TagType, String)? {
        for (tag, step) in [(TagType.serviceNameError, CheckStep.serviceNameError),
                            (.acSystemError, .acSystemError), (.genericError, .genericError)] {
            if let found = packet.tag(tag) { return (step, tag, found.text) }
        }
        return nil
    }
}
