/// SHA-1 (FIPS 180-4): only for MS-CHAPv2's challenge hash and authenticator response
/// (RFC 2759 §8.2, §8.7), where the protocol fixes it.
public enum SHA1 {
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0]
        let bytes = MessageBlocks.padded(message, bigEndianLength: true)
        var w = [UInt32](repeating: 0, count: 80)
        for offset in stride(from: 0, to: bytes.count, by: 64) {
            for index in 0..<16 {
                let base = offset + 4 * index
                w[index] = UInt32(bytes[base]) << 24 | UInt32(bytes[base + 1]) << 16
                    | UInt32(bytes[base + 2]) << 8 | UInt32(bytes[base + 3])
            }
            for index in 16..<80 {
                w[index] = (w[index - 3] ^ w[index - 8] ^ w[index - 14] ^ w[index - 16]).rotatedLeft(1)
            }
            var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
            for index in 0..<80 {
                let f: UInt32, k: UInt32
                switch index / 20 {
                case 0: f = (b & c) | (~b & d); k = 0x5a82_7999
                case 1: f = b ^ c ^ d; k = 0x6ed9_eba1
                case 2: f = (b & c) | (b & d) | (c & d); k = 0x8f1b_bcdc
                default: f = b ^ c ^ d; k = 0xca62_c1d6
                }
                let temporary = a.rotatedLeft(5) &+ f &+ e &+ k &+ w[index]
                (a, b, c, d, e) = (temporary, a, b.rotatedLeft(30), c, d)
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
            state[4] &+= e
        }
        return MessageBlocks.bigEndianBytes(state)
    }
}
