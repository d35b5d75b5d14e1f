import FuzzSupport
import PPPoEWire
import UserspaceRelay

/// One RelayCore (WAN on slot 0, two LANs) with the script's steps applied to it, and the
/// state needed to check it: a model of its sessions, the clock, and the frames it sent last
/// (for peers to answer).
struct RelayHarness: ~Copyable {
    private var core: RelayCore
    private let configuration: Configuration
    private var model: SessionModel
    private var now: Int64 = 1_000
    /// The relay's latest discovery frames, newest last, bounded.
    private var sent: [(slot: UInt8, packet: DiscoveryPacket)] = []

    init(_ configuration: Configuration) {
        self.configuration = configuration
        model = SessionModel(maxSessions: configuration.maxSessions)
        let mtus: [UInt32] = [configuration.wanMTU, 1500, 1500]
        let interfaces = Hosts.interfaces.indices.map { slot in
            RelayInterface(name: slot == 0 ? "wan" : "lan\(slot)", index: Int32(10 + slot), mac: Hosts.interfaces[slot],
                           mtu: mtus[slot], role: slot == 0 ? .wan : .lan)
        }
        core = RelayCore(interfaces: interfaces, maxSessions: configuration.maxSessions,
                         idleTimeout: configuration.idleTimeout, instance: 0x5EED_F00D, mss: configuration.mss,
                         policy: configuration.policy)
    }

    mutating func run(_ step: Step) {
        now += step.advance
        switch step.operation {
        case let .discovery(slot, frame):
            deliverDiscovery(frame, slot: slot)
        case let .addressedDiscovery(slot, destination, source, frame):
            var frame = frame + [UInt8](repeating: 0, count: max(0, 12 - frame.count))
            if let destination { frame.replaceSubrange(0..<6, with: destination.bytes) }
            if let source { frame.replaceSubrange(6..<12, with: source.bytes) }
            deliverDiscovery(frame, slot: slot)
        case let .reply(age, source, sessionID, forgedClient, extra):
            guard !sent.isEmpty else { return }
            let (slot, answered) = sent[sent.count - 1 - age % sent.count]
            var original = answered
            if let forgedClient {
                original.tags = original.tags.map { tag in
                    guard tag.type == .relaySessionID, tag.value.count >= 6 else { return tag }
                    return Tag(tag.type, tag.value.dropLast(6) + forgedClient.bytes)
                }
            }
            deliverDiscovery(Self.answer(to: original, from: source, sessionID: sessionID, extra: extra), slot: slot)
        case let .session(slot, frame):
            deliverSession(frame, slot: slot, mustForward: false)
        case let .sessionOf(index, fromClient, declaredLength, payload):
            guard !model.live.isEmpty else { return }
            let session = model.live[index % model.live.count]
            let slot = fromClient ? session.lanSlot : 0
            let destination = Hosts.interfaces[Int(slot)]
            let source = fromClient ? session.clientMAC : session.acMAC
            let sessionID = fromClient ? session.clientSessionID : session.acSessionID
            let length = declaredLength ?? UInt16(payload.count)
            let frame = destination.bytes + source.bytes
                + [0x88, 0x64, 0x11, 0x00, UInt8(sessionID >> 8), UInt8(sessionID & 0xFF), UInt8(length >> 8),
                   UInt8(length & 0xFF)] + payload
            deliverSession(frame, slot: slot, mustForward: Int(length) <= payload.count)
        case .tick:
            let frames = core.expireIdle(now: now)
            let ended = syncModel()
            checkTermination(frames, ended: ended, wanMTU: configuration.wanMTU)
            if configuration.idleTimeout > 0 {
                for index in core.table.liveSlots {
                    expect(now - core.table.session(at: index).pointee.lastActivity < configuration.idleTimeout,
                           "a session idle for the timeout outlived expireIdle")
                }
            }
        case .terminateAll:
            terminateAll()
        }
    }

    /// The relay stops: every session ends with PADT on both sides and the table is empty.
    mutating func finish() { terminateAll() }

    private mutating func terminateAll() {
        let live = model.live.count
        let frames = core.terminateAll(reason: "fuzz: stop")
        let ended = syncModel()
        expect(ended.count == live && core.table.count == 0, "terminateAll left sessions behind")
        checkTermination(frames, ended: ended, wanMTU: configuration.wanMTU)
    }

