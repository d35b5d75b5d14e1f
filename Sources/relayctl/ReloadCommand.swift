import ArgumentParsing
import ControlProtocol
import RelayClient
import RouterOperations

extension Relayctl {
    struct Reload: RelayctlCommand {
        static let command = CommandDescription(
            name: "reload",
            abstract: "Look the devices up again and reinstall what the kernel lost (run when the WAN comes up).",
            arguments: RuntimeOptions.arguments)
        var runtime: RuntimeOptions

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            let report = try ControlClient.query(.reload, runtimeDirectory: runtime.resolvedRuntimeDirectory,
                                                 as: StatusReport.self)
            FileOutput.standardOutput("reloaded: " + report.interfaces.map { "\($0.name) \($0.state)" }
                .joined(separator: ", ") + "; \(report.sessionCount) sessions, \(report.dataplane) dataplane")
        }
    }

    struct Hotplug: RelayctlCommand {
        static let command = CommandDescription(
            name: "hotplug",
            abstract: "Act on an OpenWrt netifd hotplug event (called by hotplug.d/iface/90-pppoe-relay); never starts the relay.",
            arguments: [
                .option("action", help: "netifd's ACTION: ifup, ifupdate, ifdown, ...", required: true),
                .option("interface", help: "netifd's INTERFACE (logical name).", required: true),
                .option("device", help: "netifd's DEVICE (absent on ifdown)."),
                .option("wan", help: "The relay's WAN as configured in UCI, a logical interface or a device (default: the saved configuration's)."),
                .option("runtime-dir", help: "The running relay's runtime directory (default: the saved configuration's)."),
            ] + ConfigurationOptions.arguments)
        var action: String
        var interface: String
        var device: String
        var wan: String?
        var runtimeDirectory: String?
        var saved: ConfigurationOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            action = try values.required("action")
            interface = try values.required("interface")
            device = values.string("device") ?? ""
            wan = values.string("wan")
            runtimeDirectory = values.string("runtime-dir")
            saved = ConfigurationOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            FileOutput.standardOutput(try RelayController.hotplug(
                action: action, interface: interface, device: device, wan: wan,
                runtimeDirectory: wan == nil ? runtimeDirectory
                    : optionOrEnvironment(runtimeDirectory, "RELAYCTL_RUNTIME_DIR", systemRuntimeDirectory),
                configurationPath: saved.resolvedPath))
        }
    }
}
