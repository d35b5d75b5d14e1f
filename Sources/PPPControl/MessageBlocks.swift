/// The padding MD4, MD5 and SHA-1 share (RFC 1320 §3.1-3.2, RFC 1321, FIPS 180-4 §5.1): a 1 bit,
/// zeros up to 56 mod 64 bytes, then the message's length in bits, little-endian for the MD
/// family and big-endian for SHA-1. Messages here are small (a challenge, a password), so the
/// whole padded message is built at once.
enum MessageBlocks {
    static func padded(_ message: [UInt8], bigEndianLength: Bool) -> [UInt8] {
        var bytes = message
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        let bits = UInt64(message.count) &* 8
        for index in 0..<8 {
            let shift = bigEndianLength ? UInt64(56 - 8 * index) : UInt64(8 * index)
            bytes.append(UInt8(truncatingIfNeeded: bits >> shift))
        }
        return bytes
    }

    /// Sixteen little-endian words of the block at `offset`.
    static func littleEndianWords(_ bytes: [UInt8], at offset: Int) -> [UInt32] {
        (0..<16).map { word in
            let base = offset + 4 * word
            return UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16
                | UInt32(bytes[base + 3]) << 24
        }
    }

    static func littleEndianBytes(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
    }

    static func bigEndianBytes(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
    }
}

extension UInt32 {
    @inline(__always) func rotatedLeft(_ count: UInt32) -> UInt32 { self << count | self >> (32 - count) }
}
