import PPPoEWire

/// The access concentrator's side of discovery for one modem: which PADIs get a PADO, which
/// PADRs are good, and the packets sent back. Stateless but for the cookie key: what a client
/// is owed depends on the modem's state, which the daemon knows.
public struct ModemDiscovery {
    public let localMAC: MACAddress
    public let acName: String
    public let serviceNames: [String]
    private let cookie: ACCookie

    public init(localMAC: MACAddress, acName: String, serviceNames: [String], cookie: ACCookie = ACCookie()) {
        self.localMAC = localMAC
        self.acName = acName
        self.serviceNames = serviceNames
        self.cookie = cookie
    }

    /// What a PADR or PADI asked for: nil when it named a service we do not offer, else the
    /// service to use (an empty request means "any": the first offered).
    public func service(for packet: DiscoveryPacket) -> String? {
        guard let tag = packet.tag(.serviceName), !tag.value.isEmpty else { return serviceNames.first }
        return serviceNames.first { Array($0.utf8) == tag.value }
    }

    /// The PADO for a PADI, or nil when it asks for a service we lack.
    public func offer(for padi: DiscoveryPacket, minute: UInt32) -> DiscoveryPacket? {
        guard service(for: padi) != nil else { return nil }
        var tags = [Tag(.acName, text: acName)] + serviceNames.map { Tag(.serviceName, text: $0) }
        tags.append(Tag(.acCookie, cookie.issue(for: padi.source, minute: minute)))
        tags += echoed(padi)
        return DiscoveryPacket(destination: padi.source, source: localMAC, code: .pado, tags: tags)
    }

    /// Whether a PADR carries the cookie we gave its sender.
    public func cookieIsGood(_ padr: DiscoveryPacket, minute: UInt32) -> Bool {
        guard let tag = padr.tag(.acCookie) else { return false }
        return cookie.verify(tag.value, for: padr.source, minute: minute)
    }

    /// The PADS that opens `sessionID` for `padr` (its latest retry).
    public func confirm(_ padr: DiscoveryPacket, sessionID: UInt16, service: String) -> DiscoveryPacket {
        DiscoveryPacket(destination: padr.source, source: localMAC, code: .pads, sessionID: sessionID,
                        tags: [Tag(.serviceName, text: service), Tag(.acName, text: acName)] + echoed(padr))
    }

    /// A PADS with session ID 0 that refuses: `error` is AC-System-Error, Service-Name-Error or Generic-Error.
    public func refuse(_ padr: DiscoveryPacket, error: TagType, reason: String) -> DiscoveryPacket {
        let service = padr.tag(.serviceName) ?? Tag(.serviceName)
        return DiscoveryPacket(destination: padr.source, source: localMAC, code: .pads, sessionID: 0,
                               tags: [service, Tag(.acName, text: acName), Tag(error, text: reason)] + echoed(padr))
    }

    public func terminate(client: MACAddress, sessionID: UInt16, reason: String) -> DiscoveryPacket {
        DiscoveryPacket(destination: client, source: localMAC, code: .padt, sessionID: sessionID,
                        tags: [Tag(.genericError, text: reason)])
    }

    /// Host-Uniq and Relay-Session-Id go back as they came (RFC 2516 §5, RFC 2516 §4.3).
    private func echoed(_ packet: DiscoveryPacket) -> [Tag] {
        [packet.tag(.hostUniq), packet.tag(.relaySessionID)].compactMap { $0 }
    }
}
