import FuzzSupport
import PPPoEWire
import UserspaceRelay

/// What every discovery frame the relay emits must be, whatever it was fed: for one of its
/// own interfaces, a valid discovery packet sent from that interface's MAC, in a direction
/// that code travels (towards the AC: PADI, PADR, PADT; towards a client: the rest), to a
/// single host (only PADI is broadcast), within the WAN's MTU where the relay added its tag.
func checkOutgoing(_ frame: OutgoingFrame, wanMTU: UInt32) -> DiscoveryPacket? {
    expect(Int(frame.slot) < Hosts.interfaces.count, "a frame for slot \(frame.slot), which does not exist")
    let parsed = Result { () throws(WireError) in try DiscoveryPacket(parsing: frame.bytes) }
    guard case let .success(packet) = parsed else {
        expect(false, "an emitted frame does not parse: \(parsed)")
        return nil
    }
    expect(packet.source == Hosts.interfaces[Int(frame.slot)], "a frame on slot \(frame.slot) from \(packet.source)")
    let towardsAC: Set<DiscoveryCode> = [.padi, .padr, .padt]
    let towardsClient: Set<DiscoveryCode> = [.pado, .pads, .padt, .padm, .padn]
    expect((frame.slot == 0 ? towardsAC : towardsClient).contains(packet.code),
           "\(packet.code) sent on slot \(frame.slot)")
    expect(!packet.destination.isGroup || (packet.code == .padi && packet.destination.isBroadcast),
           "\(packet.code) on slot \(frame.slot) sent to the group address \(packet.destination)")
    expect(packet.destination != .zero, "\(packet.code) on slot \(frame.slot) sent to the zero address")
    if packet.code == .padi || packet.code == .padr {
        expect(frame.bytes.count <= PPPoEHeader.ethernetHeaderLength + Int(wanMTU),
               "a \(frame.bytes.count)-byte \(packet.code) for a WAN MTU of \(wanMTU)")
    }
    return packet
}

/// PADT that end sessions (idle, stop): two per ended session, one to each side, with that
/// side's session id.
func checkTermination(_ frames: [OutgoingFrame], ended: [Session], wanMTU: UInt32) {
    expect(frames.count == 2 * ended.count, "\(frames.count) PADT for \(ended.count) ended sessions")
    let packets = frames.compactMap { frame in checkOutgoing(frame, wanMTU: wanMTU).map { (frame.slot, $0) } }
    for session in ended {
        let toClient = packets.contains { slot, packet in
            slot == session.lanSlot && packet.code == .padt && packet.destination == session.clientMAC
                && packet.sessionID == session.clientSessionID
        }
        let toAC = packets.contains { slot, packet in
            slot == 0 && packet.code == .padt && packet.destination == session.acMAC && packet.sessionID == session.acSessionID
        }
        expect(toClient && toAC, "an ended session did not get PADT on both sides")
    }
}
