/// What a starting relay made of a journal's sessions: those it carries on, and the PADT for
/// those it cannot, each counted by why.
public struct JournalAdoption: Sendable {
    /// Sessions now in the table, to be installed in a kernel dataplane with it.
    public var adopted: [Session] = []
    /// PADT for the sessions not carried on, to be sent once the sockets can.
    public var padts: [OutgoingFrame] = []
    /// Sessions not carried on (their LAN is no longer configured, the WAN changed, the table
    /// is full, they were away too long, a value was out of bounds): ended with PADT, to each
    /// side whose address and id a PADT can go to.
    public var ended = 0
    /// Sessions listed again with a client or AC side that an adopted session already has:
    /// not adopted, and no PADT on that side, since it would end the live session (the other
    /// side, a session this relay does not carry, gets its PADT as an ended one would).
    public var duplicates = 0
    /// Sessions, ended or duplicates, with a value out of bounds (`SessionJournal.Entry.problem`).
    public var invalid = 0
    /// The first `problemsKept` invalid sessions, one line each, for the log.
    public var problems: [String] = []
    public static let problemsKept = 8

    public init() {}

    /// A journal the relay itself wrote has neither: one that has was written by something else.
    public var journalIsSuspect: Bool { invalid > 0 || duplicates > 0 }
}

extension RelayCore {
    /// Fills the table with the journal's sessions that fit this relay: their LAN is one of
    /// its LANs, the WAN is the same, `outlived` is false (no daemon and no kernel table carried
    /// them for too long), every value is within `SessionJournal`'s bounds, and the table has
    /// room. Times are mapped from the journal's wall clock (`nowWall`) to the monotonic clock
    /// (`nowMonotonic`); with `kernelForwarded` (a previous daemon's kernel table still
    /// forwards) their idle time goes on, else it starts again. The rest get PADT where it
    /// cannot reach a session this relay carries.
    public mutating func adopt(_ journal: SessionJournal, nowWall: Int64, nowMonotonic: Int64,
                               kernelForwarded: Bool, outlived: Bool) -> JournalAdoption {
        var result = JournalAdoption()
        let names = interfaces.map { $0.name }
        let sameWAN = journal.wanInterface == names[0]
        // First every session that can be adopted is, then the rest are ended: a PADT for one
        // listed earlier must not reach a side that a session listed later turns out to have.
        var rest: [(index: Int, session: Session, slot: UInt8?, problem: String?)] = []
        for (index, entry) in journal.entries.enumerated() {
            var session = entry.session
            let slot = names.indices.dropFirst().first { names[$0] == entry.lanInterface }.map { UInt8($0) }
            session.lanSlot = slot ?? 0
            let problem = entry.problem
            if problem == nil, let slot, sameWAN, !outlived {
                session.lanSlot = slot
                session.createdAt = nowMonotonic - Self.secondsSince(entry.startedAt, now: nowWall)
                session.lastActivity = kernelForwarded
                    ? nowMonotonic - Self.secondsSince(entry.lastActivityAt, now: nowWall)
                    // The relay was away, not the session: its idle time starts again.
                    : nowMonotonic
                if adopt(session, labels: entry.labels) {
                    result.adopted.append(session)
                    continue
                }
            }
            rest.append((index, session, slot, problem))
        }
        for (index, session, slot, problem) in rest {
            // A side an adopted session has is that session's: the same session listed twice
            // (or a line that claims one of its ids) must not end it.
            let clientTaken = slot != nil && table.find(client: session.clientKey) != nil
            let acTaken = table.find(ac: session.acKey) != nil
            if clientTaken || acTaken { result.duplicates += 1 } else { result.ended += 1 }
            if let problem {
                result.invalid += 1
                if result.problems.count < JournalAdoption.problemsKept {
                    result.problems.append("session \(index + 1) (client \(session.clientMAC) id "
                        + "\(session.clientSessionID), ac \(session.acMAC) id \(session.acSessionID)): \(problem)")
                }
            }
            result.padts += endUnadopted(session, lanSlot: sameWAN || clientTaken ? nil : slot, toAC: sameWAN && !acTaken,
                                         reason: outlived && problem == nil ? "pppoe-relay: relay away too long"
                                             : "pppoe-relay: session not carried over a restart")
        }
        return result
    }

    /// Seconds from a wall-clock time a journal gave to now, 0 for one that is in the future or
    /// not a time at all (the clock of a router without a battery starts in the past).
    public static func secondsSince(_ then: Int64, now: Int64) -> Int64 {
        guard SessionJournal.isTime(then), SessionJournal.isTime(now), then <= now else { return 0 }
        return now - then
    }

    /// The journal of the sessions in the table as they are now.
    public func journal(nowWall: Int64, nowMonotonic: Int64) -> SessionJournal {
        let names = interfaces.map { $0.name }
        var entries: [SessionJournal.Entry] = []
        entries.reserveCapacity(table.count)
        for slot in table.liveSlots {
            let session = table.session(at: slot).pointee
            entries.append(SessionJournal.Entry(lanInterface: names[Int(session.lanSlot)], session: session,
                                                labels: table.labels(at: slot),
                                                startedAt: Self.journalTime(nowWall - (nowMonotonic - session.createdAt)),
                                                lastActivityAt: Self.journalTime(nowWall - (nowMonotonic - session.lastActivity))))
        }
        return SessionJournal(writtenAt: Self.journalTime(nowWall), wanInterface: names[0], entries: entries)
    }

    /// A wall-clock time within the journal's bounds: a clock set back past a session's start
    /// (a router's clock before NTP) must not make the next daemon refuse the session.
    private static func journalTime(_ seconds: Int64) -> Int64 {
        min(max(0, seconds), SessionJournal.latestTime)
    }
}
