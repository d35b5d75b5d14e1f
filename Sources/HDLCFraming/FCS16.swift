/// The 16-bit frame check sequence of RFC 1662 (appendix C.2): CRC-CCITT, reflected
/// (polynomial 0x8408), started at 0xFFFF and sent complemented, low byte first. A frame
/// whose FCS is run over its own FCS bytes leaves `good` (0xF0B8).
public enum FCS16 {
    public static let initial: UInt16 = 0xFFFF
    public static let good: UInt16 = 0xF0B8

    /// One entry per byte value, built once: the per-byte step is one lookup and two shifts.
    public static let table: [UInt16] = (0..<256).map { byte in
        var value = UInt16(byte)
        for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x8408 : value >> 1 }
        return value
    }

    @inline(__always)
    public static func update(_ fcs: UInt16, _ byte: UInt8, _ table: UnsafePointer<UInt16>) -> UInt16 {
        (fcs >> 8) ^ table[Int(UInt8(truncatingIfNeeded: fcs) ^ byte)]
    }

    /// The running FCS over `bytes`, from `fcs`.
    public static func compute(_ bytes: UnsafeRawBufferPointer, from fcs: UInt16 = initial) -> UInt16 {
        table.withUnsafeBufferPointer { table in
            var fcs = fcs
            for byte in bytes { fcs = update(fcs, byte, table.baseAddress!) }
            return fcs
        }
    }

    public static func compute(_ bytes: [UInt8], from fcs: UInt16 = initial) -> UInt16 {
        bytes.withUnsafeBytes { compute($0, from: fcs) }
    }
}
