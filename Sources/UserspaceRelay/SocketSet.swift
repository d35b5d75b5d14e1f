import CShim
import Glibc
import PPPoEWire

/// The two AF_PACKET sockets of every relay interface, one per ethertype: discovery (0x8863)
/// and session (0x8864), never ETH_P_ALL, so the kernel hands us nothing else. Owned: every
/// descriptor is closed exactly once, in deinit.
struct SocketSet: ~Copyable {
    private let discoveryFDs: UnsafeMutablePointer<Int32>
    private let sessionFDs: UnsafeMutablePointer<Int32>
    let count: Int

    init(interfaces: [RelayInterface]) throws(RelayError) {
        count = interfaces.count
        discoveryFDs = .allocate(capacity: count)
        sessionFDs = .allocate(capacity: count)
        discoveryFDs.initialize(repeating: -1, count: count)
        sessionFDs.initialize(repeating: -1, count: count)
        for (slot, interface) in interfaces.enumerated() {
            do {
                (discoveryFDs[slot], sessionFDs[slot]) = try Self.openPair(interface)
            } catch {
                Self.close(discoveryFDs, count)
                Self.close(sessionFDs, count)
                discoveryFDs.deallocate()
                sessionFDs.deallocate()
                throw error
            }
        }
    }

    deinit {
        Self.close(discoveryFDs, count)
        Self.close(sessionFDs, count)
        discoveryFDs.deallocate()
        sessionFDs.deallocate()
    }

    private static func close(_ fds: UnsafeMutablePointer<Int32>, _ count: Int) {
        for i in 0..<count where fds[i] >= 0 {
            _ = Glibc.close(fds[i])
            fds[i] = -1
        }
    }

    /// Closes one interface's sockets (its device went away); -1 until reopened.
    func close(slot: Int) {
        for fds in [discoveryFDs, sessionFDs] where fds[slot] >= 0 {
            _ = Glibc.close(fds[slot])
            fds[slot] = -1
        }
    }

    /// Opens one interface's sockets again, on its (possibly new) ifindex.
    func reopen(slot: Int, interface: RelayInterface) throws(RelayError) {
        close(slot: slot)
        (discoveryFDs[slot], sessionFDs[slot]) = try Self.openPair(interface)
    }

    /// Both sockets of one interface, or neither. Discovery comes in storms (every client of a
    /// LAN redialling at once after an outage): a deep receive queue keeps a burst of PADIs from
    /// being dropped and retried a second later.
    private static func openPair(_ interface: RelayInterface) throws(RelayError) -> (discovery: Int32, session: Int32) {
        let discovery = pr_packet_socket_open(interface.index, PPPoEEtherType.discovery)
        guard discovery >= 0 else { throw RelayError.system("packet socket on \(interface.name)", errno: -discovery) }
        var size: Int32 = 4 << 20
        setsockopt(discovery, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let session = pr_packet_socket_open(interface.index, PPPoEEtherType.session)
        guard session >= 0 else {
            _ = Glibc.close(discovery)
            throw RelayError.system("packet socket on \(interface.name)", errno: -session)
        }
        return (discovery, session)
    }

    @inline(__always) func discovery(_ slot: Int) -> Int32 { discoveryFDs[slot] }
    @inline(__always) func session(_ slot: Int) -> Int32 { sessionFDs[slot] }
}
