/// TCP MSS clamping for segments carried in PPPoE session frames, in place.
///
/// PPPoE's 8 bytes leave 1492 for IP; where ICMP is filtered, path-MTU discovery fails and TCP
/// stalls unless SYNs announce a small enough MSS. This lowers (never raises) the MSS option of
/// SYN and SYN-ACK segments, IPv4 and IPv6, wherever the option sits among the others, and
/// updates the TCP checksum incrementally (RFC 1624). The PPP protocol field may be compressed
/// to one byte (RFC 1661 PFC, which RFC 2516 permits once LCP negotiated it), and IPv6 TCP may sit
/// behind extension headers: a peer choosing either must not escape clamping. Anything it does
/// not fully understand (fragments, IPv4 or TCP headers that do not add up, extension header
/// chains that are too long, run past the packet or carry AH/ESP, malformed options) it leaves
/// byte for byte as it was. No allocation: it runs in the forwarding loop.
public enum MSSClamp {
    public enum Outcome: Equatable, Sendable {
        /// Not a TCP SYN in IPv4/IPv6 over PPP, or one this leaves alone.
        case untouched
        /// A SYN whose MSS was already at or below the limit, or that carries no MSS option.
        case withinLimit
        case clamped(from: UInt16, to: UInt16)
    }

    public static let pppIPv4: UInt16 = 0x0021
    public static let pppIPv6: UInt16 = 0x0057

    /// IPv6 extension headers walked before giving up: real SYNs carry one or two; the bound
    /// keeps a hostile chain from costing more than a few reads.
    static let maxExtensionHeaders = 8

    /// Clamps the SYN, if any, in a session frame whose PPP protocol field starts at byte 20.
    /// `length` is the frame's length without Ethernet padding.
    @inline(__always)
    public static func clamp(frame: UnsafeMutableRawPointer, length: Int, ipv4 limitIPv4: UInt16,
                             ipv6 limitIPv6: UInt16) -> Outcome {
        let ppp = PPPoEHeader.frameHeaderLength
        guard length >= ppp + 1 else { return .untouched }
        let bytes = frame.assumingMemoryBound(to: UInt8.self)
        // A protocol number's first byte is even and its last odd (RFC 1661 §2): an odd first
        // byte is a compressed, one-byte field.
        let protocolField: UInt16, ip: Int
        if bytes[ppp] & 1 == 1 {
            protocolField = UInt16(bytes[ppp])
            ip = ppp + 1
        } else {
            guard length >= ppp + 2 else { return .untouched }
            protocolField = UInt16(bytes[ppp]) << 8 | UInt16(bytes[ppp + 1])
            ip = ppp + 2
        }
        let tcp: Int, tcpEnd: Int, limit: UInt16
        switch protocolField {
        case pppIPv4:
            guard length >= ip + 20, bytes[ip] >> 4 == 4 else { return .untouched }
            let headerLength = Int(bytes[ip] & 0x0F) * 4
            let totalLength = Int(bytes[ip + 2]) << 8 | Int(bytes[ip + 3])
            let fragment = (UInt16(bytes[ip + 6]) << 8 | UInt16(bytes[ip + 7])) & 0x3FFF // MF and offset
            guard headerLength >= 20, totalLength >= headerLength, ip + totalLength <= length,
                  bytes[ip + 9] == 6, fragment == 0 else { return .untouched }
            tcp = ip + headerLength
            tcpEnd = ip + totalLength
            limit = limitIPv4
        case pppIPv6:
            guard length >= ip + 40, bytes[ip] >> 4 == 6 else { return .untouched }
            let payloadLength = Int(bytes[ip + 4]) << 8 | Int(bytes[ip + 5])
            tcpEnd = ip + 40 + payloadLength
            guard tcpEnd <= length, let start = tcpAfterExtensionHeaders(bytes, next: bytes[ip + 6], at: ip + 40,
                                                                         end: tcpEnd) else { return .untouched }
            tcp = start
            limit = limitIPv6
        default:
            return .untouched
        }
        guard tcpEnd - tcp >= 20, bytes[tcp + 13] & 0x02 != 0 else { return .untouched }
        let dataOffset = Int(bytes[tcp + 12] >> 4) * 4
        guard dataOffset >= 20, tcp + dataOffset <= tcpEnd else { return .untouched }

        var option = tcp + 20
        let optionsEnd = tcp + dataOffset
        while option < optionsEnd {
            let kind = bytes[option]
            if kind == 0 { break }                  // End of option list.
            if kind == 1 { option += 1; continue }  // No-operation.
            guard option + 1 < optionsEnd else { return .untouched }
            let optionLength = Int(bytes[option + 1])
            guard optionLength >= 2, option + optionLength <= optionsEnd else { return .untouched }
            if kind == 2 {
                guard optionLength == 4 else { return .untouched }
                let mss = UInt16(bytes[option + 2]) << 8 | UInt16(bytes[option + 3])
                guard mss > limit else { return .withinLimit }
                rewrite(bytes, tcp: tcp, at: option + 2, to: limit)
                return .clamped(from: mss, to: limit)
            }
            option += optionLength
        }
        return .withinLimit
    }

