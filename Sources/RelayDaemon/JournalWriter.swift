#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UserspaceRelay

/// When the daemon writes its journal: after every change to the session table, and every
/// `counterInterval` seconds while session frames move (their counters change without a change
/// to the table; after a crash the userspace dataplane's counts are as of the last write, the
/// kernel's are read from the table it left). Otherwise the journal is only touched once a
/// second, so the next daemon knows how long none ran.
///
/// A write costs time in proportion to the table (about 300 bytes a session, 20 MB and a few
/// hundred milliseconds at 65,534 sessions), taken from the loop that forwards: after a write of
/// d seconds, the next waits at least `spacing` × d (writes take at most a tenth of the loop's
/// time), so that a mass re-dial of tens of thousands of sessions costs the loop a bounded share
/// of its time rather than one whole rewrite per discovery batch. With a handful of sessions a
/// write takes microseconds and follows the change at once. A full table with no traffic is not
/// rewritten at all: refreshing counters that did not move would cost up to a tenth of a core.
struct JournalWriter {
    static let counterInterval: Double = 1
    static let touchInterval: Double = 1
    static let spacing: Double = 9

    private var writtenGeneration: UInt64?
    /// Session frames counted when the journal was last written: counters are rewritten only
    /// when this moved.
    private var writtenFrames: UInt64 = 0
    private var lastWrite: Double = -.infinity
    private var lastTouch: Double = -.infinity
    private var earliestNext: Double = -.infinity
    /// Why the last write failed, logged once per new reason.
    private(set) var failure: String?
    private(set) var writes: UInt64 = 0

    /// Writes when the table changed (or counters are due) and pacing allows, else touches the
    /// journal once a second; true when it wrote.
    mutating func writeIfDue(_ directoryFD: Int32, _ engine: borrowing RelayEngine, force: Bool = false) -> Bool {
        let now = Self.seconds()
        let generation = engine.core.table.generation
        let changed = generation != writtenGeneration
        let counters = engine.core.counters
        let frames = counters.sessionFramesToAC &+ counters.sessionFramesToClient
            &+ counters.kernelFramesToAC &+ counters.kernelFramesToClient
        let countersDue = engine.core.table.count > 0 && frames != writtenFrames && now - lastWrite >= Self.counterInterval
        guard force || ((changed || countersDue) && now >= earliestNext) else {
            if writtenGeneration != nil && now - lastTouch >= Self.touchInterval {
                JournalFile.touch(directoryFD)
                lastTouch = now
            }
            return false
        }
        let bytes = SessionAdoption.journal(of: engine).encoded()
        if JournalFile.write(directoryFD, bytes) {
            failure = nil
            writtenGeneration = generation
            writtenFrames = frames
        } else {
            failure = String(cString: strerror(errno))
        }
        let done = Self.seconds()
        lastWrite = done
        lastTouch = done
        earliestNext = done + Self.spacing * (done - now)
        writes &+= 1
        return true
    }

    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
