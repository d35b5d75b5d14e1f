import ArgumentParsing
import ControlProtocol
import Libc

/// Where the daemon keeps its control socket: one per relay, so tests can run several.
struct RuntimeOptions: ArgumentGroup {
    static let arguments: [ArgumentDefinition] = [
        .option("runtime-dir",
                help: "Directory for the control socket and pid file (default: $RELAYCTL_RUNTIME_DIR or /run/pppoe-relay; /var/run/pppoe-relay where there is no /run, as on OpenWrt)."),
    ]

    var runtimeDirectory: String?

    init(parsing values: ParsedValues) {
        runtimeDirectory = values.string("runtime-dir")
    }

    var resolvedRuntimeDirectory: String {
        optionOrEnvironment(runtimeDirectory, "RELAYCTL_RUNTIME_DIR", systemRuntimeDirectory)
    }
}

/// /run/pppoe-relay, or /var/run/pppoe-relay on a system without /run: OpenWrt has none, and
/// creating it there would write to flash; its /var/run is a tmpfs.
var systemRuntimeDirectory: String {
    access("/run", F_OK) == 0 ? RelayConfiguration.defaultRuntimeDirectory : "/var/run/pppoe-relay"
}

/// The option as given, else a non-empty environment variable, else the default.
func optionOrEnvironment(_ option: String?, _ variable: String, _ fallback: String) -> String {
    if let option { return option }
    if let value = getenv(variable), value.pointee != 0 { return String(cString: value) }
    return fallback
}

/// `--json` for scripts, text for people.
struct OutputOptions: ArgumentGroup {
    static let arguments: [ArgumentDefinition] = [.flag("json", help: "Print JSON instead of text.")]

    var json: Bool

    init(parsing values: ParsedValues) {
        json = values.flag("json")
    }
}
