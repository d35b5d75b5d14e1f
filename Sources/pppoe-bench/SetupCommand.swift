import ArgumentParsing
import CShim
import Libc
import Netlink
import PPPoEWire

/// `pppoe-bench setup`: how many sessions per second a relay sets up. One process plays both
/// ends: `count` clients (made-up MACs) on one side and an access concentrator on the other,
/// each with a packet socket opened inside its own network namespace, so neither end is the
/// bottleneck the relay is measured against.
///
/// The access concentrator gives client number n session id n % 65534 + 1, always the same for
/// the same client: one AC MAC has 65,534 usable ids (RFC 2516 reserves 0 and 0xFFFF), so a full
/// table of 65,534 sessions needs every one of them, and a retransmitted PADR must not use up a
/// second id that a later client then finds taken.
struct Setup: BenchCommand {
    static let defaultCount = 10000
    static let defaultSeconds = 60.0
    static let defaultWindow = 2048

    static let command = CommandDescription(
        name: "setup",
        abstract: "Set up sessions through a relay as fast as it takes them; prints established and seconds.",
        arguments: [
            .option("client-namespace", help: "Network namespace of the clients.", required: true),
            .option("client-interface", help: "Client-side interface.", required: true),
            .option("ac-namespace", help: "Network namespace of the access concentrator.", required: true),
            .option("ac-interface", help: "Access-concentrator-side interface.", required: true),
            .option("count", as: Int.self, help: "Sessions to set up.", defaultValue: "\(defaultCount)"),
            .option("offset", as: Int.self, help: "First client number (client MACs are 02:51:00:xx:xx:xx).", defaultValue: "0"),
            .option("seconds", as: Double.self, help: "Give up after this many seconds.", defaultValue: "\(defaultSeconds)"),
            .option("window", as: Int.self,
                    help: "Clients in discovery at once, at most (a power cut's worth of CPEs, paced so the relay's sockets do not overflow).",
                    defaultValue: "\(defaultWindow)"),
            .option("sessions-out",
                    help: "Write the sessions set up here, 'relay-lan-mac client-mac session-id' per line (for `flood`)."),
        ])

    var clientNamespace: String
    var clientInterface: String
    var acNamespace: String
    var acInterface: String
    var count: Int
    var offset: Int
    var seconds: Double
    var window: Int
    var sessionsOut: String?

    init(parsing values: ParsedValues) throws(UsageError) {
        clientNamespace = try values.required("client-namespace")
        clientInterface = try values.required("client-interface")
        acNamespace = try values.required("ac-namespace")
        acInterface = try values.required("ac-interface")
        count = try values.value("count", as: Int.self) ?? Self.defaultCount
        offset = try values.value("offset", as: Int.self) ?? 0
        seconds = try values.value("seconds", as: Double.self) ?? Self.defaultSeconds
        window = try values.value("window", as: Int.self) ?? Self.defaultWindow
        sessionsOut = values.string("sessions-out")
    }

    func validate() throws(UsageError) {
        guard (1...65534).contains(count) else { throw UsageError("--count must be 1 to 65534") }
        guard offset >= 0, offset + count <= 0xFFFF_FFFF else { throw UsageError("--offset out of range") }
        guard seconds > 0 else { throw UsageError("--seconds must be positive") }
        guard window > 0 else { throw UsageError("--window must be positive") }
    }

