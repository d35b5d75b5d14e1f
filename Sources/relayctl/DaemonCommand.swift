import ArgumentParser
import ControlProtocol
import RelayDaemon
import RouterOperations

extension Relayctl {
    /// What init systems run: the saved configuration, in the foreground, respawned by them.
    struct Daemon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the saved configuration in the foreground (for procd and systemd); --check only validates it.")
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions
        @Flag(help: "Check the configuration and exit.") var check = false

        func run() throws {
            let configuration = try ConfigurationFile.load(saved.resolvedPath)
            if check {
                FileOutput.standardOutput("configuration OK: lan \(configuration.lanInterfaces.joined(separator: ",")) "
                    + "<-> wan \(configuration.wanInterface), dataplane \(configuration.dataplane.rawValue)")
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
