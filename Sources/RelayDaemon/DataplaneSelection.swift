import Libc
import ControlProtocol
import Netlink
import Offload
import UserspaceRelay

/// Which dataplane runs, and the sentence `status` gives for it.
struct DataplaneSelection {
    var name: String
    var reason: String
    var offload: KernelSessionOffload?

    /// Trying the kernel dataplane means installing it: what the kernel refuses is the reason
    /// `auto` falls back to userspace and `kernel` fails.
    static func choose(_ requested: RelayConfiguration.Dataplane,
                       interfaces: [RelayInterface], policy: DiscoveryPolicy,
                       sessions: [Session] = []) throws(DaemonError) -> DataplaneSelection {
        if requested == .userspace {
            return DataplaneSelection(name: "userspace", reason: "requested with --dataplane userspace", offload: nil)
        }
        // A relay that falls back to userspace beside another one's kernel dataplane would answer
        // the same clients twice: a second relay is refused, by name.
        if let other = try? KernelDataplane.owningRelay() {
            throw .failure("another relay runs in this network namespace"
                + (other > 0 ? " (pid \(other))" : "") + ": it holds nftables table netdev \(KernelDataplane.tableName)")
        }
        do {
            let offload = try KernelSessionOffload(interfaces: interfaces, policy: policy, sessions: sessions)
            return DataplaneSelection(
                name: "kernel",
                reason: "nftables table netdev \(KernelDataplane.tableName) forwards sessions at device ingress",
                offload: offload)
        } catch {
            // The transaction creates every table, set and chain its rules name, so ENOENT on a
            // rule is an expression the kernel could not find: `fwd`, from nft_fwd_netdev.
            let hint = error.errno == ENOENT && error.operation.hasPrefix("add rule")
                ? " (an nftables expression is missing: fwd needs kernel module nft_fwd_netdev)" : ""
            if requested == .kernel {
                throw .systemCall("kernel dataplane unavailable: \(error)\(hint); use --dataplane userspace or auto",
                                  errno: error.errno)
            }
            return DataplaneSelection(name: "userspace", reason: "kernel dataplane unavailable: \(error)\(hint)",
                                      offload: nil)
        }
    }
}