    func run() throws {
        let ac = try endpoint(acNamespace, acInterface)
        let client = try endpoint(clientNamespace, clientInterface)
        defer { close(ac.fd); close(client.fd) }

        let clientMAC = { (i: Int) in MACAddress(value: 0x0251_0000_0000 | UInt64(i)) }
        /// When each client in discovery next retransmits, and how many times it has sent.
        var due = [Double](repeating: 0, count: count)
        var tries = [Int](repeating: 0, count: count)
        var request = [[UInt8]?](repeating: nil, count: count)
        var established = [Bool](repeating: false, count: count)
        /// Per established client: the relay's LAN MAC and the client-side session id it gave.
        var relayed = [(MACAddress, UInt16)?](repeating: nil, count: count)
        /// Clients in discovery now (at most `window`), and where each sits in that list.
        var inFlight: [Int] = []
        var position = [Int](repeating: -1, count: count)
        var started = 0
        var done = 0
        /// Sessions established by the end of each whole second since the start.
        var bySecond: [Int] = []
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        let start = now()

        func padi(_ i: Int) -> [UInt8] {
            DiscoveryPacket(destination: .broadcast, source: clientMAC(offset + i), code: .padi,
                            tags: [Tag(.serviceName), Tag(.hostUniq, index(i))]).serialized()
        }
        func transmit(_ frame: [UInt8], for i: Int, at time: Double) {
            _ = frame.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, 0) }
            // A real client backs off: 1, 2, 4 s, then every 4 s.
            due[i] = time + Double(1 << min(tries[i], 2))
            tries[i] += 1
        }

        while done < count && now() - start < seconds {
            let turn = now()
            while Double(bySecond.count + 1) <= turn - start { bySecond.append(done) }
            // Retransmissions: a PADR unanswered twice starts discovery again with a PADI.
            for i in inFlight where turn >= due[i] {
                if request[i] != nil && tries[i] >= 2 {
                    request[i] = nil
                    tries[i] = 0
                }
                transmit(request[i] ?? padi(i), for: i, at: turn)
            }
            // New clients, up to 256 a turn, while fewer than `window` are in discovery.
            var fresh = 0
            while started < count && inFlight.count < window && fresh < 256 {
                position[started] = inFlight.count
                inFlight.append(started)
                transmit(padi(started), for: started, at: turn)
                started += 1
                fresh += 1
            }

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
                    // The client's number rides in its Host-Uniq, which the relay hands back unchanged.
                    guard let number = packet.tag(.hostUniq).flatMap(clientNumber) else { continue }
                    answer = DiscoveryPacket(destination: packet.source, source: ac.mac, code: .pads,
                                             sessionID: UInt16(number % 0xFFFE + 1), tags: [Tag(.serviceName)] + echoed)
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
                    tries[i] = 0
                    transmit(padr, for: i, at: now())
                case .pads where packet.sessionID != 0 && !established[i]:
                    established[i] = true
                    relayed[i] = (packet.source, packet.sessionID)
                    done += 1
                    // Out of the in-flight list: the last one takes its place.
                    let at = position[i], last = inFlight.removeLast()
                    if last != i {
                        inFlight[at] = last
                        position[last] = at
                    }
                default: break
                }
            }
        }
        let took = now() - start
        if let sessionsOut {
            var text = ""
            for i in 0..<count {
                guard let (relayMAC, sessionID) = relayed[i] else { continue }
                text += "\(relayMAC) \(clientMAC(offset + i)) \(sessionID)\n"
            }
            guard let file = fopen(sessionsOut, "w") else { throw BenchError("cannot write \(sessionsOut)") }
            fputs(text, file)
            fclose(file)
        }
        print("{\"established\": \(done), \"seconds\": \(took), \"by_second\": [\(bySecond.map(String.init).joined(separator: ", "))]}")

        func clientIndex(_ mac: MACAddress) -> Int? {
            let i = Int(mac.value & 0xFFFF_FFFF) - offset
            return mac.value >> 32 == 0x0251 && i >= 0 && i < count ? i : nil
        }
    }

    /// Host-Uniq: the client's number (offset included), four bytes big-endian.
    private func index(_ i: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(offset + i).bigEndian) { Array($0) } }

    private func clientNumber(_ tag: Tag) -> Int? {
        guard tag.value.count == 4 else { return nil }
        return tag.value.reduce(0) { $0 << 8 | Int($1) }
    }

    private func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// A discovery socket on `interface` inside namespace `name`, and that interface's MAC.
    private func endpoint(_ name: String, _ interface: String) throws -> (fd: Int32, mac: MACAddress) {
        let entered = pr_enter_netns("/var/run/netns/" + name)
        guard entered == 0 else { throw BenchError("cannot enter namespace \(name): \(String(cString: strerror(-entered)))") }
        var routes = try RouteSocket()
        let link = try routes.link(named: interface)
        guard let mac = MACAddress(bytes: link.hardwareAddress) else { throw BenchError("\(interface) has no MAC") }
        let fd = pr_packet_socket_open(link.index, PPPoEEtherType.discovery)
        guard fd >= 0 else { throw BenchError("packet socket on \(interface): \(String(cString: strerror(-fd)))") }
        var size: Int32 = 1 << 22
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return (fd, mac)
    }
}
