import FuzzSupport
import PPPoEWire

/// A discovery frame that parses says what its bytes say, serializes to a frame that parses to
/// the same packet (byte for byte the original where no bytes followed End-Of-List), and keeps
/// round-tripping after the edits a relay makes (its tag set, then removed).
func checkDiscovery(_ bytes: [UInt8]) {
    let (parsed, _) = withExactBuffer(bytes) { buffer in
        Result { () throws(WireError) in try DiscoveryPacket(parsing: UnsafeRawBufferPointer(buffer)) }
    }
    let viaArray = Result { () throws(WireError) in try DiscoveryPacket(parsing: bytes) }
    expect(parsed == viaArray, "the buffer and array parsers disagree")
    guard case let .success(packet) = parsed else { return }

    let declared = Int(bytes[18]) << 8 | Int(bytes[19])
    expect(bytes[12] == 0x88 && bytes[13] == 0x63 && bytes[14] == 0x11, "accepted a frame that is not PPPoE discovery")
    expect(packet.destination == MACAddress(bytes: bytes[0..<6]) && packet.source == MACAddress(bytes: bytes[6..<12]),
           "addresses differ from the frame's")
    expect(packet.code.rawValue == bytes[15] && packet.sessionID == UInt16(bytes[16]) << 8 | UInt16(bytes[17]),
           "code or session id differ from the frame's")
    expect(packet.payloadLength <= declared, "tags take \(packet.payloadLength) bytes of a \(declared)-byte payload")
    expect(!packet.tags.dropLast().contains { $0.type == .endOfList }, "a tag kept after End-Of-List")

    let serialized = packet.serialized()
    expect(serialized.count == packet.frameLength, "serialized \(serialized.count) bytes, frameLength says \(packet.frameLength)")
    expect(Array(serialized[0..<18]) == Array(bytes[0..<18]), "serialized header differs from the original")
    if packet.payloadLength == declared {
        expect(serialized == Array(bytes[0..<20 + declared]), "a fully parsed frame does not serialize to its bytes")
    }
    expectRoundTrip(packet, "as parsed")

    var edited = packet
    edited.setTag(Tag(.relaySessionID, [UInt8](repeating: 0xA5, count: 12)))
    expect(edited.tags.filter { $0.type == .relaySessionID }.count >= 1, "setTag left no Relay-Session-Id")
    expectRoundTrip(edited, "with a Relay-Session-Id set")
    edited.removeTags(.relaySessionID)
    expect(edited.tag(.relaySessionID) == nil, "removeTags left a Relay-Session-Id")
    expectRoundTrip(edited, "with Relay-Session-Id removed")
}

private func expectRoundTrip(_ packet: DiscoveryPacket, _ what: String) {
    let reparsed = Result { () throws(WireError) in try DiscoveryPacket(parsing: packet.serialized()) }
    expect(reparsed == .success(packet), "re-parsing the serialization (\(what)) gave \(reparsed)")
}
