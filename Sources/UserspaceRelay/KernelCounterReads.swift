/// When the relay reads a kernel dataplane's per-session counters, and which.
///
/// The counters feed three things: the idle timeout, a closing session's log line and the
/// reports (`status`, `sessions`, `metrics`). None needs every counter every second, and at a
/// full table (65,534 sessions, 131,068 map elements) reading every counter each second would
/// cost the daemon a steady share of a core. So the relay reads by key, and only:
/// - once a second, the sessions that look idle for the timeout from what was last read (their
///   `lastActivity` is `idleTimeout` old or older): a session the kernel carried traffic for is
///   found busy and stamped, and is not read again for another `idleTimeout`; a session that
///   really is idle ends. Each session is read about once per timeout, and not at all with no
///   timeout. A session is ended only on a reading taken at the start of its sweep (which, for
///   a whole table fallen idle, works through it in slices over a few seconds), and no sweep
///   runs in a second whose reading failed.
/// - when sessions end: those sessions, for their final counts;
/// - before a report: every session (the one reading whose cost follows the table, and only
///   when somebody asks).
extension RelayEngine {
    /// Once a second, before the idle sweep; false when the kernel could not be read, and the
    /// sweep must wait for a reading.
    mutating func readIdleCandidates() -> Bool {
        guard let offload else { return true }
        let now = MonotonicClock.seconds()
        let candidates = core.idleCandidates(now: now)
        guard !candidates.isEmpty else { return true }
        let sessions = candidates.map { core.table.session(at: $0).pointee }
        guard let counts = offload.forwardedCounts(of: sessions) else { return false }
        core.applyForwardedCounts(counts, now: now, slots: candidates)
        return true
    }

    /// Reads every session's kernel counters into the session table: before a report, so that
    /// it is current.
    public mutating func refreshForwardedCounts() {
        guard let offload, core.table.count > 0 else { return }
        let slots = core.table.liveSlots
        let sessions = slots.map { core.table.session(at: $0).pointee }
        core.applyForwardedCounts(offload.forwardedCounts(of: sessions) ?? [:], now: MonotonicClock.seconds(), slots: slots)
    }
}

extension RelayCore {
    /// Sessions idle for the timeout as far as the relay knows: with a kernel dataplane, the
    /// ones whose counters must be read before the sweep may end them. None without a timeout.
    public func idleCandidates(now: Int64) -> [Int32] {
        guard idleTimeout > 0 else { return [] }
        return table.liveSlots.filter { now - table.session(at: $0).pointee.lastActivity >= idleTimeout }
    }
}
