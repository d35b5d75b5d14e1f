import CShim
import Glibc
import PPPoEWire

/// The userspace dataplane: AF_PACKET sockets on every interface, a `RelayCore` deciding, and
/// batched receive and send. The daemon polls `descriptors` and calls `service` for readable
/// ones; the engine never blocks.
public struct RelayEngine: ~Copyable {
    /// Frames per recvmmsg/sendmmsg call.
    public static let batchSize = 64
    /// Large enough for a baby-jumbo (RFC 4638) frame; longer frames are counted as malformed.
    public static let frameSize = 2048
    /// Batches taken from one socket before the loop looks at the others again.
    static let batchesPerWakeup = 16

    public enum Descriptor: Sendable, Equatable {
        case discovery(slot: UInt8)
        case session(slot: UInt8)
    }

    public var core: RelayCore
    /// The kernel dataplane, when one carries the sessions; told of every session before the
    /// frame that created it (PADS) goes out.
    public var offload: (any SessionOffload)?
    private let sockets: SocketSet
    private let receive: ReceiveBatch
    private let transmit: TransmitQueues
    private let discoveryBuffer: UnsafeMutableRawPointer

    public init(interfaces: [RelayInterface], maxSessions: Int, idleTimeout: Int64,
                mss: MSSSetting = .auto) throws(RelayError) {
        sockets = try SocketSet(interfaces: interfaces)
        core = RelayCore(interfaces: interfaces, maxSessions: maxSessions, idleTimeout: idleTimeout,
                         instance: UInt32.random(in: 1...UInt32.max), mss: mss)
        receive = ReceiveBatch(capacity: Self.batchSize, frameSize: Self.frameSize)
        transmit = TransmitQueues(slots: interfaces.count, capacity: Self.batchSize)
        discoveryBuffer = .allocate(byteCount: Self.frameSize, alignment: 16)
    }

    deinit { discoveryBuffer.deallocate() }

    /// Every descriptor the daemon should poll for reading, with what it is (none for a device
    /// that is down).
    public var descriptors: [(fd: Int32, role: Descriptor)] {
        (0..<sockets.count).flatMap { slot in
            [(sockets.discovery(slot), Descriptor.discovery(slot: UInt8(slot))),
             (sockets.session(slot), Descriptor.session(slot: UInt8(slot)))]
        }.filter { $0.0 >= 0 }
    }

    public mutating func service(_ role: Descriptor) {
        switch role {
        case let .discovery(slot): serviceDiscovery(slot: slot)
        case let .session(slot): serviceSessions(slot: slot)
        }
    }

    /// The forwarding loop: batch in, rewrite in place, batch out per egress interface.
    private mutating func serviceSessions(slot: UInt8) {
        let fd = sockets.session(Int(slot))
        for _ in 0..<Self.batchesPerWakeup {
            let received = Int(pr_recvmmsg(fd, receive.messages, UInt32(Self.batchSize)))
            guard received > 0 else { return }
            let now = MonotonicClock.seconds()
            for i in 0..<received {
                let (length, truncated) = receive.received(i)
                if truncated {
                    core.counters.droppedMalformed &+= 1
                    continue
                }
                let frame = UnsafeMutableRawBufferPointer(start: receive.frame(i), count: length)
                if let forward = core.forwardSession(frame, from: slot, now: now) {
                    transmit.enqueue(slot: Int(forward.egress), frame: receive.frame(i), length: forward.length)
                }
            }
            core.counters.droppedSendFailed &+= UInt64(transmit.flush(sockets: sockets))
            if received < Self.batchSize { return }
        }
    }

    /// Handles a batch of discovery frames, then installs every session they created in one
    /// go, then sends what they produced: PADS never leaves before its session is installed.
    private mutating func serviceDiscovery(slot: UInt8) {
        let fd = sockets.discovery(Int(slot))
        var out: [OutgoingFrame] = []
        for _ in 0..<Self.batchSize {
            let length = recv(fd, discoveryBuffer, Self.frameSize, Int32(MSG_DONTWAIT | MSG_TRUNC))
            guard length >= 0 else { break }
            guard length <= Self.frameSize else {
                core.counters.droppedMalformed &+= 1
                continue
            }
            let frame = UnsafeRawBufferPointer(start: discoveryBuffer, count: length)
            out += core.handleDiscovery(frame, from: slot, now: MonotonicClock.seconds())
        }
        send(out)
    }

    /// Once a second: kernel counters folded in, idle sessions end, stale discovery state goes.
    public mutating func tick() {
        refreshForwardedCounts()
        send(core.expireIdle(now: MonotonicClock.seconds()))
    }

    /// Reads the kernel dataplane's per-session counters into the session table (also before a
    /// status answer, so it is current).
    public mutating func refreshForwardedCounts() {
        guard let offload, core.table.count > 0 else { return }
        core.applyForwardedCounts(offload.forwardedCounts(), now: MonotonicClock.seconds())
    }

    /// PADT to both sides of every session; the relay is stopping (or the WAN went down).
    public mutating func terminateAll(reason: String) {
        send(core.terminateAll(reason: reason))
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
    private mutating func send(_ frames: [OutgoingFrame]) {
        let events = core.takeSessionEvents()
        if let offload, !events.isEmpty {
            let refused = offload.apply(events, interfaces: core.interfaces)
            for _ in 0..<refused { core.noteOffloadFailure() }
        }
        for frame in frames {
            let fd = sockets.discovery(Int(frame.slot))
            let sent = frame.bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if sent != frame.bytes.count { core.counters.droppedSendFailed &+= 1 }
        }
    }
}
