import Netlink
import UserspaceRelay

/// Connects the relay engine to the nftables dataplane. A class because the engine keeps it as
/// its `SessionOffload` and calls it at discovery time; the kernel objects live in the
/// `KernelDataplane` it owns, and go when it goes.
public final class KernelSessionOffload: SessionOffload {
    private var dataplane: KernelDataplane
    /// The last refusal, for the daemon's log and status.
    public private(set) var lastError: NetlinkError?

    private let policy: DiscoveryPolicy

    /// The table outlives the daemon (NFT_TABLE_F_PERSIST): sessions keep forwarding while it restarts.
    public let persists: Bool
    /// A previous daemon's table was there and was replaced: its counters as last read.
    public let inheritedCounts: [SessionKey: ForwardedCount]

    /// - Parameter sessions: sessions already in the relay's table (adopted from a previous
    ///   daemon), installed in the same transaction as the table.
    public init(interfaces: [RelayInterface], policy: DiscoveryPolicy = .standard,
                sessions: [Session] = []) throws(NetlinkError) {
        dataplane = try KernelDataplane(interfaces: interfaces, policy: policy, sessions: sessions)
        persists = dataplane.persists
        inheritedCounts = dataplane.inheritedCounts
        self.policy = policy
    }

    public func apply(_ events: [SessionEvent], interfaces: [RelayInterface]) -> Int {
        do throws(NetlinkError) {
            try dataplane.apply(events)
            return 0
        } catch {
            lastError = error
        }
        // The transaction failed whole: one at a time, so one bad session costs only itself.
        var refused = 0
        for event in events {
            do throws(NetlinkError) { try dataplane.apply(event) } catch {
                lastError = error
                if case .created = event { refused += 1 }
            }
        }
        return refused
    }

    public func forwardedCounts() -> [SessionKey: ForwardedCount] {
        do throws(NetlinkError) { return try dataplane.forwardedCounts() } catch {
            lastError = error
            return [:]
        }
    }

    public func forwardedCounts(of sessions: [Session]) -> [SessionKey: ForwardedCount]? {
        do throws(NetlinkError) { return try dataplane.forwardedCounts(of: sessions) } catch {
            lastError = error
            return nil
        }
    }

    /// PADIs the ingress rules dropped since this table was built.
    public func policedPADICounts() -> (perClient: UInt64, overall: UInt64) {
        do throws(NetlinkError) { return try dataplane.policedPADICounts() } catch {
            lastError = error
            return (0, 0)
        }
    }

    /// Builds the whole dataplane again for devices that came back (new ifindex, new MAC) or a
    /// table the kernel lost, with every live session in it. The old table goes first: an owned
    /// table cannot be touched from another socket.
    public func rebuild(interfaces: [RelayInterface], absent: Set<Int>, sessions: [Session]) throws(NetlinkError) {
        try? dataplane.removeAll()
        dataplane = try KernelDataplane(interfaces: interfaces, absent: absent, policy: policy, sessions: sessions)
    }

    /// Removes every kernel object; called on stop.
    public func removeAll() {
        do throws(NetlinkError) { try dataplane.removeAll() } catch { lastError = error }
    }
}
