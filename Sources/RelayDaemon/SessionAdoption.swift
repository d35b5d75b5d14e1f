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
    /// the WAN changed, the table is full, a value out of bounds): ended with PADT.
    var ended = 0
    /// Sessions listed again: neither adopted nor ended (see `JournalAdoption.duplicates`).
    var duplicates = 0
    /// Sessions with a value out of bounds, and the first few of them described for the log.
    var invalid = 0
    var problems: [String] = []
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
    /// and is set aside; so is one with a session out of bounds or listed twice, once read.
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
        // A file time out of bounds (tmpfs keeps whatever utimensat was given) says nothing:
        // the journal's own time stands alone then.
        let lastMark = SessionJournal.isTime(touchedAt) ? max(journal.writtenAt, touchedAt) : journal.writtenAt
        result.awaySeconds = RelayCore.secondsSince(lastMark, now: nowWall)
        // With a previous daemon's table still forwarding, the sessions lived on while no daemon
        // ran, and their idle time is the journal's plus what the table's counters will say.
        // Without one, not a frame crossed while the relay was away: after long enough, their
        // peers' LCP echoes have given up on them, and adopting them would only hold their ids.
        let kernelForwarded = KernelDataplane.orphanExists()
        let outlived = !kernelForwarded && result.awaySeconds ?? 0 > Self.longestSurvivableAbsence
        result.outlived = outlived
        let adoption = engine.core.adopt(journal, nowWall: nowWall, nowMonotonic: MonotonicClock.seconds(),
                                         kernelForwarded: kernelForwarded, outlived: outlived)
        result.sessions = adoption.adopted
        result.ended = adoption.ended
        result.duplicates = adoption.duplicates
        result.invalid = adoption.invalid
        result.problems = adoption.problems
        // Not as this relay writes one: kept aside for whoever wants to look, out of the next
        // daemon's way (the first write of this one replaces it with the sessions it carries).
        if adoption.journalIsSuspect { JournalFile.setAside(directoryFD) }
        engine.sendDiscovery(adoption.padts)
        result.seconds = MonotonicClock.preciseSeconds() - start
        return result
    }

    /// Two minutes: Debian's pppd options end a link after 4 LCP echoes 30 s apart go unanswered,
    /// so a journal that old, with nothing forwarded meanwhile, names sessions whose peers have
    /// given up (and a restart, however slow, takes less).
    static let longestSurvivableAbsence: Int64 = 120

    /// The journal of the sessions in `engine`'s table as they are now.
    static func journal(of engine: borrowing RelayEngine) -> SessionJournal {
        engine.core.journal(nowWall: Int64(time(nil)), nowMonotonic: MonotonicClock.seconds())
    }
}
