import Offload

/// Which dataplane runs, and the sentence `status` gives for it.
struct DataplaneSelection: Sendable, Equatable {
    var name: String
    var reason: String

    static func choose(_ requested: RelayConfiguration.Dataplane,
                       probe: KernelDataplaneProbe.Verdict = KernelDataplaneProbe.probe()) throws(DaemonError) -> DataplaneSelection {
        switch (requested, probe) {
        case (.userspace, _):
            return DataplaneSelection(name: "userspace", reason: "requested with --dataplane userspace")
        case let (.kernel, .unavailable(reason)):
            throw .failure("kernel dataplane unavailable: \(reason); use --dataplane userspace or auto")
        case let (.auto, .unavailable(reason)):
            return DataplaneSelection(name: "userspace", reason: "kernel dataplane unavailable: \(reason)")
        case (.kernel, .available), (.auto, .available):
            // The probe cannot say yes before the offload exists; refuse rather than pretend.
            throw .failure("kernel dataplane reported available but is not built in")
        }
    }
}
