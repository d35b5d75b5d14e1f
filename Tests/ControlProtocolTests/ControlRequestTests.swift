import ControlProtocol
import UserspaceRelay
import XCTest

/// The control socket's one-line requests: every request reads back as itself, and anything
/// else — a near miss, extra words, an MSS out of range, bytes that are not a request — is nil,
/// which the daemon answers with a refusal.
final class ControlRequestTests: XCTestCase {
    func testEveryRequestReadsBackAsItself() {
        let requests: [ControlRequest] = [.status, .sessions, .mssShow, .reload, .endSessions,
                                          .mssSet(.auto), .mssSet(.off), .mssSet(.fixed(536)), .mssSet(.fixed(1452))]
        for request in requests {
            XCTAssertEqual(ControlRequest(line: request.line), request, request.line)
        }
    }

    func testMalformedRequestsAreNotRequests() {
        let malformed = [
            "", " ", "\n", "STATUS", "Status", "statuses", "stat", "status please", "sessions all",
            "mss", "mss show now", "mss set", "mss set 1452 1452", "mss get", "mss sets 1452",
            "mss set 0", "mss set 535", "mss set -1", "mss set 99999", "mss set 0x5ac", "mss set 1452.0",
            "mss set fast", "end sessions", "end-session", "reload\0", "status\u{1b}[2J", "\u{0}",
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
