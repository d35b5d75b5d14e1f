import PPPoEWire
import UserspaceRelay
import XCTest

/// Which sessions' kernel counters the relay reads once a second: the ones that look idle for
/// the timeout, and no others. The work is counted (sessions to read), not timed: with a table
/// that carries traffic it must not grow with the table from one second to the next.
extension RelayCoreTests {
    /// `count` sessions set up at t=100 on LAN 1, AC session ids 1...
    func fill(_ core: inout RelayCore, count: Int) -> [Session] {
        for n in 0..<count {
            establish(&core, client: MACAddress(value: 0x0E00_0001_0000 | UInt64(n)), lanSlot: 1,
                      acSession: UInt16(n + 1), now: 100)
        }
        XCTAssertEqual(core.table.count, count)
        return core.table.liveSlots.map { core.table.session(at: $0).pointee }
    }

    /// Sessions read in the seconds after set-up, until the timeout: none, whatever the table holds.
    func readsBeforeTheTimeout(sessions: Int) -> Int {
        var core = makeCore(maxSessions: sessions, idleTimeout: 600)
        _ = fill(&core, count: sessions)
        return (101..<700).reduce(0) { $0 + core.idleCandidates(now: Int64($1)).count }
    }

    func testNothingIsReadBeforeASessionCouldHaveReachedItsTimeoutWhateverTheTableHolds() {
        XCTAssertEqual(readsBeforeTheTimeout(sessions: 10), 0)
        XCTAssertEqual(readsBeforeTheTimeout(sessions: 2000), 0)
    }

    func testWithoutATimeoutNothingIsEverRead() {
        var core = makeCore(maxSessions: 100, idleTimeout: 0)
        _ = fill(&core, count: 100)
        for now in stride(from: Int64(101), to: 100_000, by: 997) {
            XCTAssertTrue(core.idleCandidates(now: now).isEmpty, "t=\(now)")
        }
    }

    /// At the timeout every session is read once; the busy half is found busy and stays (and is
    /// not read again for another timeout), the idle half ends.
    func testCandidatesAreReadOnceAndOnlyTheIdleOnesEnd() throws {
        var core = makeCore(maxSessions: 400, idleTimeout: 600)
        let sessions = fill(&core, count: 400)
        let candidates = core.idleCandidates(now: 700)
        XCTAssertEqual(candidates.count, 400)
        // The kernel forwarded frames for the even-numbered sessions.
        var counts: [SessionKey: ForwardedCount] = [:]
        for session in sessions where session.acSessionID % 2 == 0 {
            counts[session.clientKey] = ForwardedCount(packets: 7, bytes: 700)
        }
        core.applyForwardedCounts(counts, now: 700, slots: candidates)
        XCTAssertEqual(core.expireIdle(now: 700).count, 2 * 200, "a PADT to each side of each idle session")
        XCTAssertEqual(core.table.count, 200)
        XCTAssertTrue(core.table.liveSlots.allSatisfy { core.table.session(at: $0).pointee.acSessionID % 2 == 0 })
        XCTAssertEqual((701..<1300).reduce(0) { $0 + core.idleCandidates(now: Int64($1)).count }, 0,
                       "a session found busy is not read again before another timeout")
        XCTAssertEqual(core.idleCandidates(now: 1300).count, 200)
    }
}

extension RelayCoreTests {
    /// A table that falls idle at once ends in slices, each at most the limit, until none is due.
    func testIdleSessionsEndInSlicesOfTheLimit() {
        var core = makeCore(maxSessions: 300, idleTimeout: 30)
        _ = fill(&core, count: 300)
        var slices: [Int] = []
        repeat {
            slices.append(core.expireIdle(now: 130, limit: 128).count / 2)
        } while core.expiryPending
        XCTAssertEqual(slices, [128, 128, 44])
        XCTAssertEqual(core.table.count, 0)
        XCTAssertTrue(core.expireIdle(now: 131, limit: 128).isEmpty)
        XCTAssertFalse(core.expiryPending)
    }
}
