import ArgumentParser
import ControlProtocol
import RelayClient
import RouterOperations

extension Relayctl {
    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look the devices up again and reinstall what the kernel lost (run when the WAN comes up).")
        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            let report = try ControlClient.query(.reload, runtimeDirectory: runtime.resolvedRuntimeDirectory,
                                                 as: StatusReport.self)
            FileOutput.standardOutput("reloaded: " + report.interfaces.map { "\($0.name) \($0.state)" }
                .joined(separator: ", ") + "; \(report.sessionCount) sessions, \(report.dataplane) dataplane")
        }
    }

    struct Hotplug: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Act on an OpenWrt netifd hotplug event (called by hotplug.d/iface/90-pppoe-relay); never starts the relay.")
        @Option(help: "netifd's ACTION: ifup, ifupdate, ifdown, ...") var action: String
        @Option(help: "netifd's INTERFACE (logical name).") var interface: String
        @Option(help: "netifd's DEVICE (absent on ifdown).") var device = ""
        @Option(help: "The relay's WAN as configured in UCI, a logical interface or a device (default: the saved configuration's).")
        var wan: String?
        @Option(name: .customLong("runtime-dir"), help: "The running relay's runtime directory (default: the saved configuration's).")
        var runtimeDirectory: String?
        @OptionGroup var saved: ConfigurationOptions

        func run() throws {
            FileOutput.standardOutput(try RelayController.hotplug(
                action: action, interface: interface, device: device, wan: wan,
                runtimeDirectory: wan == nil ? runtimeDirectory
                    : optionOrEnvironment(runtimeDirectory, "RELAYCTL_RUNTIME_DIR", systemRuntimeDirectory),
                configurationPath: saved.resolvedPath))
        }
    }
}
