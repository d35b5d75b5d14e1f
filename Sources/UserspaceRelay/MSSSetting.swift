import JSON
import PPPoEWire

/// How the relay clamps TCP MSS inside sessions: `--mss auto|off|N`.
public enum MSSSetting: Sendable, Equatable, JSONCodable, CustomStringConvertible, LosslessStringConvertible {
    /// 1452 (IPv4) and 1432 (IPv6) for PPPoE's 1492-byte MTU, or more where discovery agreed a
    /// larger PPP-Max-Payload (RFC 4638).
    case auto
    case off
    /// This MSS for IPv4; IPv6 gets 20 less (the same MTU).
    case fixed(UInt16)

    /// The smallest MSS worth clamping to (IPv4's minimum MTU, 576, less headers).
    public static let minimum: UInt16 = 536
    /// The largest MSS an IPv4 segment can carry: a 65,535-byte datagram less 20 bytes of IP
    /// and 20 of TCP header.
    public static let maximum: UInt16 = 65495

    public init?(_ text: String) {
        guard case let .success(setting) = Self.parse(text) else { return nil }
        self = setting
    }

    /// Why a text is not a setting, for the one-line error a person reads.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notANumber(String)
        case tooSmall(Int)
        case tooLarge(String)

        public var description: String {
            switch self {
            case let .notANumber(text):
                "mss must be auto, off or a number of bytes, not \"\(String(text.unicodeScalars.prefix(40).filter { $0.value >= 0x20 && $0.value < 0x7F }))\""
            case let .tooSmall(value): "mss must be at least \(MSSSetting.minimum), not \(value)"
            case let .tooLarge(text): "mss must be at most \(MSSSetting.maximum), not \(text)"
            }
        }
    }

    /// The setting `text` names, or why it names none.
    public static func parse(_ text: String) -> Result<MSSSetting, Problem> {
        switch text {
        case "auto": return .success(.auto)
        case "off": return .success(.off)
        default:
            guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                return .failure(.notANumber(text))
            }
            guard let value = Int(text), value <= Int(maximum) else { return .failure(.tooLarge(String(text.prefix(20)))) }
            guard value >= Int(minimum) else { return .failure(.tooSmall(value)) }
            return .success(.fixed(UInt16(value)))
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

    /// In JSON a setting is its text, as `--mss` takes it ("auto", "off", "1400").
    public init(json: JSONValue, path: String) throws(JSONError) {
        let text = try String(json: json, path: path)
        switch Self.parse(text) {
        case let .success(setting): self = setting
        case let .failure(problem): throw JSONError(.invalidValue, path: path, reason: problem.description)
        }
    }

    public func jsonValue() -> JSONValue { .string(description) }
}
