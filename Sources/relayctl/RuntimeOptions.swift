import ArgumentParser
import Glibc
import RelayDaemon

/// Where the daemon keeps its control socket: one per relay, so tests can run several.
struct RuntimeOptions: ParsableArguments {
    @Option(name: .customLong("runtime-dir"),
            help: "Directory for the control socket and pid file (default: $RELAYCTL_RUNTIME_DIR or /run/pppoe-relay).")
    var runtimeDirectory: String?

    var resolvedRuntimeDirectory: String {
        if let runtimeDirectory { return runtimeDirectory }
        if let fromEnvironment = getenv("RELAYCTL_RUNTIME_DIR"), fromEnvironment.pointee != 0 {
            return String(cString: fromEnvironment)
        }
        return RelayConfiguration.defaultRuntimeDirectory
    }
}

/// `--json` for scripts, text for people.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}
