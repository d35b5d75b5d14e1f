import Libc

/// Whole seconds of CLOCK_MONOTONIC_COARSE: read once per batch, cheap enough for that,
/// and immune to wall-clock jumps for idle timeouts and uptimes.
public enum MonotonicClock {
    @inline(__always)
    public static func seconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return Int64(now.tv_sec)
    }

    /// CLOCK_MONOTONIC to the nanosecond, in seconds: for measuring what takes less than a
    /// second (a journal write, an adoption, a monitor's interval), not for the per-batch clock.
    public static func preciseSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// CLOCK_MONOTONIC in milliseconds: chat timeouts and hang-up pauses are shorter than a second.
    public static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
