import Libc
import PPPoEWire

/// Rate limits on PADI, checked before a frame is even parsed: a token bucket per source MAC,
/// then one for all sources together.
///
/// The per-source bucket is charged first, also for a PADI the overall bucket then refuses: a
/// made-up MAC spends its burst within a second of a flood and is held to the per-minute rate
/// after that, while a real client's first PADI finds its own bucket full. So a flood from up
/// to `padiPerSecond × 60 / padiPerClientPerMinute` MACs leaves room for real clients; beyond
/// that, new clients and the flood share the overall rate (a MAC seen once cannot be told from
/// a real client).
///
/// Sources live in an 8-way set-associative table of fixed size, sixteen entries per session
/// the relay may hold, between 8,192 and 131,072 (2 MiB; the default 5,000 sessions get the
/// most): a MAC not in its set replaces the entry seen longest ago, so memory never grows and a
/// lookup is at most eight compares. Eight ways keep a flood of 50,000 MACs from overflowing a
/// set (four ways overflowed a quarter of them, and each overflow handed a MAC a fresh burst).
/// The table is zero pages until a flood touches it.
public struct PADILimiter: ~Copyable {
    static let ways = 8
    static let entriesPerSession = 16
    static let minimumSets = 1024
    static let maximumSets = 16_384
    /// Tokens are counted in thousandths so that a per-minute rate refills in whole seconds.
    private static let scale: Int64 = 1000

    private struct Entry {
        /// The MAC's 48 bits, or 0 for an empty entry (a zero source never gets this far).
        var mac: UInt64
        var milliTokens: Int32
        var lastSeen: Int32
    }

    public enum Verdict: Equatable, Sendable { case pass, perClient, overall }

    private let entries: UnsafeMutablePointer<Entry>?
    private let sets: Int
    private let perClientRefill: Int64
    private let perClientBurst: Int64
    private let overallRate: Int64
    private var overallTokens: Int64
    /// When the overall bucket was last filled; nil before the first PADI.
    private var overallUpdated: Int64?

    public init(policy: DiscoveryPolicy, maxSessions: Int) {
        var sets = Self.minimumSets
        while sets < Self.maximumSets && sets * Self.ways < maxSessions * Self.entriesPerSession { sets *= 2 }
        self.sets = sets
        perClientRefill = Int64(max(policy.padiPerClientPerMinute, 0)) * Self.scale / 60
        perClientBurst = Int64(max(policy.padiPerClientBurst, 1)) * Self.scale
        overallRate = Int64(max(policy.padiPerSecond, 0))
        overallTokens = overallRate
        entries = policy.padiPerClientPerMinute > 0
            ? calloc(sets * Self.ways, MemoryLayout<Entry>.stride)?.assumingMemoryBound(to: Entry.self)
            : nil
    }

    deinit { free(entries) }

    /// Whether a PADI from `source` at `now` (seconds) may go on; charges the buckets it passes.
    public mutating func admit(_ source: MACAddress, now: Int64) -> Verdict {
        if let entries, !admitPerClient(source.value, now: now, entries) { return .perClient }
        guard overallRate > 0 else { return .pass }
        if let updated = overallUpdated, now > updated {
            // Seconds beyond one refill nothing more: the bucket holds one second's worth.
            overallTokens = min(overallRate, overallTokens + min(now - updated, 1) * overallRate)
        }
        overallUpdated = now
        guard overallTokens > 0 else { return .overall }
        overallTokens -= 1
        return .pass
    }

    private func admitPerClient(_ mac: UInt64, now: Int64, _ entries: UnsafeMutablePointer<Entry>) -> Bool {
        var hasher = Hasher()
        hasher.combine(mac)
        let set = entries + (hasher.finalize() & (sets - 1)) * Self.ways
        let stamp = Int32(truncatingIfNeeded: now)
        var victim = 0
        for way in 0..<Self.ways {
            if set[way].mac == mac {
                let elapsed = Int64(max(stamp &- set[way].lastSeen, 0))
                var tokens = min(perClientBurst, Int64(set[way].milliTokens) + elapsed * perClientRefill)
                set[way].lastSeen = stamp
                guard tokens >= Self.scale else {
                    set[way].milliTokens = Int32(tokens)
                    return false
                }
                tokens -= Self.scale
                set[way].milliTokens = Int32(tokens)
                return true
            }
            if set[way].mac == 0 || (set[victim].mac != 0 && set[way].lastSeen &- set[victim].lastSeen < 0) {
                victim = way
            }
        }
        set[victim] = Entry(mac: mac, milliTokens: Int32(perClientBurst - Self.scale), lastSeen: stamp)
        return true
    }
}
