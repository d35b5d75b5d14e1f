#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RelayLog
import XCTest

/// The destination rule, and lines reaching a stand-in /dev/log.
final class LogOutputTests: XCTestCase {
    func testDestinationFollowsWhatStartedTheDaemon() {
        let systemd = LogDestination.automatic(environment: ["INVOCATION_ID": "abc", "JOURNAL_STREAM": "8:123"],
                                               standardErrorIsTerminal: false, systemLogExists: true)
        XCTAssertEqual(systemd, .standardError(levelPrefix: true))
        XCTAssertEqual(LogDestination.automatic(environment: [:], standardErrorIsTerminal: true, systemLogExists: true),
                       .standardError(levelPrefix: false), "a terminal")
        XCTAssertEqual(LogDestination.automatic(environment: [:], standardErrorIsTerminal: false, systemLogExists: true),
                       .syslog(socket: "/dev/log"), "procd, a detached enable")
        XCTAssertEqual(LogDestination.automatic(environment: [:], standardErrorIsTerminal: false, systemLogExists: false),
                       .standardError(levelPrefix: false), "no system log")
    }

    func testArguments() {
        XCTAssertEqual(LogDestination(argument: "syslog"), .syslog(socket: "/dev/log"))
        XCTAssertEqual(LogDestination(argument: "syslog:/tmp/x.sock"), .syslog(socket: "/tmp/x.sock"))
        XCTAssertNotNil(LogDestination(argument: "stderr"))
        for bad in ["", "syslog:", "journal", "SYSLOG"] { XCTAssertNil(LogDestination(argument: bad), bad) }
    }

    /// A datagram socket standing in for /dev/log: bound, read with a deadline.
    final class StandInSystemLog {
        let path: String
        let fd: Int32

        init(path: String? = nil) throws {
            let temporary = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            self.path = path ?? "\(temporary)/relaylog-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(self.path.utf8) + [0])
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else { throw XCTSkip("cannot bind a datagram socket at \(self.path)") }
        }

        deinit {
            close(fd)
            unlink(path)
        }

        func receive(timeoutMilliseconds: Int32 = 2000) -> String? {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, timeoutMilliseconds) == 1 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
        }
    }

    func testLinesReachTheSystemLogSocket() throws {
        let standIn = try StandInSystemLog()
        let logger = Logger.relay(to: .syslog(socket: standIn.path), verbose: false)
        logger.info("session opened: evil\nforged")
        logger.debug("not without --verbose")
        logger.warning("dataplane userspace (fallback)")
        XCTAssertEqual(standIn.receive(), "<30>pppoe-relay[\(getpid())]: session opened: evil\\nforged")
        XCTAssertEqual(standIn.receive(), "<28>pppoe-relay[\(getpid())]: dataplane userspace (fallback)")
        XCTAssertNil(standIn.receive(timeoutMilliseconds: 100))
    }

    /// logd or rsyslog restarted: the socket file is new, the old connection dead. The next
    /// line connects again and gets through.
    func testAReplacedSystemLogIsConnectedAgain() throws {
        var standIn: StandInSystemLog? = try StandInSystemLog()
        let path = standIn!.path
        let output = LogOutput(destination: .syslog(socket: path))
        output.write("first", level: .info)
        XCTAssertEqual(standIn?.receive(), "<30>pppoe-relay[\(getpid())]: first")
        standIn = nil
        standIn = try StandInSystemLog(path: path)
        output.write("second", level: .info)
        XCTAssertEqual(standIn?.receive(), "<30>pppoe-relay[\(getpid())]: second")
    }
}
