/// IPCP (RFC 1332) for a client: it asks for an address (0.0.0.0, to be Nakked with the one the
/// AC assigns) and for DNS servers (RFC 1877), drops what the AC rejects, and accepts the AC's
/// own address; it rejects compression (this client does no Van Jacobson) and anything unknown.
public struct IPCPPolicy: ConfigurationPolicy, Sendable {
    public enum Option {
        public static let compression: UInt8 = 2
        public static let address: UInt8 = 3
        public static let primaryDNS: UInt8 = 129
        public static let secondaryDNS: UInt8 = 131
    }

    public private(set) var address: [UInt8] = [0, 0, 0, 0]
    public private(set) var primaryDNS: [UInt8]? = [0, 0, 0, 0]
    public private(set) var secondaryDNS: [UInt8]? = [0, 0, 0, 0]
    public private(set) var peerAddress: [UInt8]?

    public init() {}

    public mutating func request() -> [ConfigurationOption] {
        [ConfigurationOption(type: Option.address, data: address)]
            + (primaryDNS.map { [ConfigurationOption(type: Option.primaryDNS, data: $0)] } ?? [])
            + (secondaryDNS.map { [ConfigurationOption(type: Option.secondaryDNS, data: $0)] } ?? [])
    }

    public mutating func review(_ options: [ConfigurationOption]) -> ConfigurationVerdict {
        var rejected: [ConfigurationOption] = []
        var peer: [UInt8]?
        for option in options {
            if option.type == Option.address, option.data.count == 4 { peer = option.data } else { rejected.append(option) }
        }
        let verdict = ConfigurationVerdict.from(rejected: rejected, nakked: [])
        if verdict == .acknowledge { peerAddress = peer }
        return verdict
    }

    public mutating func acknowledged(_ options: [ConfigurationOption]) {}

    public mutating func nakked(_ options: [ConfigurationOption]) {
        for option in options where option.data.count == 4 {
            switch option.type {
            case Option.address: address = option.data
            case Option.primaryDNS where primaryDNS != nil: primaryDNS = option.data
            case Option.secondaryDNS where secondaryDNS != nil: secondaryDNS = option.data
            default: break
            }
        }
    }

    public mutating func rejected(_ options: [ConfigurationOption]) {
        for option in options {
            if option.type == Option.primaryDNS { primaryDNS = nil }
            if option.type == Option.secondaryDNS { secondaryDNS = nil }
        }
    }

    public func describe(_ option: ConfigurationOption) -> String {
        switch option.type {
        case 1: "IP-Addresses (obsolete)"
        case Option.compression:
            option.data.starts(with: [0x00, 0x2d]) ? "Van Jacobson compression" : "IP compression"
        case Option.address where option.data.count == 4: "IP address " + option.data.map { String($0) }.joined(separator: ".")
        case Option.primaryDNS, Option.secondaryDNS: "a DNS server option"
        case 130, 132: "an NBNS server option"
        default: "option \(option.type)"
        }
    }

    /// The DNS servers the AC gave, zero addresses (never assigned) left out.
    public var dnsServers: [[UInt8]] {
        [primaryDNS, secondaryDNS].compactMap { $0 }.filter { $0 != [0, 0, 0, 0] }
    }
}

/// IPv6CP (RFC 5072) for a client: one option, the 64-bit interface identifier. Ours is random;
/// the AC may Nak it with another; the AC's own must differ from ours and not be zero (§4.1).
public struct IPv6CPPolicy: ConfigurationPolicy, Sendable {
    public static let interfaceIdentifierOption: UInt8 = 1

    public private(set) var interfaceIdentifier: [UInt8]
    public private(set) var peerInterfaceIdentifier: [UInt8]?

    public init(interfaceIdentifier: [UInt8]) { self.interfaceIdentifier = interfaceIdentifier }

    public mutating func request() -> [ConfigurationOption] {
        [ConfigurationOption(type: Self.interfaceIdentifierOption, data: interfaceIdentifier)]
    }

    public mutating func review(_ options: [ConfigurationOption]) -> ConfigurationVerdict {
        var rejected: [ConfigurationOption] = [], nakked: [ConfigurationOption] = []
        var peer: [UInt8]?
        for option in options {
            guard option.type == Self.interfaceIdentifierOption, option.data.count == 8 else {
                rejected.append(option)
                continue
            }
            if option.data == interfaceIdentifier || option.data.allSatisfy({ $0 == 0 }) {
                // Suggest one that differs from ours in its last byte.
                var suggestion = interfaceIdentifier
                suggestion[7] ^= 0xff
                nakked.append(ConfigurationOption(type: Self.interfaceIdentifierOption, data: suggestion))
            } else {
                peer = option.data
            }
        }
        let verdict = ConfigurationVerdict.from(rejected: rejected, nakked: nakked)
        if verdict == .acknowledge { peerInterfaceIdentifier = peer }
        return verdict
    }

    public mutating func acknowledged(_ options: [ConfigurationOption]) {}

    public mutating func nakked(_ options: [ConfigurationOption]) {
        for option in options where option.type == Self.interfaceIdentifierOption && option.data.count == 8 {
            interfaceIdentifier = option.data
        }
    }

    public mutating func rejected(_ options: [ConfigurationOption]) {}
}