    /// Where TCP starts after the IPv6 extension headers from `offset` (`next` names the first),
    /// or nil where this leaves the packet alone: not TCP, a chain longer than
    /// `maxExtensionHeaders` or running past `end`, hop-by-hop anywhere but first, a fragment
    /// other than an atomic one (offset 0, no more fragments: RFC 6946), or AH, ESP and anything
    /// unknown (AH authenticates the segment, so rewriting it would break the packet).
    @inline(__always)
    static func tcpAfterExtensionHeaders(_ bytes: UnsafeMutablePointer<UInt8>, next first: UInt8, at offset: Int,
                                         end: Int) -> Int? {
        var next = first, offset = offset, walked = 0
        while next != 6 {
            guard walked < maxExtensionHeaders, offset + 8 <= end else { return nil }
            switch next {
            case 0 where walked == 0, 43, 60:   // hop-by-hop, routing, destination options
                let size = (Int(bytes[offset + 1]) + 1) * 8
                next = bytes[offset]
                offset += size
            case 44:                             // fragment
                let field = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
                guard field & 0xFFF9 == 0 else { return nil }
                next = bytes[offset]
                offset += 8
            default:
                return nil
            }
            walked += 1
        }
        return offset <= end ? offset : nil
    }

    /// Writes the new MSS and patches the checksum for every 16-bit word (counted from the TCP
    /// header, as the checksum counts them) that the two bytes touch: one word, or two when the
    /// option sits at an odd offset.
    @inline(__always)
    private static func rewrite(_ bytes: UnsafeMutablePointer<UInt8>, tcp: Int, at offset: Int, to value: UInt16) {
        let firstWord = tcp + ((offset - tcp) & ~1)
        let lastWord = tcp + ((offset + 1 - tcp) & ~1)
        var checksum = UInt16(bytes[tcp + 16]) << 8 | UInt16(bytes[tcp + 17])
        var word = firstWord
        while word <= lastWord {
            let old = UInt16(bytes[word]) << 8 | UInt16(bytes[word + 1])
            let high = newByte(at: word, offset: offset, value: value) ?? bytes[word]
            let low = newByte(at: word + 1, offset: offset, value: value) ?? bytes[word + 1]
            let new = UInt16(high) << 8 | UInt16(low)
            checksum = adjust(checksum, old: old, new: new)
            word += 2
        }
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
        bytes[tcp + 16] = UInt8(checksum >> 8)
        bytes[tcp + 17] = UInt8(checksum & 0xFF)
    }

    /// The byte the new MSS puts at `position`, or nil where it writes nothing.
    @inline(__always)
    private static func newByte(at position: Int, offset: Int, value: UInt16) -> UInt8? {
        position == offset ? UInt8(value >> 8) : position == offset + 1 ? UInt8(value & 0xFF) : nil
    }

    /// RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'), in ones' complement arithmetic.
    @inline(__always)
    static func adjust(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        var sum = UInt32(~checksum) + UInt32(~old) + UInt32(new)
        sum = (sum & 0xFFFF) + (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16)
        return ~UInt16(truncatingIfNeeded: sum)
    }
}
