import ArgumentParsing
import ControlProtocol
import RelayDaemon
import RelayLog
import UserspaceRelay

extension RelayConfiguration.Dataplane: ArgumentValue {}

extension MSSSetting: ArgumentValue {
    /// `--mss` and `mss set`: a rejected value says why.
    public init(argument text: String) throws(ArgumentValueError) {
        switch MSSSetting.parse(text) {
        case let .success(setting): self = setting
        case let .failure(problem): throw .because(problem.description)
        }
    }
}

/// What `run` and `enable` both take: the relay's devices, dataplane and limits.
struct RelayOptions: ArgumentGroup {
    static let defaultMaxSessions = 5000
    static let defaultIdleTimeout = 600

    static let arguments: [ArgumentDefinition] = [
        .option("lan", help: "A LAN interface whose PPPoE clients are relayed (repeatable).", repeating: true),
        .option("wan", help: "The WAN interface facing the access concentrator.", required: true),
        .option("dataplane", as: RelayConfiguration.Dataplane.self, help: "auto (kernel when possible), kernel, or userspace.",
                defaultValue: RelayConfiguration.Dataplane.auto.rawValue),
        .option("max-sessions", as: Int.self, help: "Sessions relayed at once, 1 to 65534.",
                defaultValue: "\(defaultMaxSessions)"),
        .option("idle-timeout", as: Int.self, help: "Seconds without session traffic before PADT; 0 = never.",
                defaultValue: "\(defaultIdleTimeout)"),
        .option("mss", as: MSSSetting.self,
                help: "TCP MSS clamping inside sessions: auto (1452 IPv4, 1432 IPv6, or from PPP-Max-Payload), off, or an IPv4 MSS of at least 536 (IPv6 gets 20 less)."),
    ] + PolicyOptions.arguments + RuntimeOptions.arguments + [
        .option("control-group",
                help: "A group whose members may read status, sessions and mss through the control socket (default: root only)."),
        .option("log",
                help: "Where the daemon logs: syslog (/dev/log) or stderr. Default: stderr under systemd or on a terminal, otherwise syslog when /dev/log exists. (syslog:PATH names another socket.)"),
        .flag("verbose", help: "Log discovery decisions too (rate-limited)."),
    ]

    var lanInterfaces: [String]
    var wanInterface: String
    var dataplane: RelayConfiguration.Dataplane
    var maxSessions: Int
    var idleTimeout: Int
    var mss: MSSSetting
    var policy: PolicyOptions
    var runtime: RuntimeOptions
    var controlGroup: String?
    var log: String?
    var verbose: Bool

    init(parsing values: ParsedValues) throws(UsageError) {
        lanInterfaces = values.strings("lan")
        wanInterface = try values.required("wan")
        dataplane = try values.value("dataplane", as: RelayConfiguration.Dataplane.self) ?? .auto
        maxSessions = try values.value("max-sessions", as: Int.self) ?? Self.defaultMaxSessions
        idleTimeout = try values.value("idle-timeout", as: Int.self) ?? Self.defaultIdleTimeout
        mss = try values.value("mss", as: MSSSetting.self) ?? .auto
        policy = try PolicyOptions(parsing: values)
        runtime = RuntimeOptions(parsing: values)
        controlGroup = values.string("control-group")
        log = values.string("log")
        verbose = values.flag("verbose")
    }

    var configuration: RelayConfiguration {
        RelayConfiguration(lanInterfaces: lanInterfaces, wanInterface: wanInterface, dataplane: dataplane,
                           maxSessions: maxSessions, idleTimeout: idleTimeout, mss: mss,
                           runtimeDirectory: runtime.resolvedRuntimeDirectory, policy: policy.policy,
                           controlGroup: controlGroup, log: log, verbose: verbose)
    }

    func validate() throws(UsageError) {
        do throws(DaemonError) { try configuration.validate() } catch { throw UsageError(error.description) }
        if let log, LogDestination(argument: log) == nil {
            throw UsageError("--log must be syslog or stderr, not \(log)")
        }
    }
}

extension Relayctl {
    struct Run: RelayctlCommand {
        static let command = CommandDescription(
            name: "run",
            abstract: "Run the relay in the foreground until SIGINT or SIGTERM (which end every session with PADT).",
            arguments: RelayOptions.arguments)

        var relay: RelayOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            relay = try RelayOptions(parsing: values)
        }

        func validate() throws(UsageError) { try relay.validate() }

        func run() throws(DaemonError) {
            let configuration = relay.configuration
            var daemon = try DaemonLog(configuration).start(configuration)
            FileOutput.standardOutput(daemon.readyLine)
            daemon.run()
        }
    }
}
