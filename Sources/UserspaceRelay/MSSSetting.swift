import PPPoEWire

/// How the relay clamps TCP MSS inside sessions: `--mss auto|off|N`.
public enum MSSSetting: Sendable, Equatable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// 1452 (IPv4) and 1432 (IPv6) for PPPoE's 1492-byte MTU, or more where discovery agreed a
    /// larger PPP-Max-Payload (RFC 4638).
    case auto
    case off
    /// This MSS for IPv4; IPv6 gets 20 less (the same MTU).
    case fixed(UInt16)

    /// The smallest MSS worth clamping to (IPv4's minimum MTU, 576, less headers).
    public static let minimum: UInt16 = 536

    public init?(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "off": self = .off
        default:
            guard let value = UInt16(text), value >= Self.minimum else { return nil }
            self = .fixed(value)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .off: "off"
        case let .fixed(value): String(value)
        }
    }

    /// The IPv4 and IPv6 limits for a session; zero means no clamping.
    public func limits(maxPayload: UInt16?) -> (ipv4: UInt16, ipv6: UInt16) {
        switch self {
        case .off:
            return (0, 0)
        case let .fixed(value):
            return (value, value - 20)
        case .auto:
            let mtu = max(UInt16(PPPoEHeader.standardMaxPayload - 2), maxPayload ?? 0)
            return (mtu - 40, mtu - 60)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let setting = MSSSetting(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad MSS \(text)"))
        }
        self = setting
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
