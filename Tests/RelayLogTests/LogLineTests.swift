import PPPoEWire
import RelayLog
import UserspaceRelay
import XCTest

/// The text of log lines: syslog framing, one line whatever the wire sent, session lines.
final class LogLineTests: XCTestCase {
    func testSyslogLinesCarryFacilityDaemonSeverityTagAndPID() {
        XCTAssertEqual(LogLineFormat.syslog("session opened", level: .info, pid: 42), "<30>pppoe-relay[42]: session opened")
        XCTAssertEqual(LogLineFormat.syslog("x", level: .notice, pid: 1), "<29>pppoe-relay[1]: x")
        XCTAssertEqual(LogLineFormat.syslog("x", level: .warning, pid: 1), "<28>pppoe-relay[1]: x")
        XCTAssertEqual(LogLineFormat.syslog("x", level: .error, pid: 1), "<27>pppoe-relay[1]: x")
        XCTAssertEqual(LogLineFormat.syslog("x", level: .debug, pid: 1), "<31>pppoe-relay[1]: x")
    }

    func testStandardErrorLinesHaveTheJournalPrefixOnlyWhenAsked() {
        XCTAssertEqual(LogLineFormat.standardError("stopped", level: .info, levelPrefix: false), "stopped\n")
        XCTAssertEqual(LogLineFormat.standardError("stopped", level: .warning, levelPrefix: true), "<4>stopped\n")
    }

    func testAMessageIsAlwaysOneLineOfVisibleText() {
        let line = LogLineFormat.syslog("AC-Name evil\nsession opened: forged\u{1b}[2J\u{202e}", level: .info, pid: 7)
        XCTAssertEqual(line, "<30>pppoe-relay[7]: AC-Name evil\\nsession opened: forged\\e[2J\\u{202e}")
        let long = LogLineFormat.sanitized(String(repeating: "é", count: 2000))
        XCTAssertLessThanOrEqual(long.utf8.count, LogLineFormat.messageLimit)
        XCTAssertTrue(long.hasSuffix("..."))
    }

    func record(_ kind: SessionRecord.Kind, acName: String = "isp-ac", serviceName: String = "internet") -> SessionRecord {
        var session = Session(lanSlot: 1, clientMAC: MACAddress("0e:00:00:00:00:c1")!, clientSessionID: 17,
                              acMAC: MACAddress("0e:00:00:00:00:ac")!, acSessionID: 4660, createdAt: 1000, lastActivity: 1000)
        session.packetsToAC = 10
        session.bytesToAC = 1000
        session.offloadedToAC = ForwardedCount(packets: 5, bytes: 500)
        session.packetsToClient = 20
        session.bytesToClient = 3000
        return SessionRecord(kind: kind, session: session, labels: SessionLabels(acName: acName, serviceName: serviceName),
                             at: 1063)
    }

    func testSessionLines() {
        let names = ["eth1", "br-lan"]
        XCTAssertEqual(SessionLogText.line(record(.opened), interfaces: names),
                       "session opened: client 0e:00:00:00:00:c1 on br-lan session 17, AC 0e:00:00:00:00:ac on eth1 "
                       + "session 4660, AC-Name \"isp-ac\", Service-Name \"internet\"")
        XCTAssertEqual(SessionLogText.line(record(.closed(.idleTimeout)), interfaces: names),
                       "session closed (idle timeout): client 0e:00:00:00:00:c1 on br-lan session 17, AC 0e:00:00:00:00:ac "
                       + "on eth1 session 4660, AC-Name \"isp-ac\", Service-Name \"internet\", duration 63 s, "
                       + "1500 bytes in 15 packets to AC, 3000 bytes in 20 packets to client")
        var refused = record(.refused(.tableFull))
        refused.session.clientSessionID = 0
        XCTAssertEqual(SessionLogText.line(refused, interfaces: names),
                       "session refused (table full): client 0e:00:00:00:00:c1 on br-lan, AC 0e:00:00:00:00:ac on eth1 "
                       + "session 4660, AC-Name \"isp-ac\", Service-Name \"internet\"")
    }

    /// A hostile AC names itself so as to end the field and forge a second line: it stays in
    /// its quotes, on its line.
    func testHostileNamesStayInsideTheirField() {
        let line = SessionLogText.line(record(.opened, acName: "x\", Service-Name \"y\n<30>pppoe-relay[1]: session closed",
                                              serviceName: "\u{9b}31m"),
                                       interfaces: ["eth1", "lan\u{1b}"])
        XCTAssertEqual(line, "session opened: client 0e:00:00:00:00:c1 on lan\\e session 17, AC 0e:00:00:00:00:ac on eth1 "
                       + "session 4660, AC-Name \"x\\\", Service-Name \\\"y\\n<30>pppoe-relay[1]: session closed\", "
                       + "Service-Name \"\\u{9b}31m\"")
        XCTAssertFalse(line.contains("\n"))
    }
}
