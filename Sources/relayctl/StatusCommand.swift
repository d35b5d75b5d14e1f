import ArgumentParsing
import ControlProtocol
import PPPoEWire
import RelayClient
import UserspaceRelay

extension Relayctl {
    struct Status: RelayctlCommand {
        static let command = CommandDescription(
            name: "status", abstract: "Show the running relay: dataplane, interfaces, counters.",
            arguments: RuntimeOptions.arguments + OutputOptions.arguments)

        var runtime: RuntimeOptions
        var output: OutputOptions

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
            output = OutputOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            try show(.status, as: StatusReport.self, runtime: runtime, output: output, render: ReportText.status,
                     notRunningJSON: true)
        }
    }

    struct Sessions: RelayctlCommand {
        static let command = CommandDescription(
            name: "sessions", abstract: "List the relayed sessions with their counters.",
            arguments: RuntimeOptions.arguments + OutputOptions.arguments)

        var runtime: RuntimeOptions
        var output: OutputOptions

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
            output = OutputOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            try show(.sessions, as: SessionsReport.self, runtime: runtime, output: output) { ReportText.sessions($0.sessions) }
        }
    }
}

extension Relayctl {
    /// `relayctl mss show|set`; alone, a usage error (see `missingSubcommand`).
    enum MSS {
        static let command = CommandDescription(
            name: "mss", abstract: "Show or change TCP MSS clamping in the running relay.",
            subcommands: [Show.command, Set.command])

        struct Show: RelayctlCommand {
            static let command = CommandDescription(
                name: "show", abstract: "Show the MSS clamping in force.",
                arguments: RuntimeOptions.arguments + OutputOptions.arguments)
            var runtime: RuntimeOptions
            var output: OutputOptions

            init(parsing values: ParsedValues) {
                runtime = RuntimeOptions(parsing: values)
                output = OutputOptions(parsing: values)
            }

            func run() throws(DaemonError) {
                try show(.mssShow, as: MSSReport.self, runtime: runtime, output: output, render: ReportText.mss)
            }
        }

        struct Set: RelayctlCommand {
            static let command = CommandDescription(
                name: "set",
                abstract: "Change MSS clamping now; the next SYN of every session sees it. (enable --mss keeps it.)",
                arguments: [.positional("setting", as: MSSSetting.self,
                                        help: "auto, off, or an IPv4 MSS of at least \(MSSSetting.minimum).")]
                    + RuntimeOptions.arguments + OutputOptions.arguments)
            var setting: MSSSetting
            var runtime: RuntimeOptions
            var output: OutputOptions

            init(parsing values: ParsedValues) throws(UsageError) {
                setting = try values.required("setting", as: MSSSetting.self)
                runtime = RuntimeOptions(parsing: values)
                output = OutputOptions(parsing: values)
            }

            func run() throws(DaemonError) {
                try show(.mssSet(setting), as: MSSReport.self, runtime: runtime, output: output, render: ReportText.mss)
            }
        }
    }
}

/// Asks the running daemon and prints its answer: the JSON as sent (C1 controls and the like,
/// which JSON may carry raw, written as `\u` escapes so a terminal shows them as text), or
/// text for people. No relay running is exit 3 (as `systemctl is-active` says inactive), with
/// one line on stderr, and for `status --json` also `{"running": false, ...}` on stdout.
private func show<Report: ControlReply>(_ request: ControlRequest, as type: Report.Type, runtime: RuntimeOptions,
                                        output: OutputOptions, render: (Report) -> String,
                                        notRunningJSON: Bool = false) throws(DaemonError) {
    let directory = runtime.resolvedRuntimeDirectory
    do {
        if output.json {
            let json = TerminalText.escapingJSON(try ControlClient.raw(request, runtimeDirectory: directory))
            FileOutput.standardOutput(String(decoding: json, as: UTF8.self))
        } else {
            FileOutput.standardOutput(render(try ControlClient.query(request, runtimeDirectory: directory, as: type)))
        }
    } catch {
        guard case let .notRunning(reason) = error else { throw error }
        if output.json && notRunningJSON {
            FileOutput.standardOutput(String(decoding: ControlJSON.encode(NotRunningReport(reason: reason)), as: UTF8.self))
        }
        Relayctl.fail(reason, code: Relayctl.notRunningStatus)
    }
}
