/// Writes one PPP frame in RFC 1662's asynchronous framing: flag, address and control (unless
/// compressed), the frame, its FCS, flag; every byte the ACCM names, and every flag or escape
/// inside, escaped. Into a buffer the caller owns, so the session path allocates nothing.
public enum HDLCEncoder {
    /// The most bytes `encode` writes for `length` bytes of PPP frame: every byte escaped,
    /// plus address, control, FCS and both flags.
    public static func worstCase(_ length: Int) -> Int { 2 * (length + 4) + 2 }

    /// Encodes `frame` (the PPP protocol field and information) into `output`; returns how many
    /// bytes it wrote, or nil when `output` is too small (nothing useful is then in it).
    /// `addressAndControl`: send FF 03 in front (false only after ACFC was agreed).
    public static func encode(_ frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                              accm: ACCM = .all, addressAndControl: Bool = true) -> Int? {
        guard output.count >= worstCase(frame.count) || output.count >= exactLength(frame, accm, addressAndControl)
        else { return nil }
        return FCS16.table.withUnsafeBufferPointer { table -> Int in
            let table = table.baseAddress!
            var at = 0
            var fcs = FCS16.initial
            output[at] = HDLC.flag
            at += 1
            if addressAndControl {
                fcs = FCS16.update(fcs, HDLC.address, table)
                put(HDLC.address, output, &at, accm)
                fcs = FCS16.update(fcs, HDLC.control, table)
                put(HDLC.control, output, &at, accm)
            }
            for byte in frame {
                fcs = FCS16.update(fcs, byte, table)
                put(byte, output, &at, accm)
            }
            let sent = ~fcs
            put(UInt8(truncatingIfNeeded: sent), output, &at, accm)
            put(UInt8(truncatingIfNeeded: sent >> 8), output, &at, accm)
            output[at] = HDLC.flag
            return at + 1
        }
    }

    /// One byte, escaped when the map says so. (A function of its own, not a closure over `at`:
    /// a captured variable could cost a heap box per frame.)
    @inline(__always)
    private static func put(_ byte: UInt8, _ output: UnsafeMutableRawBufferPointer, _ at: inout Int, _ accm: ACCM) {
        if accm.escapes(byte) {
            output[at] = HDLC.escape
            output[at + 1] = byte ^ HDLC.flip
            at += 2
        } else {
            output[at] = byte
            at += 1
        }
    }

    /// The encoded length, for a buffer smaller than the worst case.
    static func exactLength(_ frame: UnsafeRawBufferPointer, _ accm: ACCM, _ addressAndControl: Bool) -> Int {
        var length = 2
        var fcs = FCS16.initial
        func count(_ byte: UInt8) { length += accm.escapes(byte) ? 2 : 1 }
        if addressAndControl {
            count(HDLC.address)
            count(HDLC.control)
            withUnsafeBytes(of: (HDLC.address, HDLC.control)) { fcs = FCS16.compute($0) }
        }
        for byte in frame { count(byte) }
        fcs = ~FCS16.compute(frame, from: fcs)
        count(UInt8(truncatingIfNeeded: fcs))
        count(UInt8(truncatingIfNeeded: fcs >> 8))
        return length
    }
}
