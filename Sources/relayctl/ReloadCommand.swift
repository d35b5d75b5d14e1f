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
            abstract: "Act on an OpenWrt netifd hotplug event (called by hotplug.d/iface/90-pppoe-relay).")
        @Option(help: "netifd's ACTION: ifup, ifupdate, ifdown, ...") var action: String
        @Option(help: "netifd's INTERFACE (logical name).") var interface: String
        @Option(help: "netifd's DEVICE.") var device = ""
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions

        func run() throws {
            FileOutput.standardOutput(try RelayController.hotplug(
                action: action, interface: interface, device: device, configurationPath: saved.resolvedPath,
                executable: Enable.executablePath, system: fastPaths.system))
        }
    }
}
