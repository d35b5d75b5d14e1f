import ArgumentParsing
import ControlProtocol
import FastPaths
import Libc
import RouterOperations

/// Where `enable` saves the configuration and `disable` forgets it.
struct ConfigurationOptions: ArgumentGroup {
    static let arguments: [ArgumentDefinition] = [
        .option("config", help: "Saved configuration (default: $RELAYCTL_CONFIG or /etc/pppoe-relay/relay.json)."),
    ]

    var path: String?

    init(parsing values: ParsedValues) {
        path = values.string("config")
    }

    var resolvedPath: String {
        optionOrEnvironment(path, "RELAYCTL_CONFIG", RelayConfiguration.defaultConfigurationPath)
    }
}

/// Where the fast paths live: "/" on a router, a fake tree in tests.
struct RootOptions: ArgumentGroup {
    static let defaultRoot = "/"

    static let arguments: [ArgumentDefinition] = [
        .option("root", help: "Root directory under which fast paths are looked for (default /; tests use a fake tree).",
                defaultValue: defaultRoot),
    ]

    var root: String

    init(parsing values: ParsedValues) {
        root = values.string("root") ?? Self.defaultRoot
    }

    var system: SystemAccess { SystemAccess(root: root) }
}

extension Relayctl {
    struct Enable: RelayctlCommand {
        static let command = CommandDescription(
            name: "enable",
            abstract: "Save the configuration and start the relay in the background; returns once it runs.",
            arguments: RelayOptions.arguments + ConfigurationOptions.arguments + RootOptions.arguments)

        var relay: RelayOptions
        var saved: ConfigurationOptions
        var fastPaths: RootOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            relay = try RelayOptions(parsing: values)
            saved = ConfigurationOptions(parsing: values)
            fastPaths = RootOptions(parsing: values)
        }

        func validate() throws(UsageError) { try relay.validate() }

        func run() throws(DaemonError) {
            let line = try RelayController.enable(relay.configuration, configurationPath: saved.resolvedPath,
                                                  executable: Self.executablePath, system: fastPaths.system)
            ChangeLog.record("enable", line, root: fastPaths.root)
            FileOutput.standardOutput(line)
        }

        /// This very binary, so the daemon is the same build as the command that started it.
        static var executablePath: String {
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
            return length > 0 ? String(decoding: buffer[0..<length], as: UTF8.self) : Relayctl.programName
        }
    }

    struct Disable: RelayctlCommand {
        static let command = CommandDescription(
            name: "disable",
            abstract: "Stop the relay (PADT to every session) and remove everything it put in the kernel.",
            arguments: RuntimeOptions.arguments + ConfigurationOptions.arguments + RootOptions.arguments)

        var runtime: RuntimeOptions
        var saved: ConfigurationOptions
        var fastPaths: RootOptions

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
            saved = ConfigurationOptions(parsing: values)
            fastPaths = RootOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            let line = try RelayController.disable(runtimeDirectory: runtime.resolvedRuntimeDirectory,
                                                   configurationPath: saved.resolvedPath, system: fastPaths.system)
            ChangeLog.record("disable", line, root: fastPaths.root)
            FileOutput.standardOutput(line)
        }
    }
}
