import PPPoEWire

/// The AC-Cookie of our PADOs (RFC 2516 §5.2): the minute it was issued and a SipHash of
/// that minute and the client's MAC under a key drawn at start. A PADR's cookie is checked
/// against the same hash, so discovery keeps no table a PADI flood could fill, and a cookie
/// is no good to another MAC, to a restarted relay, or after `lifetimeMinutes`.
public struct ACCookie {
    public static let length = 12
    public static let lifetimeMinutes: UInt32 = 5
    private let hasher: SipHash24

    public init(key0: UInt64, key1: UInt64) {
        hasher = SipHash24(key0: key0, key1: key1)
    }

    /// A key from the system's random source.
    public init() {
        var random = SystemRandomNumberGenerator()
        self.init(key0: random.next(), key1: random.next())
    }

    public func issue(for client: MACAddress, minute: UInt32) -> [UInt8] {
        let tag = hasher.hash(client.bytes + bigEndian(minute))
        return bigEndian(minute) + (0..<8).map { UInt8(truncatingIfNeeded: tag >> (8 * UInt64($0))) }
    }

    public func verify(_ cookie: [UInt8], for client: MACAddress, minute now: UInt32) -> Bool {
        guard cookie.count == Self.length else { return false }
        let minute = cookie[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard minute <= now, now - minute <= Self.lifetimeMinutes else { return false }
        let expected = issue(for: client, minute: minute)
        // Every byte compared, whatever differs first: the time taken tells nothing.
        return zip(expected, cookie).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}
