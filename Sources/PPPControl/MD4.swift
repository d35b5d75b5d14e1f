/// MD4 (RFC 1320): only for MS-CHAPv2's NT password hash (RFC 2759 §8.3), where the protocol
/// fixes it; nothing here trusts it as a digest.
public enum MD4 {
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
        let bytes = MessageBlocks.padded(message, bigEndianLength: false)
        for offset in stride(from: 0, to: bytes.count, by: 64) {
            let x = MessageBlocks.littleEndianWords(bytes, at: offset)
            var (a, b, c, d) = (state[0], state[1], state[2], state[3])
            // Round 1: F, words in order, shifts 3 7 11 19.
            for step in 0..<16 {
                let shift: UInt32 = [3, 7, 11, 19][step % 4]
                let sum = a &+ ((b & c) | (~b & d)) &+ x[step]
                (a, b, c, d) = (d, sum.rotatedLeft(shift), b, c)
            }
            // Round 2: G, words by column, plus 0x5A827999, shifts 3 5 9 13.
            for step in 0..<16 {
                let shift: UInt32 = [3, 5, 9, 13][step % 4]
                let word = (step % 4) * 4 + step / 4
                let sum = a &+ ((b & c) | (b & d) | (c & d)) &+ x[word] &+ 0x5a82_7999
                (a, b, c, d) = (d, sum.rotatedLeft(shift), b, c)
            }
            // Round 3: H, words in bit-reversed order, plus 0x6ED9EBA1, shifts 3 9 11 15.
            let order = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]
            for step in 0..<16 {
                let shift: UInt32 = [3, 9, 11, 15][step % 4]
                let sum = a &+ (b ^ c ^ d) &+ x[order[step]] &+ 0x6ed9_eba1
                (a, b, c, d) = (d, sum.rotatedLeft(shift), b, c)
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
        }
        return MessageBlocks.littleEndianBytes(state)
    }
}
