import PPPoEWire
import UserspaceRelay
import XCTest

/// What the core records for the daemon's log: every session opened and closed with why,
/// how long and how much, and every refusal.
extension RelayCoreTests {
    func closedReasons(_ records: [SessionRecord]) -> [SessionEndReason] {
        records.compactMap { if case let .closed(reason) = $0.kind { reason } else { nil } }
    }

    func testClosedSessionsCarryReasonDurationAndBytes() throws {
        var core = makeCore(idleTimeout: 30)
        establish(&core, client: client1, lanSlot: 1, acSession: 4, now: 100)
        establish(&core, client: client2, lanSlot: 2, acSession: 5, hostUniq: [9], now: 100)
        var toAC = sessionFrame(from: client1, to: lan1MAC, session: 4)
        XCTAssertNotNil(forward(&core, &toAC, slot: 1, now: 110))
        let opened = core.takeSessionRecords()
        XCTAssertEqual(opened.map(\.kind), [.opened, .opened])
        XCTAssertEqual(opened[0].labels.acName, "AC")
        XCTAssertEqual(opened[0].labels.serviceName, "isp")

        _ = feed(&core, discovery(.padt, from: client1, to: lan1MAC, session: 4, tags: []), slot: 1, now: 142)
        _ = feed(&core, discovery(.padt, from: ac, to: wanMAC, session: 5, tags: []), slot: 0, now: 143)
        let closed = core.takeSessionRecords()
        XCTAssertEqual(closedReasons(closed), [.padtFromClient, .padtFromAC])
        XCTAssertEqual(closed[0].duration, 42)
        XCTAssertEqual(closed[0].toAC, ForwardedCount(packets: 1, bytes: UInt64(toAC.count)))
        XCTAssertEqual(closed[0].toClient, ForwardedCount(packets: 0, bytes: 0))
        XCTAssertEqual(closed[0].session.clientMAC, client1)
        XCTAssertEqual(closed[0].labels.acName, "AC", "labels outlive the table slot")
        XCTAssertTrue(core.takeSessionRecords().isEmpty, "taken once")
    }

    func testEveryWayASessionEndsHasItsReason() {
        var core = makeCore(idleTimeout: 30)
        establish(&core, client: client1, lanSlot: 1, acSession: 1, now: 100)
        _ = core.expireIdle(now: 130)
        establish(&core, client: client1, lanSlot: 1, acSession: 2, now: 200)
        _ = core.endSessions(onSlot: 1, reason: "gone", now: 201)
        establish(&core, client: client1, lanSlot: 1, acSession: 3, now: 300)
        _ = core.terminateAll(reason: "wan", cause: .wanDown, now: 301)
        establish(&core, client: client1, lanSlot: 1, acSession: 4, now: 400)
        _ = core.terminateAll(reason: "stop", now: 401)
        XCTAssertEqual(closedReasons(core.takeSessionRecords()), [.idleTimeout, .deviceGone, .wanDown, .relayStopped])
    }

    func testATableFullRefusalIsRecorded() {
        var core = makeCore(maxSessions: 1)
        establish(&core, client: client1, lanSlot: 1, acSession: 1)
        establish(&core, client: client2, lanSlot: 2, acSession: 2, hostUniq: [9])
        let records = core.takeSessionRecords()
        XCTAssertEqual(records.map(\.kind), [.opened, .refused(.tableFull)])
        XCTAssertEqual(records[1].session.clientMAC, client2)
        XCTAssertEqual(records[1].session.acSessionID, 2)
    }

    /// The kernel's counters read just before it removes a session are added to its record:
    /// what it forwarded since the last once-a-second reading is not lost from the log.
    func testKernelCountsAreSettledIntoClosedRecords() {
        var core = makeCore()
        establish(&core, client: client1, lanSlot: 1, acSession: 4)
        let session = core.table.session(at: core.table.liveSlots[0]).pointee
        core.applyForwardedCounts([session.clientKey: ForwardedCount(packets: 5, bytes: 300)], now: 101)
        _ = core.terminateAll(reason: "stop")
        core.settleClosedRecords([session.clientKey: ForwardedCount(packets: 7, bytes: 420),
                                  session.acKey: ForwardedCount(packets: 2, bytes: 100)])
        // Settled once: a second reading does not count the same frames again.
        core.settleClosedRecords([session.clientKey: ForwardedCount(packets: 9, bytes: 999)])
        let closed = core.takeSessionRecords().last!
        XCTAssertEqual(closed.toAC, ForwardedCount(packets: 7, bytes: 420))
        XCTAssertEqual(closed.toClient, ForwardedCount(packets: 2, bytes: 100))
    }

    func testDiscoveryDecisionsAreNotedOnlyWhenAsked() {
        var quiet = makeCore()
        establish(&quiet, client: client1, lanSlot: 1, acSession: 1)
        XCTAssertTrue(quiet.takeDiscoveryNotes().isEmpty)

        var verbose = makeCore()
        verbose.notesDiscovery = true
        establish(&verbose, client: client1, lanSlot: 1, acSession: 1)
        let notes = verbose.takeDiscoveryNotes()
        XCTAssertEqual(notes.count, 3, "\(notes)")
        XCTAssertTrue(notes[0].hasPrefix("PADI from 0e:00:00:00:00:c1 on lan1 relayed to every AC on wan"), notes[0])
        XCTAssertTrue(notes[1].contains("PADO from AC 0e:00:00:00:00:ac (AC-Name \"AC\") relayed to 0e:00:00:00:00:c1 on lan1"),
                      notes[1])
        XCTAssertTrue(notes[2].hasPrefix("PADR from 0e:00:00:00:00:c1 on lan1 relayed to AC 0e:00:00:00:00:ac"), notes[2])
    }
}
