/// The idle timeout in slices. A whole table can fall idle in one second (clients that went
/// away together: a power cut, an AC restart); ending 65,534 sessions at once (PADTs, records,
/// log lines) holds the loop for most of a second, and a userspace dataplane forwards nothing
/// meanwhile, its rings holding two milliseconds of frames. So one pass ends at most
/// `expirySlice` sessions, and the daemon runs the next pass after the loop has serviced the
/// sockets again.
extension RelayEngine {
    /// Sessions ended per pass when this loop forwards: about a millisecond of work.
    public static let expiryBatch = 128
    /// Sessions ended per pass when the kernel forwards: each pass removes its sessions in one
    /// nf_tables transaction, whose commit costs milliseconds whatever its size, and the loop
    /// only carries SYNs meanwhile.
    public static let kernelExpiryBatch = 4096

    var expirySlice: Int { offload == nil ? Self.expiryBatch : Self.kernelExpiryBatch }

    /// Idle sessions are still due from the last pass: the daemon should poll without waiting
    /// and call `continueExpiry`.
    public var expiryPending: Bool { core.expiryPending }

    /// The next slice of the idle timeout, if one is due.
    public mutating func continueExpiry() {
        guard core.expiryPending else { return }
        send(core.expireIdle(now: MonotonicClock.seconds(), limit: expirySlice))
    }
}
