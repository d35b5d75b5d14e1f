/// A 48-bit Ethernet address held in the low bits of a UInt64, so it hashes, compares and
/// packs into session-table keys without touching the heap.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: UInt64
    /// Bytes on the wire.
    public static let length = 6

    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        value = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24
            | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    /// Reads six bytes at `offset`; the caller guarantees they are there.
    @inline(__always)
    public init(reading base: UnsafeRawPointer, at offset: Int) {
        var v: UInt64 = 0
        for i in 0..<6 { v = v << 8 | UInt64(base.load(fromByteOffset: offset + i, as: UInt8.self)) }
        value = v
    }

    /// Parses "aa:bb:cc:dd:ee:ff" (also with '-'); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for part in parts {
            guard part.count <= 2, let byte = UInt8(part, radix: 16) else { return nil }
            v = v << 8 | UInt64(byte)
        }
        value = v
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static let broadcast = MACAddress(value: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(value: 0)

    public var isBroadcast: Bool { value == 0xFFFF_FFFF_FFFF }
    /// The group bit: broadcast and multicast addresses may never be a PPPoE peer.
    public var isGroup: Bool { (value >> 40) & 1 == 1 }

    @inline(__always)
    public func write(to base: UnsafeMutableRawPointer, at offset: Int) {
        for i in 0..<6 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * i)),
                            toByteOffset: offset + i, as: UInt8.self)
        }
    }

    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * $0)) } }

    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }
}
