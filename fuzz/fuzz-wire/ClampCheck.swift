import FuzzSupport
import PPPoEWire

/// MSS clamping, checked against a TCP checksum computed from scratch: wherever this harness
/// finds a TCP segment it first makes the checksum valid; after a clamp it must still verify,
/// only the MSS value and the checksum may have changed, the value must be the limit and lower
/// than before, and clamping again changes nothing. A frame left alone is left byte for byte.
func checkClamp(_ bytes: [UInt8]) {
    let ipv4Limit: UInt16 = 1452, ipv6Limit: UInt16 = 1432
    let view = try? bytes.withUnsafeBytes { raw throws(WireError) in try SessionFrame.read(raw) }
    let length = view?.frameLength ?? bytes.count
    var before = bytes
    let segment = TCPSegment(frame: before, length: length)
    segment?.setChecksum(&before)

    let (outcome, after) = withExactBuffer(before) { buffer in
        MSSClamp.clamp(frame: buffer.baseAddress!, length: length, ipv4: ipv4Limit, ipv6: ipv6Limit)
    }
    guard case let .clamped(from, to) = outcome else {
        return expect(after == before, "a frame left alone (\(outcome)) was changed")
    }
    guard let segment else { return expect(false, "clamped a frame with no TCP segment this harness can find") }
    let isIPv6 = before[20] == 0x57 || (before[20] == 0 && before[21] == 0x57)
    expect(to == (isIPv6 ? ipv6Limit : ipv4Limit) && from > to, "clamped from \(from) to \(to)")
    expect(before[segment.flags] & 0x02 != 0, "clamped a segment that is not a SYN")
    expect(segment.checksumIsValid(after), "the TCP checksum no longer verifies after clamping \(from) to \(to)")

    let changed = before.indices.filter { before[$0] != after[$0] }
    let optionsEnd = segment.optionsEnd(in: before)
    let rewrote = (segment.start + 22...max(segment.start + 22, optionsEnd - 2)).contains { value in
        value + 2 <= optionsEnd && before[value - 2] == 2 && before[value - 1] == 4
            && UInt16(before[value]) << 8 | UInt16(before[value + 1]) == from
            && UInt16(after[value]) << 8 | UInt16(after[value + 1]) == to
            && changed.allSatisfy { [value, value + 1, segment.checksumOffset, segment.checksumOffset + 1].contains($0) }
    }
    expect(rewrote, "changed bytes \(changed) are not one MSS option's value and the checksum")

    let (again, _) = withExactBuffer(after) { buffer in
        MSSClamp.clamp(frame: buffer.baseAddress!, length: length, ipv4: ipv4Limit, ipv6: ipv6Limit)
    }
    expect(again == .withinLimit, "clamping a clamped frame again gave \(again)")
}
