/// Whether the daemon's journal is being written, for its log, `relayctl status` and metrics.
/// A journal that cannot be written (a full file system: a router's /tmp is a little RAM; a
/// directory where the file should be) costs nothing until the daemon restarts, and then every
/// session: so the first failure is logged, each new reason, and the recovery.
public struct JournalHealth: Sendable, Equatable {
    /// Why the last write failed; nil while the last write succeeded (or none was made yet).
    public private(set) var failure: String?
    /// Writes that failed since the daemon started.
    public private(set) var failedWrites: UInt64 = 0
    /// Writes that failed in a row, up to the last one.
    private var failedInARow: UInt64 = 0

    public init() {}

    public var isWritable: Bool { failure == nil }

    /// A write that failed for `reason`: the line to log (a warning) when this is the first
    /// failure or another reason than the last, else nil.
    public mutating func noteFailed(_ reason: String) -> String? {
        let changed = reason != failure
        failure = reason
        failedWrites &+= 1
        failedInARow &+= 1
        guard changed else { return nil }
        return "journal not written: \(reason); a restart now would lose the sessions since the last write"
    }

    /// A write that succeeded: the line to log (a notice) when it ends a run of failures.
    public mutating func noteWritten() -> String? {
        guard let failure else { return nil }
        let line = "journal written again after \(failedInARow) failed writes (the last: \(failure))"
        self.failure = nil
        failedInARow = 0
        return line
    }
}
