import ArgumentParsing
import CShim
import Foundation
import Libc
import PPPoEWire

/// `pppoe-bench flood`: the benchmark's traffic generator. Sends PPPoE session frames for a set
/// of sessions as fast as one core can (one prebuilt batch, sendmmsg), and reports how many the
/// kernel took and the CPU time that cost (the benchmark's send-floor row: the least a relay that
/// sends through AF_PACKET can spend per frame). Delivery is measured elsewhere, from the
/// receiving device's counters.
struct Flood: BenchCommand {
    static let defaultSize = 60
    static let defaultSeconds = 5.0

    static let command = CommandDescription(
        name: "flood",
        abstract: "Flood PPPoE session frames for the sessions listed in a file (destination MAC, source MAC, session id per line).",
        arguments: [
            .option("iface", help: "Interface to send on.", required: true),
            .option("sessions", help: "File of sessions: 'dst-mac src-mac session-id' per line.", required: true),
            .option("size", as: Int.self, help: "Bytes per frame handed to the socket (60 is a minimal 64-byte Ethernet frame).",
                    defaultValue: "\(defaultSize)"),
            .option("seconds", as: Double.self, help: "Seconds to send for.", defaultValue: "\(defaultSeconds)"),
        ])

    var iface: String
    var sessions: String
    var size: Int
    var seconds: Double

    init(parsing values: ParsedValues) throws(UsageError) {
        iface = try values.required("iface")
        sessions = try values.required("sessions")
        size = try values.value("size", as: Int.self) ?? Self.defaultSize
        seconds = try values.value("seconds", as: Double.self) ?? Self.defaultSeconds
    }

    func validate() throws(UsageError) {
        guard (24...2000).contains(size) else { throw UsageError("--size must be 24 to 2000") }
        guard seconds > 0 else { throw UsageError("--seconds must be positive") }
    }

    func run() throws {
        let lines = try String(contentsOfFile: sessions, encoding: .utf8).split(separator: "\n")
        let flows: [(MACAddress, MACAddress, UInt16)] = lines.compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, let dst = MACAddress(String(words[0])), let src = MACAddress(String(words[1])),
                  let id = UInt16(words[2]) else { return nil }
            return (dst, src, id)
        }
        guard !flows.isEmpty else { throw BenchError("no sessions in \(sessions)") }
        let index = if_nametoindex(iface)
        guard index > 0 else { throw BenchError("no such interface: \(iface)") }
        let fd = pr_packet_socket_open(Int32(index), PPPoEEtherType.session)
        guard fd >= 0 else { throw BenchError("packet socket on \(iface): \(String(cString: strerror(-fd)))") }
        var one: Int32 = 1
        // Straight to the driver: the generator should measure the relay, not the qdisc.
        setsockopt(fd, Int32(SOL_PACKET), PACKET_QDISC_BYPASS, &one, socklen_t(MemoryLayout<Int32>.size))

        let batch = 256
        let storage = UnsafeMutableRawPointer.allocate(byteCount: batch * size, alignment: 64)
        let messages = UnsafeMutablePointer<pr_mmsghdr>.allocate(capacity: batch)
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: batch)
        for i in 0..<batch {
            let frame = storage + i * size
            frame.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            writeHeader(frame, flows[i % flows.count])
            pr_mmsg_init(messages, vectors, UInt32(i), frame, size)
        }

        // More sessions than frames in the batch: before each call the batch's headers are
        // written for the next `batch` sessions, so every session gets its share of frames.
        let spread = flows.count > batch
        var next = 0
        var sent = 0
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let end = Double(start.tv_sec) + Double(start.tv_nsec) / 1e9 + seconds
        repeat {
            for _ in 0..<16 {
                if spread {
                    for i in 0..<batch { writeHeader(storage + i * size, flows[(next + i) % flows.count]) }
                    next = (next + batch) % flows.count
                }
                let n = pr_sendmmsg(fd, messages, UInt32(batch))
                if n > 0 { sent += Int(n) } else if n == -EAGAIN || n == -ENOBUFS { sched_yield() }
            }
            clock_gettime(CLOCK_MONOTONIC, &now)
        } while Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 < end
        let elapsed = Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        print("{\"sent\": \(sent), \"seconds\": \(elapsed), \"cpu_seconds\": \(cpu), \"sessions\": \(flows.count)}")
        close(fd)
    }

    /// Ethernet and PPPoE headers of one session frame (the PPP protocol says IPv4; the payload is zeros).
    private func writeHeader(_ frame: UnsafeMutableRawPointer, _ flow: (MACAddress, MACAddress, UInt16)) {
        let (dst, src, id) = flow
        dst.write(to: frame, at: 0)
        src.write(to: frame, at: 6)
        let length = UInt16(size - 20)
        let words: (UInt32, UInt32, UInt16) = (UInt32(0x8864_1100).bigEndian,
                                               (UInt32(id) << 16 | UInt32(length)).bigEndian, UInt16(0x0021).bigEndian)
        frame.storeBytes(of: words.0, toByteOffset: 12, as: UInt32.self)
        frame.storeBytes(of: words.1, toByteOffset: 16, as: UInt32.self)
        frame.storeBytes(of: words.2, toByteOffset: 20, as: UInt16.self)
    }
}
