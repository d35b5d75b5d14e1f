extension UInt64 {
    /// The sum, or `UInt64.max` where it would not fit. Counters are summed for reports (a
    /// session's userspace and kernel counts, the sessions of a metrics scrape): a value that
    /// came large from a journal or a kernel table must give a large total, never a trap that
    /// stops the daemon, nor a wrapped total that looks small.
    @inlinable
    public func saturatingAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

extension Session {
    /// Client → AC, the userspace loop's and the kernel's together.
    public var totalToAC: ForwardedCount {
        ForwardedCount(packets: packetsToAC.saturatingAdding(offloadedToAC.packets),
                       bytes: bytesToAC.saturatingAdding(offloadedToAC.bytes))
    }

    /// AC → client, the userspace loop's and the kernel's together.
    public var totalToClient: ForwardedCount {
        ForwardedCount(packets: packetsToClient.saturatingAdding(offloadedToClient.packets),
                       bytes: bytesToClient.saturatingAdding(offloadedToClient.bytes))
    }
}
