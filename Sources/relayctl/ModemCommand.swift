import ArgumentParsing
import ControlProtocol
import ModemUpstream
import RelayLog
import RouterOperations
import UserspaceRelay

/// What `modem` takes: the LAN, the serial modem, and what discovery offers.
struct ModemOptions: ArgumentGroup {
    static let arguments: [ArgumentDefinition] = [
        .option("lan", help: "The LAN interface whose PPPoE clients the modem serves.", required: true),
        .option("device", help: "The modem's serial device (/dev/ttyUSB2, /dev/ttyACM0 ...).", required: true),
        .option("baud", as: Int.self, help: "The serial line rate.", defaultValue: "\(ModemConfiguration.defaultBaud)"),
        .option("chat",
                help: "A chat(8) script to make the modem speak PPP (default: the built-in AT / ATD*99# / CONNECT; none: no chat)."),
        .option("ac-name", help: "The AC-Name discovery answers with.", required: true),
        .option("service", help: "A Service-Name offered (repeatable; at least one).", repeating: true),
        .option("idle-timeout", as: Int.self,
                help: "Seconds without a frame from the client before PADT and hang-up; 0 = never.",
                defaultValue: "\(ModemConfiguration.defaultIdleTimeout)"),
    ] + RuntimeOptions.arguments + [
        .option("control-group",
                help: "A group whose members may read status and sessions through the control socket (default: root only)."),
        .option("log", help: "Where the daemon logs: syslog (/dev/log) or stderr (default as for run)."),
        .flag("verbose", help: "Log discovery decisions too."),
    ]

    var lanInterface: String
    var device: String
    var baud: Int
    var chat: String?
    var acName: String
    var services: [String]
    var idleTimeout: Int
    var runtime: RuntimeOptions
    var controlGroup: String?
    var log: String?
    var verbose: Bool

    init(parsing values: ParsedValues) throws(UsageError) {
        lanInterface = try values.required("lan")
        device = try values.required("device")
        baud = try values.value("baud", as: Int.self) ?? ModemConfiguration.defaultBaud
        chat = values.string("chat")
        acName = try values.required("ac-name")
        services = values.strings("service")
        idleTimeout = try values.value("idle-timeout", as: Int.self) ?? ModemConfiguration.defaultIdleTimeout
        runtime = RuntimeOptions(parsing: values)
        controlGroup = values.string("control-group")
        log = values.string("log")
        verbose = values.flag("verbose")
    }

    var configuration: RelayConfiguration {
        RelayConfiguration(lanInterfaces: [lanInterface], wanInterface: device, dataplane: .userspace, maxSessions: 1,
                           idleTimeout: idleTimeout, mss: .off, runtimeDirectory: runtime.resolvedRuntimeDirectory,
                           controlGroup: controlGroup, log: log, verbose: verbose,
                           modem: ModemConfiguration(device: device, baud: baud, chat: chat, acName: acName,
                                                     serviceNames: services))
    }

    func validate() throws(UsageError) {
        do throws(DaemonError) { try configuration.validate() } catch { throw UsageError(error.description) }
        if let log, LogDestination(argument: log) == nil {
            throw UsageError("--log must be syslog or stderr, not \(log)")
        }
    }
}

extension Relayctl {
    struct Modem: RelayctlCommand {
        static let command = CommandDescription(
            name: "modem",
            abstract: "Be the PPPoE access concentrator for a serial PPP modem (a 3G/4G stick, a dial-up line), "
                + "in the foreground until SIGINT or SIGTERM; --enable saves it and starts it in the background instead.",
            arguments: ModemOptions.arguments + ConfigurationOptions.arguments + [
                .flag("enable", help: "Save this configuration (as enable does) and start it in the background."),
            ])

        var modem: ModemOptions
        var saved: ConfigurationOptions
        var enable: Bool

        init(parsing values: ParsedValues) throws(UsageError) {
            modem = try ModemOptions(parsing: values)
            saved = ConfigurationOptions(parsing: values)
            enable = values.flag("enable")
        }

        func validate() throws(UsageError) { try modem.validate() }

        func run() throws(DaemonError) {
            let configuration = modem.configuration
            if enable {
                let line = try RelayController.enable(configuration, configurationPath: saved.resolvedPath,
                                                      executable: Enable.executablePath)
                ChangeLog.record("enable", line, root: "/")
                FileOutput.standardOutput(line)
                return
            }
            try Self.runDaemon(configuration)
        }

        static func runDaemon(_ configuration: RelayConfiguration) throws(DaemonError) {
            let log = try DaemonLog(configuration)
            var daemon: ModemDaemon
            do { daemon = try ModemDaemon(configuration: configuration, log: log.logger) } catch {
                if case .syslog = log.destination { log.logger.error("not started: \(error.description)") }
                throw error
            }
            FileOutput.standardOutput(daemon.readyLine)
            daemon.run()
        }
    }
}
