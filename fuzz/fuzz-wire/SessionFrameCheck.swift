import FuzzSupport
import PPPoEWire

/// A session frame that reads says what its bytes say, and a rewrite changes exactly the two
/// addresses and the session id: the frame still reads, with the same length.
func checkSessionFrame(_ bytes: [UInt8]) {
    let (read, _) = withExactBuffer(bytes) { buffer in
        Result { () throws(WireError) in try SessionFrame.read(UnsafeRawBufferPointer(buffer)) }
    }
    guard case let .success(view) = read else { return }
    let declared = Int(bytes[18]) << 8 | Int(bytes[19])
    expect(bytes[12] == 0x88 && bytes[13] == 0x64 && bytes[14] == 0x11 && bytes[15] == 0,
           "accepted a frame that is not a PPPoE session frame")
    expect(view.frameLength == 20 + declared && view.frameLength <= bytes.count,
           "frameLength \(view.frameLength) for a declared payload of \(declared) in \(bytes.count) bytes")
    expect(view.destination == MACAddress(bytes: bytes[0..<6]) && view.source == MACAddress(bytes: bytes[6..<12])
           && view.sessionID == UInt16(bytes[16]) << 8 | UInt16(bytes[17]), "header fields differ from the frame's")

    let destination = MACAddress(value: 0x0200_0000_00AB), source = MACAddress(value: 0x0200_0000_00CD)
    let newSessionID = ~view.sessionID
    let (reread, rewritten) = withExactBuffer(bytes) { buffer in
        SessionFrame.rewrite(buffer.baseAddress!, destination: destination, source: source, sessionID: newSessionID)
        return Result { () throws(WireError) in try SessionFrame.read(UnsafeRawBufferPointer(buffer)) }
    }
    guard case let .success(after) = reread else { return expect(false, "a rewritten frame no longer reads: \(reread)") }
    expect(after.destination == destination && after.source == source && after.sessionID == newSessionID
           && after.frameLength == view.frameLength, "the rewrite did not take")
    expect(Array(rewritten[12..<16]) == Array(bytes[12..<16]) && Array(rewritten[18...]) == Array(bytes[18...]),
           "the rewrite touched bytes other than addresses and session id")
}
