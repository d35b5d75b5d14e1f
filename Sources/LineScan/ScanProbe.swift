import PPPoEWire

/// The PADIs a scan broadcasts, and the test of whether a PADO answers one of them.
///
/// Each probe carries its own Host-Uniq (a random prefix shared by the scan, then the probe's
/// number), so a PADO says which question it answers, and neither the relay nor the router's own
/// PPPoE client, which use other Host-Uniqs (or none), can take it for theirs. Each also carries a
/// Relay-Session-Id of the scan's own, to learn whether the AC echoes one as RFC 2516 asks (the
/// relay's untagged fallback exists for ACs that do not), and PPP-Max-Payload (RFC 4638), which
/// an AC only answers when asked.
public struct ScanProbe: Sendable, Equatable {
    /// What one PADI asks for: a named service, or any service (an empty Service-Name).
    public enum Question: Sendable, Equatable {
        case service(String)
        case anyService
    }

    /// The payload the scan asks for: a 1500-byte PPP MTU over PPPoE, what RFC 4638 is for.
    public static let requestedMaxPayload: UInt16 = 1500
    public static let hostUniqPrefixLength = 8
    public static let relaySessionIDLength = 8

    public let source: MACAddress
    public let hostUniqPrefix: [UInt8]
    public let relaySessionID: [UInt8]
    /// The named service first (when asked), then any service.
    public let questions: [Question]

    /// `nonce` supplies the scan's random bytes (tests pass fixed ones).
    public init(source: MACAddress, serviceName: String?, nonce: [UInt8]) {
        precondition(nonce.count >= Self.hostUniqPrefixLength + Self.relaySessionIDLength)
        self.source = source
        hostUniqPrefix = Array(nonce.prefix(Self.hostUniqPrefixLength))
        relaySessionID = Array(nonce.dropFirst(Self.hostUniqPrefixLength).prefix(Self.relaySessionIDLength))
        questions = (serviceName.map { [.service($0)] } ?? []) + [.anyService]
    }

    /// The Host-Uniq of question `index`.
    public func hostUniq(_ index: Int) -> [UInt8] { hostUniqPrefix + [UInt8(truncatingIfNeeded: index)] }

    /// The PADI frame for question `index`, broadcast from `source`.
    public func padi(_ index: Int) -> [UInt8] {
        let name: String
        switch questions[index] {
        case let .service(service): name = service
        case .anyService: name = ""
        }
        let maxPayload = [UInt8(Self.requestedMaxPayload >> 8), UInt8(Self.requestedMaxPayload & 0xFF)]
        return DiscoveryPacket(destination: .broadcast, source: source, code: .padi, tags: [
            Tag(.serviceName, text: name),
            Tag(.hostUniq, hostUniq(index)),
            Tag(.relaySessionID, relaySessionID),
            Tag(.pppMaxPayload, maxPayload),
        ]).serialized()
    }

    /// Which question `packet` answers: a PADO sent to us whose first Host-Uniq is one of ours.
    public func question(answeredBy packet: DiscoveryPacket) -> Int? {
        guard packet.code == .pado, packet.destination == source, let tag = packet.tag(.hostUniq),
              tag.value.count == Self.hostUniqPrefixLength + 1, tag.value.starts(with: hostUniqPrefix) else { return nil }
        let index = Int(tag.value[Self.hostUniqPrefixLength])
        return index < questions.count ? index : nil
    }
}
