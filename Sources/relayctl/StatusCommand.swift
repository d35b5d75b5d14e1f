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
            try show(.status, as: StatusReport.self, runtime: runtime, output: output, render: ReportText.status)
        }
    }

    struct Sessions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the relayed sessions with their counters.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try show(.sessions, as: [SessionReport].self, runtime: runtime, output: output, render: ReportText.sessions)
        }
    }
}

extension Relayctl {
    struct MSS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mss", abstract: "Show or change TCP MSS clamping in the running relay.",
            subcommands: [Show.self, Set.self])

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
            @Argument(help: "auto, off, or an IPv4 MSS of at least 536.") var setting: MSSSetting
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
/// text for people.
private func show<Report: Decodable>(_ request: ControlRequest, as type: Report.Type, runtime: RuntimeOptions,
                                     output: OutputOptions, render: (Report) -> String) throws {
    let directory = runtime.resolvedRuntimeDirectory
    if output.json {
        let json = TerminalText.escapingJSON(try ControlClient.raw(request, runtimeDirectory: directory))
        FileOutput.standardOutput(String(decoding: json, as: UTF8.self))
    } else {
        FileOutput.standardOutput(render(try ControlClient.query(request, runtimeDirectory: directory, as: type)))
    }
}
