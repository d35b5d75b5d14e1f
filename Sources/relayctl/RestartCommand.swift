import ArgumentParsing
import ControlProtocol
import RouterOperations

extension Relayctl {
    struct Restart: RelayctlCommand {
        static let command = CommandDescription(
            name: "restart",
            abstract: "Restart the relay keeping every session (for an upgrade: install the new binary, then restart).",
            discussion: """
                The running daemon writes its sessions to its journal and exits without PADT; the new \
                one adopts them, and on Linux 6.9 and later the kernel table forwards them meanwhile. \
                With --prepare only the next stop of the running daemon keeps its sessions (what an \
                init script runs before it restarts the relay); --cancel undoes that.
                """,
            arguments: RuntimeOptions.arguments + ConfigurationOptions.arguments + RootOptions.arguments + [
                .flag("prepare", help: "Only make the next stop keep the sessions; do not restart."),
                .flag("cancel", help: "Make the next stop end the sessions again (the default)."),
            ])

        var runtime: RuntimeOptions
        var saved: ConfigurationOptions
        var fastPaths: RootOptions
        var prepare: Bool
        var cancel: Bool

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
            saved = ConfigurationOptions(parsing: values)
            fastPaths = RootOptions(parsing: values)
            prepare = values.flag("prepare")
            cancel = values.flag("cancel")
        }

        func validate() throws(UsageError) {
            if prepare && cancel { throw UsageError("--prepare and --cancel exclude each other") }
        }

        func run() throws(DaemonError) {
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
