import PPPoEWire
@testable import UserspaceRelay
import XCTest

final class SessionJournalTests: XCTestCase {
    private func sample() -> SessionJournal {
        var session = Session(lanSlot: 1, clientMAC: MACAddress(2, 0, 0, 0, 0, 1), clientSessionID: 7,
                              acMAC: MACAddress(2, 0, 0, 0, 0, 0xAC), acSessionID: 0x1234, createdAt: 0, lastActivity: 0)
        session.packetsToAC = 10
        session.bytesToAC = 1000
        session.packetsToClient = 11
        session.bytesToClient = 1100
        session.offloadedToAC = ForwardedCount(packets: 5, bytes: 500)
        session.offloadedToClient = ForwardedCount(packets: 6, bytes: 600)
        session.kernelReadingToAC = ForwardedCount(packets: 2, bytes: 200)
        session.kernelReadingToClient = ForwardedCount(packets: 3, bytes: 300)
        session.mssIPv4 = 1452
        session.mssIPv6 = 1432
        // Names from the wire: spaces, newlines, escapes and non-ASCII must survive unchanged.
        let labels = SessionLabels(acName: "AC one\nline \u{1b}[31m é", serviceName: "isp", maxPayload: 1500)
        let other = Session(lanSlot: 2, clientMAC: MACAddress(2, 0, 0, 0, 0, 2), clientSessionID: 9,
                            acMAC: MACAddress(2, 0, 0, 0, 0, 0xAC), acSessionID: 0x1235, createdAt: 0, lastActivity: 0)
        return SessionJournal(writtenAt: 1_800_000_000, wanInterface: "wan 0", entries: [
            .init(lanInterface: "lan0", session: session, labels: labels, startedAt: 1_799_999_000, lastActivityAt: 1_799_999_990),
            .init(lanInterface: "lan1", session: other, labels: SessionLabels(), startedAt: 1_799_999_500, lastActivityAt: 1_799_999_500),
        ])
    }

    /// What the decoder gives back has no lan slot: the slot is the adopting daemon's business.
    private func withoutSlots(_ journal: SessionJournal) -> SessionJournal {
        var copy = journal
        for i in copy.entries.indices { copy.entries[i].session.lanSlot = 0 }
        return copy
    }

    func testRoundTripKeepsEveryField() throws {
        let journal = sample()
        XCTAssertEqual(try SessionJournal.decode(journal.encoded()), withoutSlots(journal))
    }

    func testEmptyJournalRoundTrips() throws {
        let journal = SessionJournal(writtenAt: 5, wanInterface: "eth1", entries: [])
        XCTAssertEqual(try SessionJournal.decode(journal.encoded()), journal)
    }

    /// An older journal has fewer keys per session: they take their defaults. (Written by hand
    /// with only the keys every version has, and its own checksum.)
    func testAJournalWithOnlyTheOldestKeysIsRead() throws {
        var body = "pppoe-relay journal 1\nwritten 100\nwan 77616e30\n"
        body += "session lan=6c616e30 client=02:00:00:00:00:01 client_id=7 ac=02:00:00:00:00:ac ac_id=9 started=90\n"
        let bytes = Array(body.utf8)
        let text = body + "end 1 \(String(SessionJournal.checksum(bytes), radix: 16))\n"
        let journal = try SessionJournal.decode(Array(text.utf8))
        XCTAssertEqual(journal.wanInterface, "wan0")
        XCTAssertEqual(journal.entries.count, 1)
        let entry = try XCTUnwrap(journal.entries.first)
        XCTAssertEqual(entry.lanInterface, "lan0")
        XCTAssertEqual(entry.session.acSessionID, 9)
        XCTAssertEqual(entry.lastActivityAt, 90)
        XCTAssertEqual(entry.session.packetsToAC, 0)
        XCTAssertEqual(entry.labels, SessionLabels())
    }

    func testANewerFormatIsRefusedSayingSo() {
        var bytes = sample().encoded()
        let header = Array("pppoe-relay journal 1".utf8)
        bytes.replaceSubrange(0..<header.count, with: Array("pppoe-relay journal 2".utf8))
        XCTAssertThrowsError(try SessionJournal.decode(bytes)) { error in
            XCTAssertEqual(error as? SessionJournal.ReadError, .newerVersion(2))
            XCTAssertTrue("\(error)".contains("newer than this relay reads"), "\(error)")
        }
    }

    func testATruncatedJournalIsRefusedAtEveryLength() {
        let bytes = sample().encoded()
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try SessionJournal.decode(Array(bytes[..<length])), "length \(length)")
        }
    }

    func testAnyChangedByteIsRefused() {
        let bytes = sample().encoded()
        let end = bytes.count - Array("end 2 ".utf8).count - 17
        for offset in stride(from: 0, to: end, by: 3) {
            var corrupt = bytes
            corrupt[offset] ^= 0x01
            XCTAssertThrowsError(try SessionJournal.decode(corrupt), "byte \(offset)")
        }
    }

    func testGarbageIsNotAJournal() {
        XCTAssertThrowsError(try SessionJournal.decode(Array("hello\n".utf8))) {
            XCTAssertEqual($0 as? SessionJournal.ReadError, .notAJournal)
        }
        XCTAssertThrowsError(try SessionJournal.decode([0xFF, 0xFE, 0x0A])) {
            XCTAssertEqual($0 as? SessionJournal.ReadError, .notAJournal)
        }
    }

    /// A journal in which only the end line's count is wrong (its checksum recomputed, so it
    /// holds): refused for the count, not for anything else.
    func testAnEndLineThatLiesAboutTheCountIsRefused() {
        var body = "pppoe-relay journal 1\nwritten 100\nwan 77616e30\n"
        body += "session lan=6c616e30 client=02:00:00:00:00:01 client_id=7 ac=02:00:00:00:00:ac ac_id=9 started=90\n"
        let sum = String(SessionJournal.checksum(Array(body.utf8)), radix: 16)
        XCTAssertNoThrow(try SessionJournal.decode(Array((body + "end 1 \(sum)\n").utf8)), "the honest count is read")
        for count in [0, 2] {
            XCTAssertThrowsError(try SessionJournal.decode(Array((body + "end \(count) \(sum)\n").utf8))) {
                XCTAssertEqual($0 as? SessionJournal.ReadError,
                               .malformed(line: 5, "end line counts \(count) sessions, found 1"))
            }
        }
    }

    func testAReservedSessionIDIsRefusedThoughTheChecksumHolds() {
        var body = "pppoe-relay journal 1\nwritten 100\nwan 77616e30\n"
        body += "session lan=6c616e30 client=02:00:00:00:00:01 client_id=0 ac=02:00:00:00:00:ac ac_id=9 started=90\n"
        let text = body + "end 1 \(String(SessionJournal.checksum(Array(body.utf8)), radix: 16))\n"
        XCTAssertThrowsError(try SessionJournal.decode(Array(text.utf8))) {
            XCTAssertEqual($0 as? SessionJournal.ReadError, .malformed(line: 4, "bad or missing client_id"))
        }
    }
}
