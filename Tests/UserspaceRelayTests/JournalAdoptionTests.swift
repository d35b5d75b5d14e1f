import PPPoEWire
import UserspaceRelay
import XCTest

/// A journal's sessions taken over by a starting relay: only values a relay could have written
/// are adopted, and nothing a journal says can end a session the relay carries or make it trap.
final class JournalAdoptionTests: XCTestCase {
    let wanMAC = MACAddress("02:00:00:00:00:0a")!
    let lan1MAC = MACAddress("02:00:00:00:00:01")!
    let client = MACAddress("0e:00:00:00:00:c1")!
    let otherClient = MACAddress("0e:00:00:00:00:c2")!
    let ac = MACAddress("0e:00:00:00:00:ac")!
    let now: Int64 = 1_800_000_000

    func makeCore(maxSessions: Int = 16) -> RelayCore {
        RelayCore(interfaces: [
            RelayInterface(name: "wan", index: 10, mac: wanMAC, mtu: 1500, role: .wan),
            RelayInterface(name: "lan1", index: 11, mac: lan1MAC, mtu: 1500, role: .lan),
        ], maxSessions: maxSessions, idleTimeout: 0, instance: 0xCAFE_F00D, policy: .standard)
    }

    func entry(client: MACAddress? = nil, clientID: UInt16 = 7, acID: UInt16 = 0x1234,
               started: Int64? = nil) -> SessionJournal.Entry {
        let session = Session(lanSlot: 0, clientMAC: client ?? self.client, clientSessionID: clientID, acMAC: ac,
                              acSessionID: acID, createdAt: 0, lastActivity: 0)
        return SessionJournal.Entry(lanInterface: "lan1", session: session, labels: SessionLabels(acName: "isp"),
                                    startedAt: started ?? now - 100, lastActivityAt: now - 10)
    }

    /// The journal as a file would give it: encoded, then read back.
    func read(_ entries: [SessionJournal.Entry], writtenAt: Int64? = nil) throws -> SessionJournal {
        try SessionJournal.decode(SessionJournal(writtenAt: writtenAt ?? now, wanInterface: "wan", entries: entries).encoded())
    }

    func adopt(_ core: inout RelayCore, _ journal: SessionJournal) -> JournalAdoption {
        core.adopt(journal, nowWall: now, nowMonotonic: 5_000, kernelForwarded: false, outlived: false)
    }

    func padts(_ adoption: JournalAdoption) -> [(slot: UInt8, packet: DiscoveryPacket)] {
        adoption.padts.map { ($0.slot, try! DiscoveryPacket(parsing: $0.bytes)) }
    }

    func testAValidJournalIsAdoptedWholeAndEndsNothing() throws {
        var core = makeCore()
        let adoption = adopt(&core, try read([entry(), entry(client: otherClient, clientID: 8, acID: 0x1235)]))
        XCTAssertEqual(adoption.adopted.count, 2)
        XCTAssertEqual(core.table.count, 2)
        XCTAssertEqual(adoption.ended, 0)
        XCTAssertTrue(adoption.padts.isEmpty)
        XCTAssertFalse(adoption.journalIsSuspect)
        XCTAssertEqual(adoption.adopted.first?.createdAt, 5_000 - 100)
    }

    /// The same session twice: the first is adopted, the second ignored. No PADT may reach the
    /// AC (or the client) with the live session's ids.
    func testASessionListedTwiceIsAdoptedOnceAndNotEnded() throws {
        var core = makeCore()
        let adoption = adopt(&core, try read([entry(), entry()]))
        XCTAssertEqual(adoption.adopted.count, 1)
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(adoption.duplicates, 1)
        XCTAssertEqual(adoption.ended, 0)
        XCTAssertTrue(adoption.padts.isEmpty, "\(padts(adoption).map { ($0.slot, $0.packet.destination, $0.packet.sessionID) })")
        XCTAssertTrue(adoption.journalIsSuspect)
    }

