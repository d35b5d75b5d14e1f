import ControlProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UserspaceRelay
import XCTest

/// The control socket's one-line requests: every request reads back as itself, and anything
/// else — a near miss, extra words, an MSS out of range, bytes that are not a request — is nil,
/// which the daemon answers with a refusal.
final class ControlRequestTests: XCTestCase {
    func testEveryRequestReadsBackAsItself() {
        let requests: [ControlRequest] = [.status, .sessions, .mssShow, .reload, .endSessions,
                                          .mssSet(.auto), .mssSet(.off), .mssSet(.fixed(536)), .mssSet(.fixed(1452)),
                                          .keepSessionsOnStop(true), .keepSessionsOnStop(false)]
        for request in requests {
            XCTAssertEqual(ControlRequest(line: request.line), request, request.line)
        }
    }

    func testMalformedRequestsAreNotRequests() {
        let malformed = [
            "", " ", "\n", "STATUS", "Status", "statuses", "stat", "status please", "sessions all",
            "mss", "mss show now", "mss set", "mss set 1452 1452", "mss get", "mss sets 1452",
            "mss set 0", "mss set 535", "mss set -1", "mss set 99999", "mss set 0x5ac", "mss set 1452.0",
            "mss set fast", "end sessions", "end-session", "reload\0",
            "keep-sessions-on-stop", "keep-sessions-on-stop yes", "keep-sessions-on-stop on off", "status\u{1b}[2J", "\u{0}",
            String(repeating: "status ", count: 1000),
        ]
        for line in malformed {
            XCTAssertNil(ControlRequest(line: line), "\(line.debugDescription) was taken for a request")
        }
    }

    func testSpacesBetweenWordsDoNotMatter() {
        // Words are what counts: the daemon trims the line ending before it asks.
        XCTAssertEqual(ControlRequest(line: "mss  show"), .mssShow)
        XCTAssertEqual(ControlRequest(line: " status "), .status)
    }
}

/// Errors keep the errno of the call that failed, beside the sentence for people.
final class DaemonErrorTests: XCTestCase {
    func testASystemCallsFailureKeepsItsErrno() {
        let error = DaemonError.failed("control socket /run/x", errno: ENOENT)
        XCTAssertEqual(error.errno, ENOENT)
        XCTAssertEqual(error.description, "control socket /run/x: No such file or directory")
        XCTAssertNil(DaemonError.failure("no group named x").errno)
        XCTAssertNil(DaemonError.usage("--wan needs an interface name").errno)
    }

    func testAnotherModulesErrorKeepsItsErrnoWhereItHasOne() {
        struct Lower: Error, CustomStringConvertible { var description: String { "bind route socket: EPERM" } }
        XCTAssertEqual(DaemonError.from(Lower(), errno: EPERM, prefix: "cannot query links: "),
                       .systemCall("cannot query links: bind route socket: EPERM", errno: EPERM))
        XCTAssertEqual(DaemonError.from(Lower(), errno: nil), .failure("bind route socket: EPERM"))
    }
}
