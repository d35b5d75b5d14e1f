/// Session-stage frames (ethertype 0x8864) read and rewritten in place, in the buffer they
/// arrived in: no copy, no allocation, for the per-packet path.
public enum SessionFrame {
    /// What the relay needs of a session frame: who sent it, on which session, and how many
    /// bytes to forward (Ethernet padding after the PPPoE payload is cut off).
    public struct View: Sendable {
        public var source: MACAddress
        public var destination: MACAddress
        public var sessionID: UInt16
        /// Header plus PPPoE payload: the bytes worth forwarding.
        public var frameLength: Int
    }

    /// Reads the headers of a session frame; a typed error (never a trap) for anything malformed.
    @inline(__always)
    public static func read(_ frame: UnsafeRawBufferPointer) throws(WireError) -> View {
        let header = try PPPoEFrameHeader(parsing: frame, etherType: PPPoEEtherType.session)
        // Session data always carries code 0 (RFC 2516 §6).
        guard header.code == 0 else { throw .unknownCode(header.code) }
        return View(source: header.source, destination: header.destination, sessionID: header.sessionID,
                    frameLength: PPPoEHeader.frameHeaderLength + header.payloadLength)
    }

    /// Rewrites addresses and session id of a frame already validated by `read`.
    @inline(__always)
    public static func rewrite(_ frame: UnsafeMutableRawPointer, destination: MACAddress,
                               source: MACAddress, sessionID: UInt16) {
        destination.write(to: frame, at: 0)
        source.write(to: frame, at: 6)
        frame.storeBytes(of: sessionID.bigEndian, toByteOffset: 16, as: UInt16.self)
    }
}
