import ArgumentParser
import ControlProtocol
import PPPoEWire
import RelayClient
import UserspaceRelay

extension Relayctl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the running relay: dataplane, interfaces, counters.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try show(.status, as: StatusReport.self, runtime: runtime, output: output, render: ReportText.status,
                     notRunningJSON: true)
        }
    }

    struct Sessions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the relayed sessions with their counters.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try show(.sessions, as: SessionsReport.self, runtime: runtime, output: output) { ReportText.sessions($0.sessions) }
        }
    }
}

extension Relayctl {
    struct MSS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mss", abstract: "Show or change TCP MSS clamping in the running relay.",
            subcommands: [Show.self, Set.self])

        func run() throws { missingSubcommand(Self.self) }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the MSS clamping in force.")
            @OptionGroup var runtime: RuntimeOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try show(.mssShow, as: MSSReport.self, runtime: runtime, output: output, render: ReportText.mss)
            }
        }

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Change MSS clamping now; the next SYN of every session sees it. (enable --mss keeps it.)")
            @Argument(help: "auto, off, or an IPv4 MSS of at least \(MSSSetting.minimum).",
                      transform: MSSSetting.parsed) var setting: MSSSetting
            @OptionGroup var runtime: RuntimeOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
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
                                        notRunningJSON: Bool = false) throws {
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
