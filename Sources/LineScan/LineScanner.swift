import CShim
import Netlink
import PPPoEWire
import Libc

/// Why a scan could not run (not: nobody answered, which is a result).
public enum LineScanError: Error, CustomStringConvertible, Equatable {
    case noSuchInterface(String)
    case notEthernet(String)
    case interfaceDown(String)
    case system(String)

    public var description: String {
        switch self {
        case let .noSuchInterface(name): "no such interface: \(name)"
        case let .notEthernet(name): "interface \(name) has no Ethernet address"
        case let .interfaceDown(name): "interface \(name) is down (ip link set \(name) up)"
        case let .system(message): message
        }
    }
}

/// Broadcasts the scan's PADIs on one interface and collects PADOs until the deadline.
///
/// It opens a packet socket of its own for ethertype 0x8863: the kernel hands every such frame to
/// every socket bound to it, so the relay and the router's own PPPoE client go on seeing theirs.
/// The ACs answer the scan with PADOs to the interface's MAC, which the relay sees too and drops
/// as not its own (counted in `dropped_discovery_not_ours`, not logged): they carry neither its
/// Relay-Session-Id nor a Host-Uniq it is waiting for. No PADR is ever sent, so no AC keeps state.
public enum LineScanner {
    /// Bytes read per frame: more than any Ethernet MTU a WAN uses for PPPoE; a longer frame
    /// (jumbo) arrives cut and is counted as malformed.
    static let receiveBufferSize = 4096

    public static func scan(interface name: String, serviceName: String?, timeoutSeconds: Double)
        throws(LineScanError) -> ScanReport {
        let link: LinkInfo
        do {
            var routes = try RouteSocket()
            link = try routes.link(named: name)
        } catch {
            if error.errno == ENODEV { throw .noSuchInterface(name) }
            throw .system("cannot look up \(name): \(error)")
        }
        guard let mac = MACAddress(bytes: link.hardwareAddress), mac != .zero, !mac.isGroup else {
            throw .notEthernet(name)
        }
        guard link.isUp else { throw .interfaceDown(name) }

        let fd = pr_packet_socket_open(link.index, PPPoEEtherType.discovery)
        guard fd >= 0 else {
            let reason = String(cString: strerror(-fd))
            throw .system("cannot open a packet socket on \(name): \(reason)\(fd == -EPERM ? " (needs CAP_NET_RAW: run as root)" : "")")
        }
        defer { close(fd) }

        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<(ScanProbe.hostUniqPrefixLength + ScanProbe.relaySessionIDLength)).map { _ in
            UInt8.random(in: 0...255, using: &generator)
        }
        let probe = ScanProbe(source: mac, serviceName: serviceName, nonce: nonce)
        var tally = ScanTally(probe: probe)

        let start = monotonicNanoseconds()
        for index in probe.questions.indices {
            let frame = probe.padi(index)
            let sent = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == frame.count else {
                throw .system("cannot send a PADI on \(name): \(String(cString: strerror(errno)))")
            }
        }

        let deadline = start + Int64(timeoutSeconds * 1e9)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: receiveBufferSize, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { break }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMilliseconds = Int32(min((deadline - now + 999_999) / 1_000_000, Int64(Int32.max)))
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system("poll failed while scanning \(name): \(String(cString: strerror(errno)))")
            }
            guard ready > 0 else { continue }
            if poller.revents & Int16(POLLERR) != 0 { _ = pr_socket_take_error(fd) }
            // Drain what is queued: one poll per burst of answers.
            while true {
                let length = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT | MSG_TRUNC))
                if length < 0 {
                    if errno == EINTR { continue }
                    if errno == ENETDOWN { _ = pr_socket_take_error(fd) }
                    break
                }
                let arrived = monotonicNanoseconds() - start
                guard length <= buffer.count else {
                    tally.addMalformed()
                    continue
                }
                do {
                    let packet = try DiscoveryPacket(parsing: UnsafeRawBufferPointer(rebasing: buffer[..<length]))
                    tally.add(packet, elapsedNanoseconds: arrived)
                } catch {
                    tally.addMalformed()
                }
            }
        }
        return tally.report(interface: name, timeoutSeconds: timeoutSeconds)
    }

    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
