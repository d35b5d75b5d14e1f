/// A PPPoE discovery frame (ethertype 0x8863) with its tags decoded.
///
/// Discovery is rare and policy-heavy, so this is an ordinary value type with arrays;
/// the per-packet session path uses `SessionFrame` instead and never builds one of these.
public struct DiscoveryPacket: Equatable, Sendable {
    public var destination: MACAddress
    public var source: MACAddress
    public var code: DiscoveryCode
    public var sessionID: UInt16
    /// Tags in wire order. Parsing stops after End-Of-List, which is kept so a relay can
    /// insert its own tags in front of it.
    public var tags: [Tag]

    public init(destination: MACAddress, source: MACAddress, code: DiscoveryCode,
                sessionID: UInt16 = 0, tags: [Tag] = []) {
        self.destination = destination
        self.source = source
        self.code = code
        self.sessionID = sessionID
        self.tags = tags
    }

    /// Parses a whole Ethernet frame. Bytes after the PPPoE payload (Ethernet padding) are ignored.
    public init(parsing frame: UnsafeRawBufferPointer) throws(WireError) {
        let header = try PPPoEFrameHeader(parsing: frame, etherType: PPPoEEtherType.discovery)
        guard let code = DiscoveryCode(rawValue: header.code) else { throw .unknownCode(header.code) }
        destination = header.destination
        source = header.source
        self.code = code
        sessionID = header.sessionID
        tags = try Self.parseTags(frame, payloadEnd: PPPoEHeader.frameHeaderLength + header.payloadLength)
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        // Array.withUnsafeBytes is untyped-rethrows, so carry the typed error out in a Result.
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in try DiscoveryPacket(parsing: raw) }
        }
        self = try parsed.get()
    }

    private static func parseTags(_ frame: UnsafeRawBufferPointer, payloadEnd: Int) throws(WireError) -> [Tag] {
        var tags: [Tag] = []
        var offset = PPPoEHeader.frameHeaderLength
        while offset < payloadEnd {
            guard offset + 4 <= payloadEnd else {
                let partial = offset + 2 <= payloadEnd ? frame.readBigEndianUInt16(at: offset) ?? 0 : 0
                throw .tagBeyondPayload(type: partial, offset: offset - PPPoEHeader.frameHeaderLength)
            }
            let type = frame.readBigEndianUInt16(at: offset)!
            let length = Int(frame.readBigEndianUInt16(at: offset + 2)!)
            let valueStart = offset + 4
            guard valueStart + length <= payloadEnd else {
                throw .tagBeyondPayload(type: type, offset: offset - PPPoEHeader.frameHeaderLength)
            }
            tags.append(Tag(TagType(rawValue: type), Array(frame[valueStart..<valueStart + length])))
            offset = valueStart + length
            if type == TagType.endOfList.rawValue { break }
        }
        return tags
    }

    /// The first tag of a type, as RFC 2516 reads them.
    public func tag(_ type: TagType) -> Tag? { tags.first { $0.type == type } }

    /// Replaces the first tag of this type, or adds it in front of End-Of-List (or at the end).
    public mutating func setTag(_ tag: Tag) {
        if let index = tags.firstIndex(where: { $0.type == tag.type }) {
            tags[index] = tag
        } else if let end = tags.firstIndex(where: { $0.type == .endOfList }) {
            tags.insert(tag, at: end)
        } else {
            tags.append(tag)
        }
    }

    public mutating func removeTags(_ type: TagType) { tags.removeAll { $0.type == type } }

    /// Length of the PPPoE payload these tags encode to.
    public var payloadLength: Int { tags.reduce(0) { $0 + $1.encodedLength } }

    /// Length of the whole frame, without Ethernet padding.
    public var frameLength: Int { PPPoEHeader.frameHeaderLength + payloadLength }

    /// The frame on the wire. The kernel pads it to the Ethernet minimum where needed.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frameLength)
        out += destination.bytes
        out += source.bytes
        out.appendBigEndian(PPPoEEtherType.discovery)
        out.append(PPPoEHeader.versionType)
        out.append(code.rawValue)
        out.appendBigEndian(sessionID)
        out.appendBigEndian(UInt16(truncatingIfNeeded: payloadLength))
        for tag in tags {
            out.appendBigEndian(tag.type.rawValue)
            out.appendBigEndian(UInt16(truncatingIfNeeded: tag.value.count))
            out += tag.value
        }
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
