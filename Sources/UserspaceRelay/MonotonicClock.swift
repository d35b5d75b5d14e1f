#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whole seconds of CLOCK_MONOTONIC_COARSE: read once per batch, cheap enough for that,
/// and immune to wall-clock jumps for idle timeouts and uptimes.
public enum MonotonicClock {
    @inline(__always)
    public static func seconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return Int64(now.tv_sec)
    }
}
