/// The Async-Control-Character-Map of RFC 1662 §7.1: bit n set means byte n (0x00...0x1F) is
/// sent escaped. Flag (0x7E) and escape (0x7D) are always escaped. Over a serial line whose
/// LCP never agreed on another map, every control character is escaped (`all`).
public struct ACCM: Equatable, Sendable {
    public var map: UInt32

    public init(_ map: UInt32) { self.map = map }

    public static let all = ACCM(0xFFFF_FFFF)
    public static let none = ACCM(0)

    @inline(__always)
    public func escapes(_ byte: UInt8) -> Bool {
        if byte == HDLC.flag || byte == HDLC.escape { return true }
        return byte < 0x20 && map & (1 << UInt32(byte)) != 0
    }
}

/// The octets of RFC 1662's framing.
public enum HDLC {
    public static let flag: UInt8 = 0x7E
    public static let escape: UInt8 = 0x7D
    /// XORed into an escaped byte.
    public static let flip: UInt8 = 0x20
    public static let address: UInt8 = 0xFF
    public static let control: UInt8 = 0x03
}
