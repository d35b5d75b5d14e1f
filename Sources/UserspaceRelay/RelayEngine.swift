import CShim
import Libc
import PPPoEWire

/// The userspace dataplane: AF_PACKET sockets on every interface, a `RelayCore` deciding, and
/// batched receive and send. The daemon polls `descriptors` and calls `service` for readable
/// ones; the engine never blocks.
public struct RelayEngine: ~Copyable {
    /// Frames taken from a ring before they are sent (one sendmmsg per egress) and released.
    public static let batchSize = 64
    /// Large enough for a baby-jumbo (RFC 4638) discovery frame; longer ones count as malformed.
    public static let frameSize = 2048
    /// Batches taken from one ring before the loop looks at the others again. The loop goes
    /// back to poll(2) only when the ring is empty or after this many: under load, frames
    /// that arrived during one batch's send make the next batch, with no poll between.
    static let batchesPerWakeup = 16
    /// The longest session frame the loop relays; longer ones count as malformed. The kernel
    /// dataplane leaves longer ones to the loop, so that both agree.
    public static let largestSessionFrame = SessionRing.largestFrame

    public enum Descriptor: Sendable, Equatable {
        case discovery(slot: UInt8)
        case session(slot: UInt8)
    }

    public var core: RelayCore
    /// The kernel dataplane, when one carries the sessions; told of every session before the
    /// frame that created it (PADS) goes out.
    public var offload: (any SessionOffload)?
    private var sockets: SocketSet
    private let transmit: TransmitQueues
    /// One batch of discovery frames, read with one system call: `batchSize` buffers end to end,
    /// with each frame's length and VLAN mark.
    private let discoveryBuffers: UnsafeMutableRawPointer
    private let discoveryLengths: UnsafeMutablePointer<Int>
    private let discoveryTagged: UnsafeMutablePointer<Int32>

    public init(interfaces: [RelayInterface], maxSessions: Int, idleTimeout: Int64,
                mss: MSSSetting = .auto, policy: DiscoveryPolicy = .standard) throws(RelayError) {
        sockets = try SocketSet(interfaces: interfaces)
        core = RelayCore(interfaces: interfaces, maxSessions: maxSessions, idleTimeout: idleTimeout,
                         instance: UInt32.random(in: 1...UInt32.max), mss: mss, policy: policy)
        transmit = TransmitQueues(slots: interfaces.count, capacity: Self.batchSize)
        discoveryBuffers = .allocate(byteCount: Self.frameSize * Self.batchSize, alignment: 16)
        discoveryLengths = .allocate(capacity: Self.batchSize)
        discoveryTagged = .allocate(capacity: Self.batchSize)
    }

    deinit {
        discoveryBuffers.deallocate()
        discoveryLengths.deallocate()
        discoveryTagged.deallocate()
    }

    /// Every descriptor the daemon should poll for reading, with what it is (none for a device
    /// that is down).
    public var descriptors: [(fd: Int32, role: Descriptor)] {
        (0..<sockets.count).flatMap { slot in
            [(sockets.discovery(slot), Descriptor.discovery(slot: UInt8(slot))),
             (sockets.session(slot), Descriptor.session(slot: UInt8(slot)))]
        }.filter { $0.0 >= 0 }
    }

    /// `failed`: poll reported an error on the socket (POLLERR). It is taken off the socket: the
    /// ring socket is never read, so otherwise it would stay, fail the next send and keep poll
    /// from ever sleeping.
    public mutating func service(_ role: Descriptor, failed: Bool = false) {
        if failed {
            switch role {
            case let .discovery(slot): _ = pr_socket_take_error(sockets.discovery(Int(slot)))
            case let .session(slot): _ = pr_socket_take_error(sockets.session(Int(slot)))
            }
        }
        switch role {
        case let .discovery(slot): serviceDiscovery(slot: slot)
        case let .session(slot): serviceSessions(slot: slot)
        }
    }

    /// The forwarding loop: frames read where the kernel put them in the ring, rewritten in
    /// place, sent in one batch per egress interface, and only then given back to the kernel.
    private mutating func serviceSessions(slot: UInt8) {
        let ring = sockets.ring(Int(slot))
        // Closed with its device (unmapped): nothing to read, and reading would fault.
        guard ring.pointee.map.map != nil else { return }
        for _ in 0..<Self.batchesPerWakeup {
            let now = MonotonicClock.seconds()
            var taken: UInt32 = 0
            while taken < UInt32(Self.batchSize), let (frame, truncated, maybeTagged) = ring.pointee.frame(at: taken) {
                taken &+= 1
                if truncated {
                    core.counters.droppedMalformed &+= 1
                    continue
                }
                if maybeTagged, droppedAsTagged(UnsafeRawBufferPointer(frame), slot: slot) { continue }
                if let forward = core.forwardSession(frame, from: slot, now: now) {
                    transmit.enqueue(slot: Int(forward.egress), frame: frame.baseAddress!, length: forward.length)
                }
            }
            guard taken > 0 else { return }
            core.counters.droppedSendFailed &+= UInt64(transmit.flush(sockets: sockets))
            ring.pointee.release(taken)
        }
    }