    private mutating func deliverDiscovery(_ frame: [UInt8], slot: UInt8) {
        let (out, untouched) = withExactBuffer(frame) { core.handleDiscovery(UnsafeRawBufferPointer($0), from: slot, now: now) }
        expect(untouched == frame, "handleDiscovery wrote into the frame it was given")
        _ = syncModel()
        for frame in out {
            guard let packet = checkOutgoing(frame, wanMTU: configuration.wanMTU) else { continue }
            if packet.code == .pads && packet.sessionID != 0 {
                let key = SessionKey(slot: frame.slot, mac: packet.destination, sessionID: packet.sessionID)
                expect(model.session(arrivingOn: frame.slot, key: key) != nil, "PADS sent for a session that is not live")
            }
            sent.append((frame.slot, packet))
        }
        if sent.count > 16 { sent.removeFirst(sent.count - 16) }
    }

    /// Session frames: dropped ones stay as they were; forwarded ones belong to a live session,
    /// go to its other side, rewritten to that side's addresses and id, with a TCP checksum that
    /// still verifies (made valid here before, wherever the frame carries a TCP segment).
    private mutating func deliverSession(_ frame: [UInt8], slot: UInt8, mustForward: Bool) {
        var frame = frame
        let declared = frame.count >= 20 ? Int(frame[18]) << 8 | Int(frame[19]) : 0
        let segment = TCPSegment(frame: frame, length: 20 + declared)
        segment?.setChecksum(&frame)
        let (forward, after) = withExactBuffer(frame) { core.forwardSession($0, from: slot, now: now) }
        _ = syncModel()
        guard let forward else {
            expect(!mustForward, "a well-formed frame of a live session was dropped")
            return expect(after == frame, "a dropped session frame was changed")
        }
        let source = MACAddress(bytes: frame[6..<12])!
        let key = SessionKey(slot: slot, mac: source, sessionID: UInt16(frame[16]) << 8 | UInt16(frame[17]))
        guard let session = model.session(arrivingOn: slot, key: key) else {
            return expect(false, "a session frame forwarded without a live session")
        }
        expect(Array(frame[0..<6]) == Hosts.interfaces[Int(slot)].bytes, "forwarded a frame addressed to another host")
        let (egress, destination, sessionID) = slot == 0
            ? (session.lanSlot, session.clientMAC, session.clientSessionID)
            : (UInt8(0), session.acMAC, session.acSessionID)
        expect(forward.egress == egress, "forwarded from slot \(slot) to slot \(forward.egress), not \(egress)")
        expect(forward.length == 20 + declared && forward.length <= frame.count, "forwarded \(forward.length) bytes")
        let header = destination.bytes + Hosts.interfaces[Int(egress)].bytes + Array(frame[12..<16])
            + [UInt8(sessionID >> 8), UInt8(sessionID & 0xFF)] + Array(frame[18..<20])
        expect(Array(after[0..<20]) == header, "the forwarded header is not the other side's")
        if let segment {
            expect(segment.checksumIsValid(after), "the TCP checksum no longer verifies after forwarding")
        } else {
            expect(after[20...] == frame[20...], "a frame without a TCP segment had its payload changed")
        }
    }

    /// Reads the relay's session events into the model and checks the table against it.
    private mutating func syncModel() -> [Session] {
        let ended = model.apply(core.takeSessionEvents())
        model.expectMatches(core.table)
        if configuration.policy.maxSessionsPerClient > 0 {
            let clients = model.live.map(\.clientMAC)
            expect(Set(clients).count * configuration.policy.maxSessionsPerClient >= clients.count,
                   "a client holds more sessions than the policy allows")
        }
        return ended
    }

    /// What a well-behaved peer sends back: to the relay's interface the frame came from, the
    /// next code of the exchange (PADI → PADO → PADR → PADS → PADT), the original's tags echoed
    /// (Relay-Session-Id and AC-Cookie among them), and any extra tag bytes after them.
    static func answer(to original: DiscoveryPacket, from source: MACAddress?, sessionID: UInt16, extra: [UInt8]) -> [UInt8] {
        var reply = original
        reply.destination = original.source
        reply.source = source ?? (original.destination.isGroup ? Hosts.acA : original.destination)
        switch original.code {
        case .padi: (reply.code, reply.sessionID) = (.pado, 0)
        case .pado: (reply.code, reply.sessionID) = (.padr, 0)
        case .padr: (reply.code, reply.sessionID) = (.pads, sessionID)
        default: (reply.code, reply.sessionID) = (.padt, original.sessionID == 0 ? sessionID : original.sessionID)
        }
        var bytes = reply.serialized() + extra
        let length = UInt16(truncatingIfNeeded: reply.payloadLength + extra.count)
        bytes[18] = UInt8(length >> 8)
        bytes[19] = UInt8(length & 0xFF)
        return bytes
    }
}
