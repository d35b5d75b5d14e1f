import PPPoEWire
import UserspaceRelay

/// What the modem's discovery does with a PADI: the relay's own PADI limits (a token bucket per
/// source MAC, then one for all sources, `--padi-rate` and `--padi-rate-per-client` with the
/// relay's defaults) come before any PADO, so a flood from one host, or from forged ones, gets
/// a bounded number of answers instead of one PADO per PADI.
public struct ModemPADIGate: ~Copyable {
    public enum Answer {
        case offer(DiscoveryPacket)
        /// The source's own bucket was empty.
        case overClientRate
        /// The bucket for all sources together was empty.
        case overOverallRate
        /// No Service-Name the PADI asks for is offered.
        case unknownService
    }

    private var limiter: PADILimiter

    public init(policy: DiscoveryPolicy) {
        // One modem line holds one session: the limiter's smallest source table is plenty.
        limiter = PADILimiter(policy: policy, maxSessions: 1)
    }

    /// The answer to `padi` at `now` (seconds); `minute` dates the PADO's AC-Cookie.
    public mutating func answer(_ padi: DiscoveryPacket, discovery: ModemDiscovery, minute: UInt32, now: Int64) -> Answer {
        switch limiter.admit(padi.source, now: now) {
        case .perClient: return .overClientRate
        case .overall: return .overOverallRate
        case .pass: break
        }
        guard let offer = discovery.offer(for: padi, minute: minute) else { return .unknownService }
        return .offer(offer)
    }
}
