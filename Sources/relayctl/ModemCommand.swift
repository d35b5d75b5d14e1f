import ArgumentParser
import ControlProtocol
import ModemUpstream
import RelayLog
import RouterOperations

/// What `modem` takes: the LAN, the serial modem, and what discovery offers.
struct ModemOptions: ParsableArguments {
    @Option(name: .customLong("lan"), help: "The LAN interface whose PPPoE clients the modem serves.")
    var lanInterface: String

    @Option(help: "The modem's serial device (/dev/ttyUSB2, /dev/ttyACM0 ...).")
    var device: String

    @Option(help: "The serial line rate.")
    var baud = ModemConfiguration.defaultBaud

    @Option(help: "A chat(8) script to make the modem speak PPP (default: the built-in AT / ATD*99# / CONNECT; none: no chat).")
    var chat: String?

    @Option(name: .customLong("ac-name"), help: "The AC-Name discovery answers with.")
    var acName: String

    @Option(name: .customLong("service"), help: "A Service-Name offered (repeatable; at least one).")
    var services: [String] = []

    @Option(name: .customLong("idle-timeout"), help: "Seconds without a frame from the client before PADT and hang-up; 0 = never.")
    var idleTimeout = ModemConfiguration.defaultIdleTimeout

    @OptionGroup var runtime: RuntimeOptions

    @Option(name: .customLong("control-group"),
            help: "A group whose members may read status and sessions through the control socket (default: root only).")
    var controlGroup: String?

    @Option(help: "Where the daemon logs: syslog (/dev/log) or stderr (default as for run).")
    var log: String?

    @Flag(help: "Log discovery decisions too.")
    var verbose = false

    var configuration: RelayConfiguration {
        RelayConfiguration(lanInterfaces: [lanInterface], wanInterface: device, dataplane: .userspace, maxSessions: 1,
                           idleTimeout: idleTimeout, mss: .off, runtimeDirectory: runtime.resolvedRuntimeDirectory,
                           controlGroup: controlGroup, log: log, verbose: verbose,
                           modem: ModemConfiguration(device: device, baud: baud, chat: chat, acName: acName,
                                                     serviceNames: services))
    }

    func validate() throws {
        do { try configuration.validate() } catch { throw ValidationError(error.description) }
        if let log, LogDestination(argument: log) == nil {
            throw ValidationError("--log must be syslog or stderr, not \(log)")
        }
    }
}

extension Relayctl {
    struct Modem: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Be the PPPoE access concentrator for a serial PPP modem (a 3G/4G stick, a dial-up line), "
                + "in the foreground until SIGINT or SIGTERM; --enable saves it and starts it in the background instead.")

        @OptionGroup var modem: ModemOptions
        @OptionGroup var saved: ConfigurationOptions
        @Flag(help: "Save this configuration (as enable does) and start it in the background.")
        var enable = false

        func run() throws {
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

        static func runDaemon(_ configuration: RelayConfiguration) throws {
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
