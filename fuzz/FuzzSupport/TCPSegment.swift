/// The TCP segment inside a PPPoE session frame, found by reading the headers afresh rather
/// than through MSSClamp, so that the clamp is checked against a second, independent reading.
///
/// Accepts what a relay may meet: a two-byte or a compressed one-byte PPP protocol field
/// (RFC 1661 PFC), IPv4 with header options, IPv6 behind hop-by-hop, routing, destination
/// options and atomic fragment headers (RFC 6946). Fragments and anything that does not add up
/// are not a segment.
public struct TCPSegment {
    /// Offsets in the frame: the TCP header starts at `start`; the segment ends at `end`.
    public let start: Int
    public let end: Int
    /// The pseudo-header the checksum covers. Clamping never changes it, so a checksum made
    /// valid with it must stay valid whichever address a routing header would name instead.
    public let pseudoHeader: [UInt8]

    /// `length` is the frame without Ethernet padding: PPPoE header plus its declared payload.
    public init?(frame: [UInt8], length: Int) {
        let length = min(length, frame.count)
        let ppp = 20
        guard length > ppp else { return nil }
        let pppProtocol: UInt16, ip: Int
        if frame[ppp] & 1 == 1 {
            (pppProtocol, ip) = (UInt16(frame[ppp]), ppp + 1)
        } else {
            guard length >= ppp + 2 else { return nil }
            (pppProtocol, ip) = (UInt16(frame[ppp]) << 8 | UInt16(frame[ppp + 1]), ppp + 2)
        }
        let located: (start: Int, end: Int, pseudo: [UInt8])?
        switch pppProtocol {
        case 0x21: located = Self.ipv4(frame, ip: ip, length: length)
        case 0x57: located = Self.ipv6(frame, ip: ip, length: length)
        default: located = nil
        }
        guard let located, located.end - located.start >= 20 else { return nil }
        let dataOffset = Int(frame[located.start + 12] >> 4) * 4
        guard dataOffset >= 20, located.start + dataOffset <= located.end else { return nil }
        start = located.start
        end = located.end
        pseudoHeader = located.pseudo
    }

    private static func ipv4(_ frame: [UInt8], ip: Int, length: Int) -> (Int, Int, [UInt8])? {
        guard length >= ip + 20, frame[ip] >> 4 == 4 else { return nil }
        let headerLength = Int(frame[ip] & 0x0F) * 4
        let totalLength = Int(frame[ip + 2]) << 8 | Int(frame[ip + 3])
        let fragment = (Int(frame[ip + 6]) << 8 | Int(frame[ip + 7])) & 0x3FFF
        guard headerLength >= 20, totalLength >= headerLength, ip + totalLength <= length,
              frame[ip + 9] == 6, fragment == 0 else { return nil }
        let tcpLength = totalLength - headerLength
        let pseudo = Array(frame[ip + 12..<ip + 20]) + [0, 6, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF)]
        return (ip + headerLength, ip + totalLength, pseudo)
    }

    private static func ipv6(_ frame: [UInt8], ip: Int, length: Int) -> (Int, Int, [UInt8])? {
        guard length >= ip + 40, frame[ip] >> 4 == 6 else { return nil }
        let end = ip + 40 + (Int(frame[ip + 4]) << 8 | Int(frame[ip + 5]))
        guard end <= length else { return nil }
        var next = frame[ip + 6], header = ip + 40
        while next != 6 {
            guard header + 8 <= end else { return nil }
            switch next {
            case 0, 43, 60:
                (next, header) = (frame[header], header + (Int(frame[header + 1]) + 1) * 8)
            case 44 where frame[header + 2] == 0 && frame[header + 3] & 0xF9 == 0:
                (next, header) = (frame[header], header + 8)
            default:
                return nil
            }
        }
        guard next == 6, header <= end else { return nil }
        let tcpLength = end - header
        let pseudo = Array(frame[ip + 8..<ip + 40])
            + [UInt8(truncatingIfNeeded: tcpLength >> 24), UInt8(truncatingIfNeeded: tcpLength >> 16),
               UInt8(truncatingIfNeeded: tcpLength >> 8), UInt8(truncatingIfNeeded: tcpLength), 0, 0, 0, 6]
        return (header, end, pseudo)
    }

    public var checksumOffset: Int { start + 16 }
    public var flags: Int { start + 13 }
    /// Where the options end (the TCP data offset), as the header says.
    public func optionsEnd(in frame: [UInt8]) -> Int { start + Int(frame[start + 12] >> 4) * 4 }

    /// True when the stored checksum verifies: the ones' complement sum of pseudo-header and
    /// segment, checksum included, is all ones.
    public func checksumIsValid(_ frame: [UInt8]) -> Bool { sum(frame) == 0xFFFF }

    /// Stores the checksum computed from scratch over pseudo-header and segment.
    public func setChecksum(_ frame: inout [UInt8]) {
        frame[checksumOffset] = 0
        frame[checksumOffset + 1] = 0
        let checksum = ~sum(frame)
        frame[checksumOffset] = UInt8(checksum >> 8)
        frame[checksumOffset + 1] = UInt8(checksum & 0xFF)
    }

    private func sum(_ frame: [UInt8]) -> UInt16 {
        var total: UInt64 = 0
        for bytes in [pseudoHeader[...], frame[start..<end]] {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let high = UInt64(bytes[i]), low = i + 1 < bytes.endIndex ? UInt64(bytes[i + 1]) : 0
                total += high << 8 | low
                i += 2
            }
        }
        while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
        return UInt16(total)
    }
}
