import Netlink
import UserspaceRelay

/// Connects the relay engine to the nftables dataplane. A class because the engine keeps it as
/// its `SessionOffload` and calls it at discovery time; the kernel objects live in the
/// `KernelDataplane` it owns, and go when it goes.
public final class KernelSessionOffload: SessionOffload {
    private var dataplane: KernelDataplane
    /// The last refusal, for the daemon's log and status.
    public private(set) var lastError: NetlinkError?
    public private(set) var installFailures: UInt64 = 0

    public init(interfaces: [RelayInterface]) throws(NetlinkError) {
        dataplane = try KernelDataplane(interfaces: interfaces)
    }

    public func apply(_ event: SessionEvent, interfaces: [RelayInterface]) -> Bool {
        do throws(NetlinkError) {
            try dataplane.apply(event)
            return true
        } catch {
            lastError = error
            if case .created = event { installFailures += 1 }
            return false
        }
    }

    public func forwardedCounts() -> [SessionKey: ForwardedCount] {
        do throws(NetlinkError) { return try dataplane.forwardedCounts() } catch {
            lastError = error
            return [:]
        }
    }

    /// Removes every kernel object; called on stop.
    public func removeAll() {
        do throws(NetlinkError) { try dataplane.removeAll() } catch { lastError = error }
    }
}
