import CShim
import Libc
import PPPoEWire

/// The two AF_PACKET sockets of every relay interface, one per ethertype: discovery (0x8863)
/// and session (0x8864), never ETH_P_ALL, so the kernel hands us nothing else. The session
/// socket receives through a ring (`SessionRing`). Owned: every descriptor is closed and every
/// ring unmapped exactly once, in deinit or when its device goes away.
struct SocketSet: ~Copyable {
    private let discoveryFDs: UnsafeMutablePointer<Int32>
    private let sessionFDs: UnsafeMutablePointer<Int32>
    private let rings: UnsafeMutablePointer<SessionRing>
    let count: Int
    /// Frames in each session ring opened from now on (`SessionRing.frameCount` or smaller).
    private var ringFrames: UInt32

    init(interfaces: [RelayInterface], ringFrames: UInt32 = SessionRing.frameCount) throws(RelayError) {
        count = interfaces.count
        self.ringFrames = ringFrames
        discoveryFDs = .allocate(capacity: count)
        sessionFDs = .allocate(capacity: count)
        rings = .allocate(capacity: count)
        discoveryFDs.initialize(repeating: -1, count: count)
        sessionFDs.initialize(repeating: -1, count: count)
        rings.initialize(repeating: SessionRing(), count: count)
        // Every stored property is set from here on, so a throw below runs deinit, which closes
        // what was opened and frees the storage: cleaning up here as well would free it twice.
        for (slot, interface) in interfaces.enumerated() {
            try open(slot: slot, interface: interface)
        }
    }

    deinit {
        for slot in 0..<count { close(slot: slot) }
        discoveryFDs.deallocate()
        sessionFDs.deallocate()
        rings.deallocate()
    }

    /// Closes one interface's sockets (its device went away); -1 until reopened.
    func close(slot: Int) {
        if discoveryFDs[slot] >= 0 { _ = systemClose(discoveryFDs[slot]) }
        discoveryFDs[slot] = -1
        pr_packet_ring_close(sessionFDs[slot], &rings[slot].map)
        sessionFDs[slot] = -1
        rings[slot] = SessionRing()
    }

    /// Opens one interface's sockets again, on its (possibly new) ifindex.
    func reopen(slot: Int, interface: RelayInterface) throws(RelayError) {
        close(slot: slot)
        try open(slot: slot, interface: interface)
    }

    /// Opens every open slot's sockets again with session rings of `frames` frames. Frames
    /// queued on the old sockets are lost: this is for start-up, before any session exists.
    mutating func resizeRings(frames: UInt32, interfaces: [RelayInterface]) throws(RelayError) {
        ringFrames = frames
        for slot in 0..<count where sessionFDs[slot] >= 0 {
            try reopen(slot: slot, interface: interfaces[slot])
        }
    }

    /// Both sockets of one interface, or neither. Discovery comes in storms (every client of a
    /// LAN redialling at once after an outage): a deep receive queue keeps a burst of PADIs from
    /// being dropped and retried a second later.
    private func open(slot: Int, interface: RelayInterface) throws(RelayError) {
        let discovery = pr_packet_socket_open(interface.index, PPPoEEtherType.discovery)
        guard discovery >= 0 else { throw RelayError.system("packet socket on \(interface.name)", errno: -discovery) }
        var size: Int32 = 4 << 20
        setsockopt(discovery, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var ring = SessionRing()
        let session = pr_packet_ring_open(interface.index, PPPoEEtherType.session, SessionRing.frameSize,
                                          ringFrames, SessionRing.blockSize, &ring.map)
        guard session >= 0 else {
            _ = systemClose(discovery)
            throw RelayError.system("session receive ring on \(interface.name)", errno: -session)
        }
        discoveryFDs[slot] = discovery
        sessionFDs[slot] = session
        rings[slot] = ring
    }

    @inline(__always) func discovery(_ slot: Int) -> Int32 { discoveryFDs[slot] }
    @inline(__always) func session(_ slot: Int) -> Int32 { sessionFDs[slot] }
    /// The session ring of `slot`, in place: the loop advances its head without copying it.
    @inline(__always) func ring(_ slot: Int) -> UnsafeMutablePointer<SessionRing> { rings + slot }
}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
