/// Why a frame could not be read. Every parse failure is one of these; none traps.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the fixed headers need.
    case truncated(needed: Int, available: Int)
    case wrongEtherType(UInt16)
    /// The PPPoE version/type byte is not 0x11.
    case wrongVersionType(UInt8)
    /// A discovery code RFC 2516 does not define, or a session frame whose code is not 0.
    case unknownCode(UInt8)
    /// The PPPoE length field claims more payload than the frame holds.
    case lengthBeyondFrame(declared: Int, available: Int)
    /// A tag header or value runs past the PPPoE payload.
    case tagBeyondPayload(type: UInt16, offset: Int)

    public var description: String {
        switch self {
        case let .truncated(needed, available): "truncated frame: need \(needed) bytes, have \(available)"
        case let .wrongEtherType(t): "wrong ethertype 0x\(String(t, radix: 16))"
        case let .wrongVersionType(v): "wrong PPPoE version/type 0x\(String(v, radix: 16))"
        case let .unknownCode(c): "unexpected PPPoE code 0x\(String(c, radix: 16))"
        case let .lengthBeyondFrame(d, a): "PPPoE length \(d) beyond the \(a) payload bytes present"
        case let .tagBeyondPayload(t, o): "tag 0x\(String(t, radix: 16)) at offset \(o) runs past the payload"
        }
    }
}
