/// The fixed 20 bytes in front of every PPPoE frame, read with bounds checks.
public struct PPPoEFrameHeader: Equatable, Sendable {
    public var destination: MACAddress
    public var source: MACAddress
    public var code: UInt8
    public var sessionID: UInt16
    /// The PPPoE length field, already checked to fit in the frame.
    public var payloadLength: Int

    public init(parsing frame: UnsafeRawBufferPointer, etherType expected: UInt16) throws(WireError) {
        guard frame.count >= PPPoEHeader.frameHeaderLength, let base = frame.baseAddress else {
            throw .truncated(needed: PPPoEHeader.frameHeaderLength, available: frame.count)
        }
        let etherType = frame.readBigEndianUInt16(at: 12)!
        guard etherType == expected else { throw .wrongEtherType(etherType) }
        let versionType = frame[14]
        guard versionType == PPPoEHeader.versionType else { throw .wrongVersionType(versionType) }
        let length = Int(frame.readBigEndianUInt16(at: 18)!)
        let available = frame.count - PPPoEHeader.frameHeaderLength
        guard length <= available else { throw .lengthBeyondFrame(declared: length, available: available) }
        destination = MACAddress(reading: base, at: 0)
        source = MACAddress(reading: base, at: 6)
        code = frame[15]
        sessionID = frame.readBigEndianUInt16(at: 16)!
        payloadLength = length
    }
}

extension UnsafeRawBufferPointer {
    /// A big-endian UInt16 at `offset`, or nil when the two bytes are not all there.
    @inline(__always)
    public func readBigEndianUInt16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= count else { return nil }
        return UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// A big-endian UInt32 at `offset`, or nil when the four bytes are not all there.
    @inline(__always)
    public func readBigEndianUInt32(at offset: Int) -> UInt32? {
        guard let high = readBigEndianUInt16(at: offset), let low = readBigEndianUInt16(at: offset + 2) else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }
}
