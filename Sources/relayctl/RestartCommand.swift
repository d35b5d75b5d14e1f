import ArgumentParser
import ControlProtocol
import RouterOperations

extension Relayctl {
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart the relay keeping every session (for an upgrade: install the new binary, then restart).",
            discussion: """
                The running daemon writes its sessions to its journal and exits without PADT; the new \
                one adopts them, and on Linux 6.9 and later the kernel table forwards them meanwhile. \
                With --prepare only the next stop of the running daemon keeps its sessions (what an \
                init script runs before it restarts the relay); --cancel undoes that.
                """)

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var saved: ConfigurationOptions
        @OptionGroup var fastPaths: RootOptions
        @Flag(help: "Only make the next stop keep the sessions; do not restart.") var prepare = false
        @Flag(help: "Make the next stop end the sessions again (the default).") var cancel = false

        func validate() throws {
            if prepare && cancel { throw ValidationError("--prepare and --cancel exclude each other") }
        }

        func run() throws {
            let directory = runtime.resolvedRuntimeDirectory
            if prepare || cancel {
                FileOutput.standardOutput(try RelayController.keepSessionsOnStop(prepare, runtimeDirectory: directory))
                return
            }
            let line = try RelayController.restart(runtimeDirectory: directory, configurationPath: saved.resolvedPath,
                                                   executable: Enable.executablePath, system: fastPaths.system)
            ChangeLog.record("restart", line, root: fastPaths.root)
            FileOutput.standardOutput(line)
        }
    }
}
