import ArgumentParser
import CShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Netlink
import PPPoEWire

/// `pppoe-bench setup`: how many sessions per second a relay sets up. One process plays both
/// ends: `count` clients (made-up MACs) on one side and an access concentrator on the other,
/// each with a packet socket opened inside its own network namespace, so neither end is the
/// bottleneck the relay is measured against.
struct Setup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up sessions through a relay as fast as it takes them; prints established and seconds.")

    @Option(help: "Network namespace of the clients.") var clientNamespace: String
    @Option(help: "Client-side interface.") var clientInterface: String
    @Option(help: "Network namespace of the access concentrator.") var acNamespace: String
    @Option(help: "Access-concentrator-side interface.") var acInterface: String
    @Option(help: "Sessions to set up.") var count = 10000
    @Option(help: "First client number (client MACs are 02:51:00:xx:xx:xx).") var offset = 0
    @Option(help: "Give up after this many seconds.") var seconds = 60.0

    func run() throws {
        let ac = try endpoint(acNamespace, acInterface)
        let client = try endpoint(clientNamespace, clientInterface)
        defer { close(ac.fd); close(client.fd) }

        let clientMAC = { (i: Int) in MACAddress(value: 0x0251_0000_0000 | UInt64(i)) }
        var lastSent = [Double](repeating: -10, count: count)
        var request = [[UInt8]?](repeating: nil, count: count)
        var established = [Bool](repeating: false, count: count)
        var done = 0
        var nextSession: UInt16 = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        let start = now()
        var cursor = 0

        while done < count && now() - start < seconds {
            // (Re)send up to 256 due requests per turn: PADI first, PADR once an offer came.
            var sent = 0
            var scanned = 0
            while sent < 256 && scanned < count {
                let i = (cursor + scanned) % count
                scanned += 1
                guard !established[i], now() - lastSent[i] > 1 else { continue }
                let frame = request[i] ?? DiscoveryPacket(destination: .broadcast, source: clientMAC(offset + i),
                                                         code: .padi, tags: [Tag(.serviceName), Tag(.hostUniq, index(i))]).serialized()
                _ = frame.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, 0) }
                lastSent[i] = now()
                sent += 1
            }
            cursor = (cursor + scanned) % count

            var fds = [pollfd(fd: ac.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 5)
            // The access concentrator: PADO for PADI, PADS for PADR, echoing the tags it must.
            while case let n = recv(ac.fd, buffer, 2048, Int32(MSG_DONTWAIT)), n > 0 {
                guard let packet = try? DiscoveryPacket(parsing: UnsafeRawBufferPointer(start: buffer, count: n)),
                      packet.destination == ac.mac || packet.destination.isBroadcast else { continue }
                let echoed = packet.tags.filter { [.hostUniq, .relaySessionID].contains($0.type) }
                var answer: DiscoveryPacket
                switch packet.code {
                case .padi: answer = DiscoveryPacket(destination: packet.source, source: ac.mac, code: .pado,
                                                    tags: [Tag(.acName, text: "bench-ac"), Tag(.serviceName)] + echoed)
                case .padr:
                    nextSession = nextSession % 0xFFFE + 1
                    answer = DiscoveryPacket(destination: packet.source, source: ac.mac, code: .pads, sessionID: nextSession,
                                             tags: [Tag(.serviceName)] + echoed)
                default: continue
                }
                _ = answer.serialized().withUnsafeBytes { send(ac.fd, $0.baseAddress, $0.count, 0) }
            }
            // The clients: PADR for a PADO, done at PADS.
            while case let n = recv(client.fd, buffer, 2048, Int32(MSG_DONTWAIT)), n > 0 {
                guard let packet = try? DiscoveryPacket(parsing: UnsafeRawBufferPointer(start: buffer, count: n)),
                      let i = clientIndex(packet.destination) else { continue }
                switch packet.code {
                case .pado where request[i] == nil:
                    let echoed = packet.tags.filter { [.hostUniq, .acCookie, .relaySessionID].contains($0.type) }
                    let padr = DiscoveryPacket(destination: packet.source, source: packet.destination, code: .padr,
                                               tags: [Tag(.serviceName)] + echoed).serialized()
                    request[i] = padr
                    _ = padr.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, 0) }
                    lastSent[i] = now()
                case .pads where packet.sessionID != 0 && !established[i]:
                    established[i] = true
                    done += 1
                default: break
                }
            }
        }
        print("{\"established\": \(done), \"seconds\": \(now() - start)}")

        func clientIndex(_ mac: MACAddress) -> Int? {
            let i = Int(mac.value & 0xFFFF_FFFF) - offset
            return mac.value >> 32 == 0x0251 && i >= 0 && i < count ? i : nil
        }
    }

    private func index(_ i: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(i).bigEndian) { Array($0) } }

    private func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// A discovery socket on `interface` inside namespace `name`, and that interface's MAC.
    private func endpoint(_ name: String, _ interface: String) throws -> (fd: Int32, mac: MACAddress) {
        let entered = pr_enter_netns("/var/run/netns/" + name)
        guard entered == 0 else { throw ValidationError("cannot enter namespace \(name): \(String(cString: strerror(-entered)))") }
        var routes = try RouteSocket()
        let link = try routes.link(named: interface)
        guard let mac = MACAddress(bytes: link.hardwareAddress) else { throw ValidationError("\(interface) has no MAC") }
        let fd = pr_packet_socket_open(link.index, PPPoEEtherType.discovery)
        guard fd >= 0 else { throw ValidationError("packet socket on \(interface): \(String(cString: strerror(-fd)))") }
        var size: Int32 = 1 << 22
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return (fd, mac)
    }
}
