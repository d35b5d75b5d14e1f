import ArgumentParser
import ControlProtocol
import RelayDaemon
import RouterOperations

extension Relayctl {
    /// What init systems run: the saved configuration, in the foreground, respawned by them.
    struct Daemon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the saved configuration, or the one given with the options of run, in the foreground "
                + "with fast paths off (for procd and systemd); --check only validates it.")
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions
        @Flag(help: "Check the configuration and exit.") var check = false
        /// OpenWrt's init script translates UCI into these, so UCI stays the only configuration there.
        @Argument(parsing: .allUnrecognized,
                  help: "Instead of --config: the options of run (--wan IF --lan IF ...), or `modem` and the options of modem.")
        var relayArguments: [String] = []

        func run() throws {
            let configuration: RelayConfiguration
            if relayArguments.isEmpty {
                configuration = try ConfigurationFile.load(saved.resolvedPath)
            } else {
                guard saved.path == nil else { throw DaemonError.usage("give either --config or the options of run, not both") }
                configuration = relayArguments.first == "modem"
                    ? try ModemOptions.parse(Array(relayArguments.dropFirst())).configuration
                    : try RelayOptions.parse(relayArguments).configuration
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
