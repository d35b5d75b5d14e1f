import ArgumentParsing
import ControlProtocol
import RelayDaemon
import RelayLog
import RouterOperations

extension Relayctl {
    /// What init systems run: the saved configuration, in the foreground, respawned by them.
    struct Daemon: RelayctlCommand {
        static let command = CommandDescription(
            name: "daemon",
            abstract: "Run the saved configuration, or the one given with the options of run, in the foreground "
                + "with fast paths off (for procd and systemd); --check only validates it.",
            arguments: ConfigurationOptions.arguments + RootOptions.arguments + [
                .flag("check", help: "Check the configuration and exit."),
                // OpenWrt's init script translates UCI into these, so UCI stays the only configuration there.
                .remainder("relay-arguments",
                           help: "Instead of --config: the options of run (--wan IF --lan IF ...), or `modem` and the options of modem."),
            ])
        var saved: ConfigurationOptions
        var fastPaths: RootOptions
        var check: Bool
        var relayArguments: [String]

        init(parsing values: ParsedValues) {
            saved = ConfigurationOptions(parsing: values)
            fastPaths = RootOptions(parsing: values)
            check = values.flag("check")
            relayArguments = values.strings("relay-arguments")
        }

        func run() throws(DaemonError) {
            let configuration: RelayConfiguration
            if relayArguments.isEmpty {
                configuration = try ConfigurationFile.load(saved.resolvedPath)
            } else {
                guard saved.path == nil else { throw DaemonError.usage("give either --config or the options of run, not both") }
                do throws(CommandLineExit) {
                    configuration = relayArguments.first == "modem"
                        ? try CommandLineParser.parse(ModemOptions.self, arguments: Array(relayArguments.dropFirst())).configuration
                        : try CommandLineParser.parse(RelayOptions.self, arguments: relayArguments).configuration
                } catch {
                    throw .usage(Relayctl.usageMessage(error))
                }
            }
            if check, let modem = configuration.modem {
                FileOutput.standardOutput("configuration OK: lan \(configuration.lanInterfaces.joined(separator: ",")) "
                    + "<-> modem \(modem.device) at \(modem.baud) baud")
                return
            }
            if check {
                FileOutput.standardOutput("configuration OK: lan \(configuration.lanInterfaces.joined(separator: ",")) "
                    + "<-> wan \(configuration.wanInterface), dataplane \(configuration.dataplane.rawValue)")
                return
            }
            if configuration.modem != nil {
                try Modem.runDaemon(configuration)
                return
            }
            let log = try DaemonLog(configuration)
            // At boot the vendor fast paths are back on: off again before a single frame is relayed.
            let switchedOff = try RelayController.switchFastPathsOff(for: configuration, fastPaths.system)
            for fastPath in switchedOff { log.logger.notice("fast path switched off: \(fastPath)") }
            var daemon = try log.start(configuration)
            FileOutput.standardOutput(daemon.readyLine)
            daemon.run()
        }
    }
}