    /// Handles a batch of discovery frames, then installs every session they created in one
    /// go, then sends what they produced: PADS never leaves before its session is installed.
    private mutating func serviceDiscovery(slot: UInt8) {
        let fd = sockets.discovery(Int(slot))
        var out: [OutgoingFrame] = []
        let received = pr_packet_receive_batch(fd, discoveryBuffers, Self.frameSize, UInt32(Self.batchSize),
                                               discoveryLengths, discoveryTagged)
        let now = MonotonicClock.seconds()
        for i in 0..<Int(max(received, 0)) {
            let length = discoveryLengths[i]
            guard length <= Self.frameSize else {
                core.counters.droppedMalformed &+= 1
                continue
            }
            let frame = UnsafeRawBufferPointer(start: discoveryBuffers + i * Self.frameSize, count: length)
            if discoveryTagged[i] != 0, droppedAsTagged(frame, slot: slot) { continue }
            out += core.handleDiscovery(frame, from: slot, now: now)
        }
        send(out)
    }

    /// Frames that arrived with a VLAN tag are not ours: the relay serves the untagged LAN and
    /// WAN (a VLAN device, eth0.7, serves its VLAN). Relaying them would carry a frame across
    /// VLANs with its tag stripped. The kernel marks such a frame as for another host even when
    /// its destination is our MAC or broadcast; a frame that really is for another host (a
    /// promiscuous device) is left to the core, which counts it as not for us.
    private mutating func droppedAsTagged(_ frame: UnsafeRawBufferPointer, slot: UInt8) -> Bool {
        guard frame.count >= 6 else { return false }
        let destination = MACAddress(reading: frame.baseAddress!, at: 0)
        guard destination.isGroup || destination == core.interfaces[Int(slot)].mac else { return false }
        core.counters.droppedVLANTagged &+= 1
        return true
    }

    /// Once a second: kernel counters folded in, idle sessions end, stale discovery state goes.
    public mutating func tick() {
        let counted = readIdleCandidates()
        if let offload {
            let policed = offload.policedPADICounts()
            core.notePolicedPADIs(perClient: policed.perClient, overall: policed.overall)
        }
        for slot in 0..<sockets.count where sockets.discovery(slot) >= 0 {
            core.counters.droppedReceiveOverflow &+= UInt64(pr_packet_drops(sockets.discovery(slot)))
                &+ UInt64(pr_packet_drops(sockets.session(slot)))
        }
        if counted { send(core.expireIdle(now: MonotonicClock.seconds(), limit: expirySlice)) }
    }

    /// PADT to both sides of every session; the relay is stopping (or the WAN went down).
    public mutating func terminateAll(reason: String, cause: SessionEndReason = .relayStopped) {
        send(core.terminateAll(reason: reason, cause: cause))
    }

    /// Discovery frames the daemon made itself (PADTs for sessions a previous daemon held
    /// that this one cannot carry on).
    public mutating func sendDiscovery(_ frames: [OutgoingFrame]) {
        send(frames)
    }

    /// The kernel dataplane carries the sessions: the session sockets get small rings, since
    /// only SYNs to clamp and frames the kernel leaves reach them. Called once, at start-up,
    /// before any session exists; the forwarding loop itself is the same with either size.
    public mutating func useKernelDataplaneRings() throws(RelayError) {
        try sockets.resizeRings(frames: SessionRing.kernelDataplaneFrameCount, interfaces: core.interfaces)
    }

    /// A device is gone: its sessions end (PADT to the other side) and its sockets close.
    public mutating func interfaceDown(slot: UInt8) {
        sockets.close(slot: Int(slot))
        send(core.endSessions(onSlot: slot, reason: "pppoe-relay: \(core.interfaces[Int(slot)].name) went down"))
    }

    /// A device is (back) up as `interface`: sockets on its ifindex, frames with its MAC.
    public mutating func interfaceUp(_ interface: RelayInterface, slot: UInt8) throws(RelayError) {
        try sockets.reopen(slot: Int(slot), interface: interface)
        core.updateInterface(interface, slot: slot)
    }

    /// Applies the session table's changes to the kernel first, then sends the frames.
    mutating func send(_ frames: [OutgoingFrame]) {
        let events = core.takeSessionEvents()
        if let offload, !events.isEmpty {
            // Before the kernel forgets them: the last counts of the sessions that end here, for
            // the log, read by key for those sessions alone.
            let ended = events.compactMap { if case let .ended(session) = $0 { session } else { nil } }
            if !ended.isEmpty { core.settleClosedRecords(offload.forwardedCounts(of: ended) ?? [:]) }
            let refused = offload.apply(events, interfaces: core.interfaces)
            for _ in 0..<refused { core.noteOffloadFailure() }
        }
        for frame in frames {
            let fd = sockets.discovery(Int(frame.slot))
            let sent = frame.bytes.withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if sent != frame.bytes.count { core.counters.droppedSendFailed &+= 1 }
        }
    }
}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