    /// A line that claims the live session's AC side under another client: the AC side is the
    /// live session's, so no PADT goes there.
    func testALineClaimingALiveSessionsACSideSendsNoPADTToTheAC() throws {
        var core = makeCore()
        let adoption = adopt(&core, try read([entry(), entry(client: otherClient, clientID: 9)]))
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(adoption.duplicates, 1)
        XCTAssertFalse(padts(adoption).contains { $0.slot == 0 && $0.packet.destination == ac && $0.packet.sessionID == 0x1234 })
    }

    /// The line that claims the live session's AC side comes first (on a LAN no longer
    /// configured, so it is not adopted): its PADT must not go out before the session listed
    /// after it turns out to have that side. (Found by fuzz-journal.)
    func testAnEarlierLineDoesNotEndASessionAdoptedAfterIt() throws {
        var gone = entry()
        gone.lanInterface = "lan9"
        var core = makeCore()
        let adoption = adopt(&core, try read([gone, entry()]))
        XCTAssertEqual(core.table.count, 1)
        XCTAssertEqual(adoption.duplicates, 1)
        XCTAssertTrue(adoption.padts.isEmpty, "\(padts(adoption).map { ($0.slot, $0.packet.destination, $0.packet.sessionID) })")
    }

    /// Counters that sum past 2^64 (to_ac near it, kernel_to_ac not zero) passed the checksum
    /// and were adopted; the next `sessions` trapped adding them. They are out of bounds: the
    /// session ends with PADT and is not in the table.
    func testCountersBeyondAnyCountAreEndedNotAdopted() throws {
        var huge = entry()
        huge.session.packetsToAC = UInt64.max - 1
        huge.session.bytesToAC = UInt64.max - 1
        huge.session.offloadedToAC = ForwardedCount(packets: 5, bytes: 500)
        let journal = try read([huge, entry(client: otherClient, clientID: 8, acID: 0x1235)])
        XCTAssertNotNil(journal.entries[0].problem)
        XCTAssertNil(journal.entries[1].problem)
        var core = makeCore()
        let adoption = adopt(&core, journal)
        XCTAssertEqual(adoption.adopted.map { $0.clientSessionID }, [8])
        XCTAssertEqual(adoption.invalid, 1)
        XCTAssertEqual(adoption.ended, 1)
        XCTAssertEqual(adoption.problems.count, 1)
        XCTAssertTrue(adoption.problems[0].contains("to_ac"), adoption.problems[0])
        XCTAssertTrue(padts(adoption).contains { $0.slot == 0 && $0.packet.destination == ac && $0.packet.sessionID == 0x1234 })
        XCTAssertTrue(adoption.journalIsSuspect)
    }

    func testEveryFieldOutOfBoundsIsNamed() {
        var cases: [(String, SessionJournal.Entry)] = []
        var e = entry(); e.session.kernelReadingToClient = ForwardedCount(packets: 1, bytes: SessionJournal.largestCount + 1)
        cases.append(("reading_to_client", e))
        e = entry(started: Int64.min); cases.append(("started", e))
        e = entry(); e.lastActivityAt = SessionJournal.latestTime + 1; cases.append(("active", e))
        e = entry(client: .broadcast); cases.append(("client", e))
        e = entry(); e.session.acMAC = .zero; cases.append(("ac ", e))
        e = entry(); e.lanInterface = String(repeating: "l", count: 16); cases.append(("lan interface", e))
        e = entry(); e.labels.acName = String(repeating: "a", count: SessionJournal.longestLabel + 1); cases.append(("ac_name", e))
        e = entry(clientID: 0xFFFF); cases.append(("client_id", e))
        for (key, entry) in cases {
            XCTAssertTrue(entry.problem?.contains(key) == true, "\(key): \(entry.problem ?? "no problem")")
        }
        XCTAssertNil(entry().problem)
        var largest = entry()
        largest.session.packetsToAC = SessionJournal.largestCount
        largest.session.offloadedToAC = ForwardedCount(packets: SessionJournal.largestCount, bytes: 0)
        XCTAssertNil(largest.problem, "the bound itself is a count")
    }

