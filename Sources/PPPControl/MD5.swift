import Libc

/// MD5 (RFC 1321), for CHAP with MD5 (RFC 1994 §4.1). Written here rather than taken from a
/// crypto library: CHAP needs only this digest of a few dozen bytes, and a library such as
/// swift-crypto would bring BoringSSL into a binary meant for routers' small flash.
public enum MD5 {
    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

    /// floor(abs(sin(i + 1)) * 2^32), RFC 1321 §3.4's table T.
    private static let sines: [UInt32] = (0..<64).map { index in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(index + 1))) * 4_294_967_296).rounded(.down)))
    }

    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
        let bytes = MessageBlocks.padded(message, bigEndianLength: false)
        for offset in stride(from: 0, to: bytes.count, by: 64) {
            let x = MessageBlocks.littleEndianWords(bytes, at: offset)
            var (a, b, c, d) = (state[0], state[1], state[2], state[3])
            for step in 0..<64 {
                let mixed: UInt32
                let word: Int
                switch step / 16 {
                case 0: mixed = (b & c) | (~b & d); word = step
                case 1: mixed = (b & d) | (c & ~d); word = (5 * step + 1) % 16
                case 2: mixed = b ^ c ^ d; word = (3 * step + 5) % 16
                default: mixed = c ^ (b | ~d); word = (7 * step) % 16
                }
                let shift = shifts[(step / 16) * 4 + step % 4]
                let sum = a &+ mixed &+ sines[step] &+ x[word]
                (a, b, c, d) = (d, b &+ sum.rotatedLeft(shift), b, c)
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
        }
        return MessageBlocks.littleEndianBytes(state)
    }
}
