import PPPoEWire

/// One side of a session as the wire names it: the interface slot it arrives on, the peer's
/// MAC and the session id on that side. Packed into two integers so hashing and comparing
/// cost a few instructions and no heap.
public struct SessionKey: Hashable, Sendable {
    /// MAC in the high 48 bits, session id in the low 16.
    public let packed: UInt64
    public let slot: UInt8

    @inline(__always)
    public init(slot: UInt8, mac: MACAddress, sessionID: UInt16) {
        packed = mac.value << 16 | UInt64(sessionID)
        self.slot = slot
    }

    public var mac: MACAddress { MACAddress(value: packed >> 16) }
    public var sessionID: UInt16 { UInt16(truncatingIfNeeded: packed) }

    @inline(__always)
    var hash: UInt64 {
        // Fibonacci hashing: multiply, keep the high bits (taken by the caller's shift).
        (packed ^ UInt64(slot) << 56) &* 0x9E37_79B9_7F4A_7C15
    }
}
