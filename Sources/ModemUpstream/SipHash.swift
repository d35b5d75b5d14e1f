/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash short inputs cannot be
/// forged against without the key. The AC-Cookie is one, so discovery keeps no state per PADI.
public struct SipHash24 {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64

    public init(key0: UInt64, key1: UInt64) {
        v0 = 0x736f_6d65_7073_6575 ^ key0
        v1 = 0x646f_7261_6e64_6f6d ^ key1
        v2 = 0x6c79_6765_6e65_7261 ^ key0
        v3 = 0x7465_6462_7974_6573 ^ key1
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }

    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round()
        round()
        v0 ^= m
    }

    /// The hash of `bytes` under this key.
    public func hash(_ bytes: [UInt8]) -> UInt64 {
        var state = self
        let whole = bytes.count / 8 * 8
        var i = 0
        while i < whole {
            var m: UInt64 = 0
            for j in 0..<8 { m |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            state.compress(m)
            i += 8
        }
        var last = UInt64(truncatingIfNeeded: bytes.count) << 56
        for j in 0..<(bytes.count - whole) { last |= UInt64(bytes[whole + j]) << (8 * UInt64(j)) }
        state.compress(last)
        state.v2 ^= 0xFF
        for _ in 0..<4 { state.round() }
        return state.v0 ^ state.v1 ^ state.v2 ^ state.v3
    }
}

extension UInt64 {
    @inline(__always)
    func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
