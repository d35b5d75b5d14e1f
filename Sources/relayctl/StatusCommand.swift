import ArgumentParser
import RelayDaemon

extension Relayctl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the running relay: dataplane, interfaces, counters.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let directory = runtime.resolvedRuntimeDirectory
            if output.json {
                FileOutput.standardOutput(String(decoding: try ControlClient.raw(.status, runtimeDirectory: directory), as: UTF8.self))
            } else {
                let report = try ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self)
                FileOutput.standardOutput(ReportText.status(report))
            }
        }
    }

    struct Sessions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the relayed sessions with their counters.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let directory = runtime.resolvedRuntimeDirectory
            if output.json {
                FileOutput.standardOutput(String(decoding: try ControlClient.raw(.sessions, runtimeDirectory: directory), as: UTF8.self))
            } else {
                let reports = try ControlClient.query(.sessions, runtimeDirectory: directory, as: [SessionReport].self)
                FileOutput.standardOutput(ReportText.sessions(reports))
            }
        }
    }
}
