import PPPoEWire

/// The Relay-Session-Id this relay puts in PADI/PADR: 4 bytes unique to this relay instance,
/// the index of the client's pending request, and a 48-bit random nonce drawn for that client's
/// discovery (12 bytes: the room RFC 2516 makes every PADI keep free).
///
/// One discovery keeps one tag, on its PADI, the PADI's retries and its PADR: an AC may bind
/// its AC-Cookie to the PADI's Relay-Session-Id and check it against the PADR's. The tag names a
/// request, not a client, and is no secret (the PADI is broadcast): it finds the relay's record,
/// and the record decides. A PADO must name a PADI still waiting; a PADS must come from the MAC
/// the PADR went to, while that PADR is unanswered, and only one PADS answers it.
public struct RelaySessionTag: Sendable, Equatable {
    public static let length = 12
    static let nonceMask: UInt64 = 0xFFFF_FFFF_FFFF

    public let instance: UInt32
    public let request: UInt16
    public let nonce: UInt64

    public init(instance: UInt32, request: UInt16, nonce: UInt64) {
        self.instance = instance
        self.request = request
        self.nonce = nonce & Self.nonceMask
    }

    /// Decodes a tag value written by the relay instance `instance`; nil for anyone else's.
    public init?(value: [UInt8], instance: UInt32) {
        guard value.count == Self.length else { return nil }
        let seen = value[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard seen == instance else { return nil }
        self.init(instance: instance, request: UInt16(value[4]) << 8 | UInt16(value[5]),
                  nonce: value[6..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    public var value: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.length)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: instance >> UInt32(shift))) }
        bytes.append(UInt8(truncatingIfNeeded: request >> 8))
        bytes.append(UInt8(truncatingIfNeeded: request))
        for shift in stride(from: 40, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: nonce >> UInt64(shift))) }
        return bytes
    }

    /// A fresh nonce; never 0, which marks "no request outstanding".
    static func freshNonce() -> UInt64 { UInt64.random(in: 1...nonceMask) }
}
