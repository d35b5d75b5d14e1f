import ArgumentParser
import ControlProtocol
import FastPaths
import Libc
import RouterOperations

/// Where `enable` saves the configuration and `disable` forgets it.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .customLong("config"),
            help: "Saved configuration (default: $RELAYCTL_CONFIG or /etc/pppoe-relay/relay.json).")
    var path: String?

    var resolvedPath: String {
        optionOrEnvironment(path, "RELAYCTL_CONFIG", RelayConfiguration.defaultConfigurationPath)
    }
}

/// Where the fast paths live: "/" on a router, a fake tree in tests.
struct RootOptions: ParsableArguments {
    @Option(help: "Root directory under which fast paths are looked for (default /; tests use a fake tree).")
    var root = "/"

    var system: SystemAccess { SystemAccess(root: root) }
}

extension Relayctl {
    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the configuration and start the relay in the background; returns once it runs.")

        @OptionGroup var relay: RelayOptions
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions

        func run() throws {
            let line = try RelayController.enable(relay.configuration, configurationPath: saved.resolvedPath,
                                                  executable: Self.executablePath, system: fastPaths.system)
            ChangeLog.record("enable", line, root: fastPaths.root)
            FileOutput.standardOutput(line)
        }

        /// This very binary, so the daemon is the same build as the command that started it.
        static var executablePath: String {
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
            return length > 0 ? String(decoding: buffer[0..<length], as: UTF8.self) : CommandLine.arguments[0]
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the relay (PADT to every session) and remove everything it put in the kernel.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions

        func run() throws {
            let line = try RelayController.disable(runtimeDirectory: runtime.resolvedRuntimeDirectory,
                                                   configurationPath: saved.resolvedPath, system: fastPaths.system)
            ChangeLog.record("disable", line, root: fastPaths.root)
            FileOutput.standardOutput(line)
        }
    }
}
