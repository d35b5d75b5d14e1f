import Libc
import PlainText
import UserspaceRelay

/// When and how the daemon writes its journal: after every change to the session table, and
/// every `counterInterval` seconds while session frames move (their counters change without a
/// change to the table; after a crash the userspace dataplane's counts are as of the last write,
/// the kernel's are read from the table it left). Otherwise the journal is only touched once a
/// second, so the next daemon knows how long none ran.
///
/// A write costs time and memory in proportion to the table: about 300 bytes a session, 20 MB
/// and half a second at 65,534 sessions. Done in the loop, that would stop a userspace dataplane
/// forwarding for the half second and leave the daemon's heap 40 MB larger. So a write is made
/// by a forked child, from the copy-on-write snapshot of the table fork gives it: the loop
/// only pays for the fork, and the child's memory goes with it. One child at a time; after a
/// write of d seconds the next waits at least `spacing` × d, so that a mass re-dial of tens of
/// thousands of sessions costs a bounded share of a core rather than one rewrite per discovery
/// batch. With a handful of sessions a write takes a millisecond and follows the change at once.
/// The writes that must be in the file before the daemon goes on (at start, and when stopping
/// for a restart) are made in the loop, after any child finished.
struct JournalWriter {
    static let counterInterval: Double = 1
    static let touchInterval: Double = 1
    static let spacing: Double = 9
    /// After a failed write, the next waits at least this long: a full file system must not
    /// cost a fork every turn of the loop.
    static let retryInterval: Double = 1

    private var writtenGeneration: UInt64?
    /// Session frames counted when the journal was last written: counters are rewritten only
    /// when this moved.
    private var writtenFrames: UInt64 = 0
    private var lastWrite: Double = -.infinity
    private var lastTouch: Double = -.infinity
    private var earliestNext: Double = -.infinity
    /// The child writing now, and what it writes.
    private var child: (pid: pid_t, generation: UInt64, frames: UInt64)?
    /// Whether the last write succeeded, and how many failed.
    private(set) var health = JournalHealth()
    private(set) var writes: UInt64 = 0
    /// Lines for the daemon's log (`takeLogLines`): a first failure, a new reason, a recovery.
    private var logLines: [(isWarning: Bool, text: String)] = []

    /// Writes (or starts a child writing) when the table changed or counters are due and pacing
    /// allows, else touches the journal once a second; true when a write finished or started.
    mutating func writeIfDue(_ directoryFD: Int32, _ engine: borrowing RelayEngine, force: Bool = false) -> Bool {
        reapChild(wait: force)
        let now = MonotonicClock.preciseSeconds()
        let generation = engine.core.table.generation
        let counters = engine.core.counters
        let frames = counters.sessionFramesToAC &+ counters.sessionFramesToClient
            &+ counters.kernelFramesToAC &+ counters.kernelFramesToClient
        if force {
            let error = JournalFile.write(directoryFD, SessionAdoption.journal(of: engine).encoded())
            finished(error?.errno, generation: generation, frames: frames, cost: MonotonicClock.preciseSeconds() - now)
            return true
        }
        let changed = generation != writtenGeneration
        let countersDue = engine.core.table.count > 0 && frames != writtenFrames && now - lastWrite >= Self.counterInterval
        guard child == nil, changed || countersDue, now >= earliestNext else {
            if child == nil, writtenGeneration != nil, now - lastTouch >= Self.touchInterval {
                JournalFile.touch(directoryFD)
                lastTouch = now
            }
            return false
        }
        let pid = fork()
        if pid == 0 {
            // The child: the table as it was at fork, written and renamed into place; nothing
            // else (no logging, no atexit handlers: they belong to the daemon). It lets go of
            // every other descriptor first: a daemon killed while it writes must not leave the
            // runtime directory's lock or the kernel table's owning socket held by its child.
            Self.closeAll(but: directoryFD)
            let error = JournalFile.write(directoryFD, SessionAdoption.journal(of: engine).encoded())
            _exit(error.map { min(max($0.errno, 1), 125) } ?? 0)
        }
        if pid < 0 {
            // No process to spare: write here, as the daemon must keep its journal.
            let error = JournalFile.write(directoryFD, SessionAdoption.journal(of: engine).encoded())
            finished(error?.errno, generation: generation, frames: frames, cost: MonotonicClock.preciseSeconds() - now)
        } else {
            child = (pid, generation, frames)
        }
        return true
    }

    private static func closeAll(but keep: Int32) {
        let limit = Int32(min(sysconf(Int32(_SC_OPEN_MAX)), 1 << 16))
        for fd in 0..<max(limit, keep + 1) where fd != keep { close(fd) }
    }

    /// Waits for a child still writing: before the journal is removed, it must not come back.
    mutating func awaitChild() { reapChild(wait: true) }

    /// Collects a finished child (or, with `wait`, waits for one still writing).
    private mutating func reapChild(wait: Bool) {
        guard let running = child else { return }
        var status: Int32 = 0
        var usage = rusage()
        var reaped: pid_t
        repeat { reaped = wait4(running.pid, &status, wait ? 0 : WNOHANG, &usage) } while reaped < 0 && errno == EINTR
        guard reaped != 0 else { return }
        child = nil
        // Exited 0: written. Exited with an errno: the write failed, the old journal stands.
        // Killed by a signal: the same, said as EINTR.
        let error: Int32? = reaped != running.pid ? ECHILD
            : status & 0x7f != 0 ? EINTR
            : (status >> 8) & 0xff == 0 ? nil : (status >> 8) & 0xff
        // What the child cost is its CPU time, not how long the loop took to notice it ended.
        let cost = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        finished(error, generation: running.generation, frames: running.frames, cost: cost)
    }

    private mutating func finished(_ error: Int32?, generation: UInt64, frames: UInt64, cost: Double) {
        let done = MonotonicClock.preciseSeconds()
        earliestNext = done + Self.spacing * cost
        if let error {
            if let line = health.noteFailed(String(cString: strerror(error))) { logLines.append((true, line)) }
            earliestNext = max(earliestNext, done + Self.retryInterval)
        } else {
            if let line = health.noteWritten() { logLines.append((false, line)) }
            writtenGeneration = generation
            writtenFrames = frames
        }
        lastWrite = done
        lastTouch = done
        writes &+= 1
    }

    /// What the daemon must log about the journal since the last call, oldest first.
    mutating func takeLogLines() -> [(isWarning: Bool, text: String)] {
        defer { logLines.removeAll() }
        return logLines
    }
}
