import ArgumentParser
import RelayDaemon

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

/// Asks the running daemon and prints its answer: the JSON as sent, or text for people.
private func show<Report: Decodable>(_ request: ControlRequest, as type: Report.Type, runtime: RuntimeOptions,
                                     output: OutputOptions, render: (Report) -> String) throws {
    let directory = runtime.resolvedRuntimeDirectory
    if output.json {
        FileOutput.standardOutput(String(decoding: try ControlClient.raw(request, runtimeDirectory: directory), as: UTF8.self))
    } else {
        FileOutput.standardOutput(render(try ControlClient.query(request, runtimeDirectory: directory, as: type)))
    }
}
