import ArgumentParsing
import CShim
import Libc
import PPPoEWire

/// `pppoe-bench discovery-flood`: discovery frames from many made-up source MACs, as fast as one
/// core sends them — the PADI flood a hostile LAN host makes, or forged PADOs/PADS from the WAN.
/// Every frame is built up front; the loop only calls sendmmsg. Prints what the kernel took.
struct DiscoveryFlood: BenchCommand {
    enum Code: String, ArgumentValue {
        case padi, pado, pads

        init(argument text: String) throws(ArgumentValueError) {
            guard let code = Code(rawValue: text) else { throw .invalid }
            self = code
        }
    }

    static let defaultMACs = 50_000
    static let defaultSeconds = 15.0

    static let command = CommandDescription(
        name: "discovery-flood",
        abstract: "Flood PPPoE discovery frames (PADI, or forged PADO/PADS) from many random source MACs.",
        arguments: [
            .option("iface", help: "Interface to send on.", required: true),
            .option("code", as: Code.self, help: "padi (broadcast), or pado/pads (to --destination).",
                    defaultValue: Code.padi.rawValue),
            .option("destination", help: "Destination MAC for pado/pads (the relay's WAN MAC)."),
            .option("macs", as: Int.self, help: "Distinct random source MACs, cycled through.", defaultValue: "\(defaultMACs)"),
            .option("name-length", as: Int.self,
                    help: "Bytes of AC-Name in each frame (a long tag costs a relay that stores it).", defaultValue: "0"),
            .option("seconds", as: Double.self, help: "Seconds to send for.", defaultValue: "\(defaultSeconds)"),
            .option("rate", as: Int.self, help: "Frames per second at most; 0 = as fast as the core sends.", defaultValue: "0"),
            .option("tag-prefix",
                    help: "Hex bytes that start every forged Relay-Session-Id (a relay's instance, seen in its PADIs)."),
        ])

    var iface: String
    var code: Code
    var destination: String?
    var macs: Int
    var nameLength: Int
    var seconds: Double
    var rate: Int
    var tagPrefix: String

    init(parsing values: ParsedValues) throws(UsageError) {
        iface = try values.required("iface")
        code = try values.value("code", as: Code.self) ?? .padi
        destination = values.string("destination")
        macs = try values.value("macs", as: Int.self) ?? Self.defaultMACs
        nameLength = try values.value("name-length", as: Int.self) ?? 0
        seconds = try values.value("seconds", as: Double.self) ?? Self.defaultSeconds
        rate = try values.value("rate", as: Int.self) ?? 0
        tagPrefix = values.string("tag-prefix") ?? ""
    }

    private var prefixBytes: [UInt8] {
        stride(from: 0, to: tagPrefix.count - 1, by: 2).compactMap { offset in
            let start = tagPrefix.index(tagPrefix.startIndex, offsetBy: offset)
            return UInt8(tagPrefix[start...tagPrefix.index(after: start)], radix: 16)
        }
    }

    func validate() throws(UsageError) {
        guard (1...1_000_000).contains(macs) else { throw UsageError("--macs must be 1 to 1000000") }
        guard (0...1400).contains(nameLength) else { throw UsageError("--name-length must be 0 to 1400") }
        guard seconds > 0 else { throw UsageError("--seconds must be positive") }
        guard rate >= 0 else { throw UsageError("--rate must be 0 or more") }
        guard tagPrefix.count % 2 == 0, tagPrefix.count <= 24, prefixBytes.count * 2 == tagPrefix.count else {
            throw UsageError("--tag-prefix must be up to 12 bytes of hex")
        }
        if code != .padi {
            guard let destination, MACAddress(destination) != nil else {
                throw UsageError("--destination MAC is required for \(code.rawValue)")
            }
        }
    }

    func run() throws {
        let index = if_nametoindex(iface)
        guard index > 0 else { throw BenchError("no such interface: \(iface)") }
        let fd = pr_packet_socket_open(Int32(index), PPPoEEtherType.discovery)
        guard fd >= 0 else { throw BenchError("packet socket on \(iface): \(String(cString: strerror(-fd)))") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(SOL_PACKET), PACKET_QDISC_BYPASS, &one, socklen_t(MemoryLayout<Int32>.size))

        let target = code == .padi ? MACAddress.broadcast : MACAddress(destination!)!
        let frames = (0..<macs).map { n in frame(number: n, to: target) }
        let size = frames.map(\.count).max()!
        let storage = UnsafeMutableRawPointer.allocate(byteCount: macs * size, alignment: 64)
        let messages = UnsafeMutablePointer<pr_mmsghdr>.allocate(capacity: macs)
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: macs)
        defer { storage.deallocate(); messages.deallocate(); vectors.deallocate() }
        for (i, bytes) in frames.enumerated() {
            let slot = storage + i * size
            bytes.withUnsafeBytes { slot.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            pr_mmsg_init(messages, vectors, UInt32(i), slot, bytes.count)
        }

        let batch = 256
        var sent = 0, next = 0
        let start = Self.now()
        let end = start + seconds
        var now = start
        repeat {
            let count = min(batch, macs - next)
            let n = pr_sendmmsg(fd, messages + next, UInt32(count))
            if n > 0 {
                sent += Int(n)
                next = (next + Int(n)) % macs
            } else if n == -EAGAIN || n == -ENOBUFS {
                sched_yield()
            }
            now = Self.now()
            if rate > 0, Double(sent) > (now - start) * Double(rate) {
                usleep(UInt32(max(1000.0, (Double(sent) / Double(rate) - (now - start)) * 1e6)))
                now = Self.now()
            }
        } while now < end
        print("{\"sent\": \(sent), \"seconds\": \(now - start), \"macs\": \(macs)}")
    }

    /// One frame: a locally administered unicast source, a Host-Uniq of its own, and for
    /// PADO/PADS a Relay-Session-Id of random bytes (no relay made it).
    private func frame(number: Int, to target: MACAddress) -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let source = MACAddress(value: (0x02 << 40) | (random.next() & 0x00FF_FFFF_FFFF))
        let discoveryCode: DiscoveryCode = switch code {
        case .padi: .padi
        case .pado: .pado
        case .pads: .pads
        }
        var tags = [Tag(.serviceName), Tag(.hostUniq, withUnsafeBytes(of: UInt64(number).bigEndian, Array.init))]
        if nameLength > 0 { tags.append(Tag(.acName, [UInt8](repeating: 0x41, count: nameLength))) }
        if code != .padi {
            let prefix = prefixBytes
            tags.append(Tag(.relaySessionID, prefix + (prefix.count..<12).map { _ in UInt8.random(in: 0...255) }))
        }
        let sessionID: UInt16 = code == .pads ? UInt16.random(in: 1...0xFFFE) : 0
        return DiscoveryPacket(destination: target, source: source, code: discoveryCode, sessionID: sessionID,
                               tags: tags).serialized()
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