    /// A PADT never goes to an address no session's peer can have: a group address would end
    /// other hosts' sessions.
    func testAnInvalidAddressGetsNoPADT() throws {
        var core = makeCore()
        var e = entry()
        e.session.acMAC = .broadcast
        let adoption = adopt(&core, try read([e]))
        XCTAssertEqual(adoption.invalid, 1)
        XCTAssertTrue(adoption.padts.isEmpty)
    }

    /// A time out of bounds (`written` of -2^63) trapped the daemon at every start, computing
    /// how long it had been away. The journal is refused whole, as one that cannot be read.
    func testAWrittenTimeOutOfBoundsIsRefused() throws {
        for written in [Int64.min, -1, SessionJournal.latestTime + 1, Int64.max] {
            XCTAssertThrowsError(try read([entry()], writtenAt: written), "\(written)") {
                XCTAssertEqual($0 as? SessionJournal.ReadError, .malformed(line: 2, "written \(written) is not a time"))
            }
        }
        XCTAssertEqual(RelayCore.secondsSince(Int64.min, now: now), 0)
        XCTAssertEqual(RelayCore.secondsSince(now - 5, now: now), 5)
        XCTAssertEqual(RelayCore.secondsSince(now, now: Int64.min), 0)
    }

    /// What the table writes back is a journal every entry of which is valid, and the same
    /// sessions come back from it; a clock set back before a session's start writes 0, not a
    /// time the next daemon would refuse.
    func testTheTablesJournalReadsBackValid() throws {
        var core = makeCore()
        _ = adopt(&core, try read([entry(), entry(client: otherClient, clientID: 8, acID: 0x1235)]))
        let written = core.journal(nowWall: 50, nowMonotonic: 5_000)
        let again = try SessionJournal.decode(written.encoded())
        XCTAssertEqual(again.entries.count, 2)
        for entry in again.entries { XCTAssertNil(entry.problem) }
        XCTAssertEqual(again.entries.map { $0.startedAt }, [0, 0])
    }

    func testReportSumsSaturateInsteadOfTrapping() {
        var session = entry().session
        session.packetsToAC = .max - 1
        session.offloadedToAC = ForwardedCount(packets: 5, bytes: 7)
        session.bytesToClient = 10
        session.offloadedToClient = ForwardedCount(packets: 0, bytes: 5)
        XCTAssertEqual(session.totalToAC, ForwardedCount(packets: .max, bytes: 7))
        XCTAssertEqual(session.totalToClient, ForwardedCount(packets: 0, bytes: 15))
        XCTAssertEqual(UInt64.max.saturatingAdding(.max), .max)
    }

    func testJournalHealthSaysTheFirstFailureEachNewReasonAndTheRecovery() {
        var health = JournalHealth()
        XCTAssertTrue(health.isWritable)
        XCTAssertNil(health.noteWritten(), "a success after successes says nothing")
        let first = health.noteFailed("No space left on device")
        XCTAssertTrue(first?.contains("journal not written: No space left on device") == true, first ?? "nil")
        XCTAssertFalse(health.isWritable)
        XCTAssertNil(health.noteFailed("No space left on device"), "the same reason again says nothing")
        XCTAssertNotNil(health.noteFailed("Is a directory"))
        XCTAssertEqual(health.failedWrites, 3)
        XCTAssertEqual(health.failure, "Is a directory")
        let recovered = health.noteWritten()
        XCTAssertTrue(recovered?.contains("journal written again after 3 failed writes") == true, recovered ?? "nil")
        XCTAssertTrue(health.isWritable)
        XCTAssertNil(health.failure)
        XCTAssertEqual(health.failedWrites, 3, "failures since start stay counted")
        XCTAssertNotNil(health.noteFailed("No space left on device"), "a failure after a recovery is said again")
    }
}
