import PPPoEWire
import TestSupport
import XCTest

/// MSS clamping against a checksum computed from scratch here, not incrementally.
final class MSSClampTests: XCTestCase {
    static let ethernetAndPPPoE: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0x64, 0x11, 0x00, 0x00, 0x07]

    /// A session frame carrying an IPv4 TCP segment with `options`, checksum computed in full.
    static func ipv4Frame(flags: UInt8 = 0x02, options: [UInt8], fragment: UInt16 = 0, compressed: Bool = false) -> [UInt8] {
        var tcp = tcpHeader(flags: flags, options: options)
        let source: [UInt8] = [10, 0, 0, 1], destination: [UInt8] = [10, 0, 0, 2]
        let pseudo = source + destination + [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xFF)]
        setChecksum(&tcp, pseudo: pseudo)
        let total = 20 + tcp.count
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, UInt8(fragment >> 8),
                           UInt8(fragment & 0xFF), 64, 6, 0, 0] + source + destination
        let ipSum = onesComplementSum(ip)
        ip[10] = UInt8(ipSum >> 8); ip[11] = UInt8(ipSum & 0xFF)
        return frame(protocol: 0x0021, ip + tcp, compressed: compressed)
    }

    /// An IPv6 SYN, behind `extensions` (next-header number and bytes of each, in order).
    static func ipv6Frame(options: [UInt8], extensions: [(next: UInt8, bytes: [UInt8])] = [],
                          compressed: Bool = false) -> [UInt8] {
        var tcp = tcpHeader(flags: 0x02, options: options)
        let source = [UInt8](repeating: 0, count: 15) + [1], destination = [UInt8](repeating: 0, count: 15) + [2]
        let pseudo = source + destination + [0, 0, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xFF), 0, 0, 0, 6]
        setChecksum(&tcp, pseudo: pseudo)
        // Each header's first byte names the one after it; the last names TCP.
        var chain: [UInt8] = []
        for (index, header) in extensions.enumerated() {
            var bytes = header.bytes
            bytes[0] = index + 1 < extensions.count ? extensions[index + 1].next : 6
            chain += bytes
        }
        let payload = chain + tcp
        let ip: [UInt8] = [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF),
                           extensions.first?.next ?? 6, 64] + source + destination
        return frame(protocol: 0x0057, ip + payload, compressed: compressed)
    }

    /// Hop-by-hop or destination options: 8 bytes of PadN.
    static let options8: [UInt8] = [0, 0, 1, 4, 0, 0, 0, 0]
    /// A routing header with no segments left (type 4, segment routing, one address).
    static let routing: [UInt8] = [0, 2, 4, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 15) + [2]
    static func fragment(offset: UInt16 = 0, more: Bool = false) -> [UInt8] {
        let field = offset << 3 | (more ? 1 : 0)
        return [0, 0, UInt8(field >> 8), UInt8(field & 0xFF), 0, 0, 0x12, 0x34]
    }

    static func tcpHeader(flags: UInt8, options: [UInt8]) -> [UInt8] {
        let padded = options + [UInt8](repeating: 0, count: (4 - options.count % 4) % 4)
        let dataOffset = UInt8((20 + padded.count) / 4)
        return [0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, dataOffset << 4, flags, 0xFF, 0xFF, 0, 0, 0, 0] + padded
    }

    /// `compressed`: the one-byte protocol field of PPP Protocol-Field-Compression.
    static func frame(protocol value: UInt16, _ packet: [UInt8], compressed: Bool = false) -> [UInt8] {
        let field = compressed ? [UInt8(value & 0xFF)] : [UInt8(value >> 8), UInt8(value & 0xFF)]
        let payload = field + packet
        return ethernetAndPPPoE + [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    static func onesComplementSum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i < bytes.count {
            sum += UInt32(bytes[i]) << 8 | (i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0)
            i += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func setChecksum(_ tcp: inout [UInt8], pseudo: [UInt8]) {
        tcp[16] = 0; tcp[17] = 0
        let sum = onesComplementSum(pseudo + tcp)
        tcp[16] = UInt8(sum >> 8); tcp[17] = UInt8(sum & 0xFF)
    }

    /// Where the TCP header starts: after a one- or two-byte PPP protocol field, the IP header
    /// and, in IPv6, every extension header (walked here independently of the code under test).
    static func tcpOffset(_ frame: [UInt8]) -> (ip: Int, tcp: Int) {
        let ip = frame[20] & 1 == 1 ? 21 : 22
        if frame[ip] >> 4 == 4 { return (ip, ip + Int(frame[ip] & 0x0F) * 4) }
        var next = frame[ip + 6], offset = ip + 40
        while next != 6 {
            let size = next == 44 ? 8 : (Int(frame[offset + 1]) + 1) * 8
            next = frame[offset]
            offset += size
        }
        return (ip, offset)
    }

    /// True when the TCP checksum in the frame matches one computed from scratch.
    static func checksumIsValid(_ frame: [UInt8]) -> Bool {
        let (ipStart, tcpStart) = tcpOffset(frame)
        let ip = Array(frame[ipStart...])
        var tcp = Array(frame[tcpStart...])
        let pseudo = ip[0] >> 4 == 4
            ? Array(ip[12..<20]) + [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xFF)]
            : Array(ip[8..<40]) + [0, 0, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xFF), 0, 0, 0, 6]
        let stored = UInt16(tcp[16]) << 8 | UInt16(tcp[17])
        setChecksum(&tcp, pseudo: pseudo)
        return stored == UInt16(tcp[16]) << 8 | UInt16(tcp[17])
    }

    func clamp(_ frame: inout [UInt8]) -> MSSClamp.Outcome {
        let length = frame.count
        return frame.withUnsafeMutableBytes { MSSClamp.clamp(frame: $0.baseAddress!, length: length, ipv4: 1452, ipv6: 1432) }
    }

    func mss(_ frame: [UInt8], at optionOffset: Int) -> UInt16 {
        let base = Self.tcpOffset(frame).tcp
        return UInt16(frame[base + 20 + optionOffset + 2]) << 8 | UInt16(frame[base + 20 + optionOffset + 3])
    }

    let mss1460: [UInt8] = [2, 4, 0x05, 0xB4]

    func testIPv4MSSAsFirstOptionIsClamped() {
        var frame = Self.ipv4Frame(options: mss1460 + [1, 3, 3, 7])
        XCTAssertEqual(clamp(&frame), .clamped(from: 1460, to: 1452))
        XCTAssertEqual(mss(frame, at: 0), 1452)
        XCTAssertTrue(Self.checksumIsValid(frame))
    }

    func testIPv4MSSAfterNopNopSackPermittedIsClamped() {
        var frame = Self.ipv4Frame(options: [1, 1, 4, 2] + mss1460)
        XCTAssertEqual(clamp(&frame), .clamped(from: 1460, to: 1452))
        XCTAssertEqual(mss(frame, at: 4), 1452)
        XCTAssertTrue(Self.checksumIsValid(frame))
    }

    func testMSSAtAnOddOffsetSpanningTwoWordsIsClampedWithAValidChecksum() {
        // Timestamps (10 bytes) then one NOP put the MSS value at an odd offset from the TCP header.
        for value: UInt16 in [1460, 0xFFFF, 1453, 9000] {
            var frame = Self.ipv4Frame(options: [8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 4, UInt8(value >> 8), UInt8(value & 0xFF)])
            XCTAssertEqual(clamp(&frame), .clamped(from: value, to: 1452))
            XCTAssertTrue(Self.checksumIsValid(frame), "MSS \(value)")
        }
    }

    func testSmallerMSSAndSegmentsWithoutOneAreLeftAlone() {
        let small = Self.ipv4Frame(options: [2, 4, 0x05, 0x78]) // 1400
        var copy = small
        XCTAssertEqual(clamp(&copy), .withinLimit)
        XCTAssertEqual(copy, small)
        let none = Self.ipv4Frame(options: [1, 1, 4, 2])
        copy = none
        XCTAssertEqual(clamp(&copy), .withinLimit)
        XCTAssertEqual(copy, none)
    }

    func testIPv6SYNIsClampedToItsOwnLimit() {
        var frame = Self.ipv6Frame(options: [2, 4, 0x05, 0xA0]) // 1440
        XCTAssertEqual(clamp(&frame), .clamped(from: 1440, to: 1432))
        XCTAssertTrue(Self.checksumIsValid(frame))
    }

    func testSYNACKIsClampedButNonSYNIsNot() {
        var synAck = Self.ipv4Frame(flags: 0x12, options: mss1460)
        XCTAssertEqual(clamp(&synAck), .clamped(from: 1460, to: 1452))
        let ack = Self.ipv4Frame(flags: 0x10, options: mss1460)
        var copy = ack
        XCTAssertEqual(clamp(&copy), .untouched)
        XCTAssertEqual(copy, ack)
    }

    func testFragmentsAndMalformedOptionsAreLeftAlone() {
        for original in [
            Self.ipv4Frame(options: mss1460, fragment: 0x2000),           // more fragments
            Self.ipv4Frame(options: mss1460, fragment: 0x0010),           // non-zero offset
            Self.ipv4Frame(options: [3, 0] + mss1460),                    // option length 0
            Self.ipv4Frame(options: [3, 40] + mss1460),                   // option past the header
            Self.ipv4Frame(options: [2, 3, 0x05, 0xB4]),                  // MSS of the wrong length
        ] {
            var copy = original
            _ = clamp(&copy)
            XCTAssertEqual(copy, original)
        }
    }

    // MARK: PPP Protocol-Field-Compression

    func testSYNsWithACompressedProtocolFieldAreClamped() {
        var ipv4 = Self.ipv4Frame(options: [1, 1, 4, 2] + mss1460, compressed: true)
        XCTAssertEqual(ipv4[20], 0x21, "one-byte protocol field")
        XCTAssertEqual(clamp(&ipv4), .clamped(from: 1460, to: 1452))
        XCTAssertEqual(mss(ipv4, at: 4), 1452)
        XCTAssertTrue(Self.checksumIsValid(ipv4))
        var ipv6 = Self.ipv6Frame(options: [2, 4, 0x05, 0xA0], compressed: true)
        XCTAssertEqual(clamp(&ipv6), .clamped(from: 1440, to: 1432))
        XCTAssertEqual(mss(ipv6, at: 0), 1432)
        XCTAssertTrue(Self.checksumIsValid(ipv6))
    }

    func testOtherCompressedProtocolsAndTruncatedFieldsAreLeftAlone() {
        // 0x23 is no IP; a frame that ends inside the protocol field has nothing to clamp.
        var other = Self.ipv4Frame(options: mss1460, compressed: true)
        other[20] = 0x23
        let copy = other
        XCTAssertEqual(clamp(&other), .untouched)
        XCTAssertEqual(other, copy)
        var short = Array(Self.ipv4Frame(options: mss1460).prefix(21))
        XCTAssertEqual(clamp(&short), .untouched)
    }

    // MARK: IPv6 extension headers

    func testIPv6SYNsBehindExtensionHeadersAreClamped() {
        let chains: [[(next: UInt8, bytes: [UInt8])]] = [
            [(0, Self.options8)],
            [(43, Self.routing)],
            [(60, Self.options8)],
            [(44, Self.fragment())],
            [(0, Self.options8), (60, Self.options8), (43, Self.routing), (44, Self.fragment()), (60, Self.options8)],
        ]
        for chain in chains {
            for compressed in [false, true] {
                var frame = Self.ipv6Frame(options: [1, 1, 4, 2, 2, 4, 0x05, 0xA0], extensions: chain, compressed: compressed)
                XCTAssertEqual(clamp(&frame), .clamped(from: 1440, to: 1432), "\(chain.map(\.next)) compressed \(compressed)")
                XCTAssertEqual(mss(frame, at: 4), 1432)
                XCTAssertTrue(Self.checksumIsValid(frame), "\(chain.map(\.next))")
            }
        }
    }

    func testIPv6ChainsThisCannotFollowAreLeftAlone() {
        let authentication: [UInt8] = [0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1] + [UInt8](repeating: 0xAB, count: 12)
        let tooLong = Self.ipv6Frame(options: mss1460, extensions: Array(repeating: (60, Self.options8), count: 9))
        XCTAssertEqual(tooLong.count, 22 + 40 + 72 + 24)
        var pastTheEnd = Self.ipv6Frame(options: mss1460, extensions: [(60, Self.options8)])
        pastTheEnd[22 + 40 + 1] = 200   // a destination-options header longer than the packet
        var ethernetPaddingIsNoPayload = Self.ipv6Frame(options: mss1460, extensions: [(60, Self.options8)])
        ethernetPaddingIsNoPayload[22 + 5] = 8   // payload length: the options header alone
        for original in [
            Self.ipv6Frame(options: mss1460, extensions: [(44, Self.fragment(offset: 0, more: true))]),  // first of several
            Self.ipv6Frame(options: mss1460, extensions: [(44, Self.fragment(offset: 185))]),           // a later fragment
            Self.ipv6Frame(options: mss1460, extensions: [(51, authentication)]),                        // AH
            Self.ipv6Frame(options: mss1460, extensions: [(50, Self.options8)]),                         // ESP
            Self.ipv6Frame(options: mss1460, extensions: [(60, Self.options8), (0, Self.options8)]),     // hop-by-hop not first
            tooLong, pastTheEnd, ethernetPaddingIsNoPayload,
        ] {
            var copy = original
            XCTAssertEqual(clamp(&copy), .untouched)
            XCTAssertEqual(copy, original)
        }
        // Eight headers are still followed.
        var eight = Self.ipv6Frame(options: mss1460, extensions: Array(repeating: (60, Self.options8), count: 8))
        XCTAssertEqual(clamp(&eight), .clamped(from: 1460, to: 1432))
        XCTAssertTrue(Self.checksumIsValid(eight))
    }

    /// Where the TCP header of a mutated frame starts, or nil where the mutation broke the
    /// headers this walk needs (the walk of `tcpOffset`, with every read checked).
    static func mutatedTCPOffset(_ frame: [UInt8]) -> Int? {
        guard frame.count > 22 else { return nil }
        let ip = frame[20] & 1 == 1 ? 21 : 22
        if frame[ip] >> 4 == 4 { return ip + Int(frame[ip] & 0x0F) * 4 }
        guard frame[ip] >> 4 == 6, frame.count >= ip + 40 else { return nil }
        var next = frame[ip + 6], offset = ip + 40
        while next != 6 {
            guard [0, 43, 44, 60].contains(next), offset + 8 <= frame.count else { return nil }
            let size = next == 44 ? 8 : (Int(frame[offset + 1]) + 1) * 8
            next = frame[offset]
            offset += size
        }
        return offset
    }

    /// The one's-complement sum over pseudo-header and segment with the stored checksum in it,
    /// computed from scratch: zero for a segment whose checksum is right. Mutations elsewhere
    /// in the segment change it; a correct clamp (new MSS, checksum adjusted) leaves it as it
    /// was. The pseudo-header is taken from `headers`, the frame before clamping.
    static func residue(of frame: [UInt8], headers: [UInt8], tcpStart: Int) -> UInt16? {
        let ipStart = headers[20] & 1 == 1 ? 21 : 22
        guard tcpStart + 20 <= frame.count, tcpStart > ipStart else { return nil }
        let tcpLength = frame.count - tcpStart
        let version = headers[ipStart] >> 4
        guard (version == 4 && ipStart + 20 <= tcpStart) || (version == 6 && ipStart + 40 <= tcpStart) else {
            return nil
        }
        let pseudo = version == 4
            ? Array(headers[(ipStart + 12)..<(ipStart + 20)]) + [0, 6, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF)]
            : Array(headers[(ipStart + 8)..<(ipStart + 40)])
                + [0, 0, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF), 0, 0, 0, 6]
        // onesComplementSum returns the complement; either zero of one's complement counts.
        let sum = ~onesComplementSum(pseudo + Array(frame[tcpStart...]))
        return sum == 0xFFFF ? 0 : sum
    }

    func testMutatedSegmentsNeverTrapAndNeverBreakTheChecksum() {
        var random = SplitMix64(seed: 0x5EED_0004)
        let seeds = [Self.ipv4Frame(options: [1, 1, 4, 2] + mss1460), Self.ipv6Frame(options: mss1460),
                     Self.ipv4Frame(options: mss1460, compressed: true),
                     Self.ipv6Frame(options: mss1460, extensions: [(0, Self.options8), (43, Self.routing),
                                                                   (44, Self.fragment()), (60, Self.options8)],
                                    compressed: true)]
        var clamped = 0, checked = 0, validBefore = 0
        for _ in 0..<20_000 {
            var frame = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + random.next() % 3) {
                if random.next() % 3 == 0 {
                    frame = Array(frame.prefix(Int(random.next() % UInt64(frame.count + 1))))
                } else if !frame.isEmpty {
                    frame[Int(random.next() % UInt64(frame.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            let before = frame
            let outcome = frame.isEmpty ? .untouched : clamp(&frame)
            guard case .clamped = outcome else {
                XCTAssertEqual(frame, before)
                continue
            }
            clamped += 1
            // Only the MSS and checksum bytes may change.
            XCTAssertLessThanOrEqual(zip(before, frame).filter { $0 != $1 }.count, 4)
            // The checksum, checked from scratch: what was right stays right, and what a
            // mutation had made wrong stays wrong by exactly as much.
            guard let tcpStart = Self.mutatedTCPOffset(before),
                  let residueBefore = Self.residue(of: before, headers: before, tcpStart: tcpStart),
                  let residueAfter = Self.residue(of: frame, headers: before, tcpStart: tcpStart) else { continue }
            checked += 1
            if residueBefore == 0 { validBefore += 1 }
            XCTAssertEqual(residueAfter, residueBefore, "checksum residue changed by the clamp: \(before)")
        }
        XCTAssertGreaterThan(clamped, 1000)
        // Most clamped segments are checked; among them both intact and mutated checksums.
        XCTAssertGreaterThan(checked, clamped * 9 / 10)
        XCTAssertGreaterThan(validBefore, 100)
        XCTAssertGreaterThan(checked - validBefore, 100)
    }
}
