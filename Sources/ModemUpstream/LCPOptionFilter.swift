import PPPControl

/// The LCP options RFC 2516 §7 forbids on a PPPoE session, handled by the relay where its
/// serial side meets its PPPoE side, so neither peer has to know about the other's framing:
/// a Configure-Request asking for one is answered here with Configure-Reject (its sender
/// asks again without it, and the other peer never sees it), and a Configure-Nak or -Reject
/// never carries one across. Everything else passes untouched.
///
/// Works on the frame in place and writes replies into a buffer the caller owns: the session
/// path allocates nothing, which is why it walks the raw bytes rather than decoding through
/// PPPControl's `ControlPacket` (arrays); the numbers are PPPControl's.
public enum LCPOptionFilter {
    public enum Verdict: Equatable {
        /// Pass the frame on (perhaps shortened: see the new length).
        case forward
        /// Do not pass it on; send the reply (now in `reply`, this many bytes) back to its sender.
        case reply(length: Int)
        /// Do not pass it on.
        case drop
        case terminateRequest(identifier: UInt8)
        case terminateAck
    }

    private static let lcpHigh = UInt8(truncatingIfNeeded: PPPProtocol.lcp.rawValue >> 8)
    private static let lcpLow = UInt8(truncatingIfNeeded: PPPProtocol.lcp.rawValue)

    /// RFC 2516 §7's list (PPPControl's `LCPOption.forbiddenOverPPPoE`), compared without hashing.
    @inline(__always)
    static func isForbidden(_ type: UInt8) -> Bool {
        type == LCPOption.asyncControlCharacterMap || type == LCPOption.addressControlFieldCompression
            || type == LCPOption.fcsAlternatives
    }

    /// Looks at one PPP frame (protocol field first) of `length` bytes in `frame`.
    public static func filter(_ frame: UnsafeMutableRawBufferPointer, length: inout Int,
                              reply: UnsafeMutableRawBufferPointer) -> Verdict {
        guard length >= 6, frame[0] == lcpHigh, frame[1] == lcpLow else { return .forward }
        let code = frame[2], identifier = frame[3]
        let declared = Int(frame[4]) << 8 | Int(frame[5])
        guard declared >= 4, declared <= length - 2 else { return .forward }
        switch code {
        case ControlCode.configureRequest:
            guard optionsWellFormed(frame, declared) else { return .forward }
            var out = 6
            forEachOption(frame, declared) { start, optionLength in
                guard isForbidden(frame[start]), out + optionLength <= reply.count else { return }
                for k in 0..<optionLength { reply[out + k] = frame[start + k] }
                out += optionLength
            }
            guard out > 6 else { return .forward }
            reply[0] = lcpHigh
            reply[1] = lcpLow
            reply[2] = ControlCode.configureReject
            reply[3] = identifier
            reply[4] = UInt8(truncatingIfNeeded: (out - 2) >> 8)
            reply[5] = UInt8(truncatingIfNeeded: out - 2)
            return .reply(length: out)
        case ControlCode.configureNak, ControlCode.configureReject:
            guard optionsWellFormed(frame, declared) else { return .forward }
            var read = 6, write = 6
            let end = declared + 2
            var removed = false
            while read < end {
                let optionLength = Int(frame[read + 1])
                if isForbidden(frame[read]) {
                    removed = true
                } else {
                    if write != read {
                        for k in 0..<optionLength { frame[write + k] = frame[read + k] }
                    }
                    write += optionLength
                }
                read += optionLength
            }
            guard removed else { return .forward }
            // Nothing left to say: the other peer would not know what to make of it.
            if write == 6 { return .drop }
            // Any bytes after the LCP packet (padding) go with it.
            let newDeclared = write - 2
            frame[4] = UInt8(truncatingIfNeeded: newDeclared >> 8)
            frame[5] = UInt8(truncatingIfNeeded: newDeclared)
            length = write
            return .forward
        case ControlCode.terminateRequest:
            return .terminateRequest(identifier: identifier)
        case ControlCode.terminateAck:
            return .terminateAck
        default:
            return .forward
        }
    }

    /// Writes an LCP packet (protocol field first) with no data: a Terminate-Request or -Ack.
    public static func write(_ code: UInt8, identifier: UInt8, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        buffer[0] = lcpHigh
        buffer[1] = lcpLow
        buffer[2] = code
        buffer[3] = identifier
        buffer[4] = 0
        buffer[5] = 4
        return 6
    }

    /// Every option has a length of at least 2 that stays inside the packet.
    private static func optionsWellFormed(_ frame: UnsafeMutableRawBufferPointer, _ declared: Int) -> Bool {
        var at = 6
        let end = declared + 2
        while at < end {
            guard at + 2 <= end else { return false }
            let optionLength = Int(frame[at + 1])
            guard optionLength >= 2, at + optionLength <= end else { return false }
            at += optionLength
        }
        return true
    }

    @inline(__always)
    private static func forEachOption(_ frame: UnsafeMutableRawBufferPointer, _ declared: Int,
                                      _ body: (_ start: Int, _ length: Int) -> Void) {
        var at = 6
        while at < declared + 2 {
            let optionLength = Int(frame[at + 1])
            body(at, optionLength)
            at += optionLength
        }
    }
}
