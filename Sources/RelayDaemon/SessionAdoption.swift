import Libc
import Offload
import PPPoEWire
import UserspaceRelay

/// What a starting daemon made of the journal a previous daemon of this directory left: the
/// sessions it carries on, those it ended, how long nobody relayed discovery.
struct SessionAdoption: Sendable {
    /// Sessions now in the table, to be installed in the kernel dataplane with it.
    var sessions: [Session] = []
    /// Sessions of the journal this daemon cannot carry (their LAN is no longer configured,
    /// the WAN changed, the table is full): ended with PADT.
    var ended = 0
    /// Seconds from the journal's last mark (its writer touches it once a second) to this start:
    /// how long no daemon ran, at most a second too long after a crash.
    var awaySeconds: Int64?
    /// The journal's sessions were all ended: no daemon and no kernel table carried them for
    /// longer than `longestSurvivableAbsence`.
    var outlived = false
    /// Why the journal was not read, when it was not (also logged).
    var problem: String?
    /// Seconds taken to read the journal and fill the table.
    var seconds = 0.0

    /// Reads the journal in `directoryFD` and fills the engine's table with what still fits this
    /// configuration. A journal that cannot be read ends nothing (its sessions cannot be named)
    /// and is set aside.
    static func adopt(from directoryFD: Int32, into engine: inout RelayEngine) -> SessionAdoption {
        let start = MonotonicClock.preciseSeconds()
        var result = SessionAdoption()
        let bytes: [UInt8]
        let touchedAt: Int64
        switch JournalFile.read(directoryFD) {
        case .none: return result
        case let .refused(reason):
            result.problem = reason
            return result
        case let .bytes(read, touched):
            bytes = read
            touchedAt = touched
        }
        let journal: SessionJournal
        do throws(SessionJournal.ReadError) { journal = try SessionJournal.decode(bytes) } catch {
            result.problem = error.description
            JournalFile.setAside(directoryFD)
            return result
        }
        let nowWall = Int64(time(nil))
        let nowMonotonic = MonotonicClock.seconds()
        result.awaySeconds = max(0, nowWall - max(journal.writtenAt, touchedAt))
        let names = engine.core.interfaces.map { $0.name }
        let sameWAN = journal.wanInterface == names[0]
        // With a previous daemon's table still forwarding, the sessions lived on while no daemon
        // ran, and their idle time is the journal's plus what the table's counters will say.
        // Without one, not a frame crossed while the relay was away: after long enough, their
        // peers' LCP echoes have given up on them, and adopting them would only hold their ids.
        let kernelForwarded = KernelDataplane.orphanExists()
        let outlived = !kernelForwarded && result.awaySeconds ?? 0 > Self.longestSurvivableAbsence
        result.outlived = outlived
        var padts: [OutgoingFrame] = []
        for entry in journal.entries {
            let slot = names.indices.dropFirst().first { names[$0] == entry.lanInterface }.map { UInt8($0) }
            var session = entry.session
            if let slot, sameWAN, !outlived {
                session.lanSlot = slot
                session.createdAt = nowMonotonic - Self.secondsSince(entry.startedAt, now: nowWall)
                session.lastActivity = kernelForwarded
                    ? nowMonotonic - Self.secondsSince(entry.lastActivityAt, now: nowWall)
                    // The relay was away, not the session: its idle time starts again.
                    : nowMonotonic
                if engine.core.adopt(session, labels: entry.labels) {
                    result.sessions.append(session)
                    continue
                }
            }
            result.ended += 1
            padts += engine.core.endUnadopted(session, lanSlot: sameWAN ? nil : slot, toAC: sameWAN,
                                              reason: outlived ? "pppoe-relay: relay away too long"
                                                  : "pppoe-relay: session not carried over a restart")
        }
        engine.sendDiscovery(padts)
        result.seconds = MonotonicClock.preciseSeconds() - start
        return result
    }

    /// Two minutes: Debian's pppd options end a link after 4 LCP echoes 30 s apart go unanswered,
    /// so a journal that old, with nothing forwarded meanwhile, names sessions whose peers have
    /// given up (and a restart, however slow, takes less).
    static let longestSurvivableAbsence: Int64 = 120

    /// Seconds from a wall-clock time the journal gave to now, 0 for one that is in the future
    /// or not a time at all (the journal is the relay's own, but an arithmetic trap at start
    /// would become a crash loop under a supervisor).
    static func secondsSince(_ then: Int64, now: Int64) -> Int64 {
        guard then >= 0, then <= now else { return 0 }
        return now - then
    }

    /// The journal of the sessions in `engine`'s table as they are now.
    static func journal(of engine: borrowing RelayEngine) -> SessionJournal {
        let nowWall = Int64(time(nil))
        let nowMonotonic = MonotonicClock.seconds()
        let names = engine.core.interfaces.map { $0.name }
        var entries: [SessionJournal.Entry] = []
        entries.reserveCapacity(engine.core.table.count)
        for slot in engine.core.table.liveSlots {
            let session = engine.core.table.session(at: slot).pointee
            entries.append(SessionJournal.Entry(lanInterface: names[Int(session.lanSlot)], session: session,
                                        labels: engine.core.table.labels(at: slot),
                                        startedAt: nowWall - (nowMonotonic - session.createdAt),
                                        lastActivityAt: nowWall - (nowMonotonic - session.lastActivity)))
        }
        return SessionJournal(writtenAt: nowWall, wanInterface: names[0], entries: entries)
    }
}
