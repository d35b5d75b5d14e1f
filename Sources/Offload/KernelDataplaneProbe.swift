/// Why the kernel (nftables) dataplane can or cannot carry sessions on this machine.
///
/// The nftables offload is not built yet, so the probe answers honestly that it is
/// unavailable; `auto` then chooses the userspace loop and `kernel` is refused with this reason.
public enum KernelDataplaneProbe {
    public enum Verdict: Equatable, Sendable {
        case available
        case unavailable(reason: String)
    }

    public static func probe() -> Verdict {
        .unavailable(reason: "the nftables dataplane is not part of this build yet")
    }
}
