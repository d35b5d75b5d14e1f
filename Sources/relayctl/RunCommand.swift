import ArgumentParser
import ControlProtocol
import RelayDaemon
import RelayLog
import UserspaceRelay

extension RelayConfiguration.Dataplane: ExpressibleByArgument {}

extension MSSSetting: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// What `run` and `enable` both take: the relay's devices, dataplane and limits.
struct RelayOptions: ParsableArguments {
    @Option(name: .customLong("lan"), help: "A LAN interface whose PPPoE clients are relayed (repeatable).")
    var lanInterfaces: [String] = []

    @Option(name: .customLong("wan"), help: "The WAN interface facing the access concentrator.")
    var wanInterface: String

    @Option(help: "auto (kernel when possible), kernel, or userspace.")
    var dataplane: RelayConfiguration.Dataplane = .auto

    @Option(name: .customLong("max-sessions"), help: "Sessions relayed at once, 1 to 65534.")
    var maxSessions = 5000

    @Option(name: .customLong("idle-timeout"), help: "Seconds without session traffic before PADT; 0 = never.")
    var idleTimeout = 600

    @Option(help: "TCP MSS clamping inside sessions: auto (1452 IPv4, 1432 IPv6, or from PPP-Max-Payload), off, or an IPv4 MSS of at least 536 (IPv6 gets 20 less).",
            transform: MSSSetting.parsed)
    var mss: MSSSetting = .auto

    @OptionGroup var policy: PolicyOptions

    @OptionGroup var runtime: RuntimeOptions

    @Option(name: .customLong("control-group"),
            help: "A group whose members may read status, sessions and mss through the control socket (default: root only).")
    var controlGroup: String?

    @Option(help: "Where the daemon logs: syslog (/dev/log) or stderr. Default: stderr under systemd or on a terminal, otherwise syslog when /dev/log exists. (syslog:PATH names another socket.)")
    var log: String?

    @Flag(help: "Log discovery decisions too (rate-limited).")
    var verbose = false

    var configuration: RelayConfiguration {
        RelayConfiguration(lanInterfaces: lanInterfaces, wanInterface: wanInterface, dataplane: dataplane,
                           maxSessions: maxSessions, idleTimeout: idleTimeout, mss: mss,
                           runtimeDirectory: runtime.resolvedRuntimeDirectory, policy: policy.policy,
                           controlGroup: controlGroup, log: log, verbose: verbose)
    }

    func validate() throws {
        do { try configuration.validate() } catch { throw ValidationError(error.description) }
        if let log, LogDestination(argument: log) == nil {
            throw ValidationError("--log must be syslog or stderr, not \(log)")
        }
    }
}

extension Relayctl {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the relay in the foreground until SIGINT or SIGTERM (which end every session with PADT).")

        @OptionGroup var relay: RelayOptions

        func run() throws {
            let configuration = relay.configuration
            var daemon = try DaemonLog(configuration).start(configuration)
            FileOutput.standardOutput(daemon.readyLine)
            daemon.run()
        }
    }
}
