/// PPP protocol numbers (RFC 1661 §2, the IANA registry) of the protocols a dial-up needs.
/// A struct, not an enum: a peer may send any number, and an unknown one must be named in a
/// Protocol-Reject rather than dropped unseen.
public struct PPPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = PPPProtocol(rawValue: 0x0021)
    public static let ipv6 = PPPProtocol(rawValue: 0x0057)
    public static let ipcp = PPPProtocol(rawValue: 0x8021)
    public static let ipv6cp = PPPProtocol(rawValue: 0x8057)
    public static let lcp = PPPProtocol(rawValue: 0xC021)
    public static let pap = PPPProtocol(rawValue: 0xC023)
    public static let chap = PPPProtocol(rawValue: 0xC223)

    public var description: String {
        switch self {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .ipcp: "IPCP"
        case .ipv6cp: "IPv6CP"
        case .lcp: "LCP"
        case .pap: "PAP"
        case .chap: "CHAP"
        default: "protocol 0x" + String(rawValue, radix: 16)
        }
    }
}

/// Codes of LCP-like control protocols (RFC 1661 §5); LCP alone uses 8 and up.
public enum ControlCode {
    public static let configureRequest: UInt8 = 1
    public static let configureAck: UInt8 = 2
    public static let configureNak: UInt8 = 3
    public static let configureReject: UInt8 = 4
    public static let terminateRequest: UInt8 = 5
    public static let terminateAck: UInt8 = 6
    public static let codeReject: UInt8 = 7
    public static let protocolReject: UInt8 = 8
    public static let echoRequest: UInt8 = 9
    public static let echoReply: UInt8 = 10
    public static let discardRequest: UInt8 = 11
}

/// A malformed control packet or option list; the text names what was wrong, for a log.
public struct ControlPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One packet of LCP, PAP, CHAP or an NCP: code, identifier, and the data its length covers
/// (RFC 1661 §5: bytes after Length are padding and ignored).
public struct ControlPacket: Equatable, Sendable {
    public var code: UInt8
    public var identifier: UInt8
    public var data: [UInt8]

    public init(code: UInt8, identifier: UInt8, data: [UInt8] = []) {
        self.code = code
        self.identifier = identifier
        self.data = data
    }

    public init<Bytes: Collection>(parsing bytes: Bytes) throws(ControlPacketError) where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        guard bytes.count >= 4 else { throw ControlPacketError("control packet of \(bytes.count) bytes, shorter than its header") }
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        guard length >= 4, length <= bytes.count else {
            throw ControlPacketError("control packet length \(length) in \(bytes.count) bytes")
        }
        code = bytes[0]
        identifier = bytes[1]
        data = Array(bytes[4..<length])
    }

    public func serialized() -> [UInt8] {
        let length = 4 + data.count
        return [code, identifier, UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + data
    }
}

/// A Configure-Request option (RFC 1661 §6): type, and the bytes after its two-byte header.
public struct ConfigurationOption: Equatable, Sendable {
    public var type: UInt8
    public var data: [UInt8]

    public init(type: UInt8, data: [UInt8] = []) {
        self.type = type
        self.data = data
    }

    /// The option list of a Configure-Request, -Ack, -Nak or -Reject.
    public static func parseList(_ bytes: [UInt8]) throws(ControlPacketError) -> [ConfigurationOption] {
        var options: [ConfigurationOption] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw ControlPacketError("option header cut off at byte \(offset)") }
            let length = Int(bytes[offset + 1])
            guard length >= 2, offset + length <= bytes.count else {
                throw ControlPacketError("option \(bytes[offset]) of length \(length) at byte \(offset) runs past the packet")
            }
            options.append(ConfigurationOption(type: bytes[offset], data: Array(bytes[offset + 2..<offset + length])))
            offset += length
        }
        return options
    }

    public static func encode(_ options: [ConfigurationOption]) -> [UInt8] {
        options.flatMap { [$0.type, UInt8(truncatingIfNeeded: 2 + $0.data.count)] + $0.data }
    }

    /// The data as a big-endian number, when it is `width` bytes long.
    public func number(width: Int) -> UInt32? {
        guard data.count == width else { return nil }
        return data.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public static func number(type: UInt8, _ value: UInt32, width: Int) -> ConfigurationOption {
        ConfigurationOption(type: type, data: (0..<width).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * (width - 1 - $0))) })
    }
}
