import ArgumentParsing
import ControlProtocol
import RelayClient

extension Relayctl {
    struct Metrics: RelayctlCommand {
        static let command = CommandDescription(
            name: "metrics",
            abstract: "Print the relay's metrics in Prometheus' text format (for node_exporter's textfile collector).",
            discussion: """
                With no relay running it prints pppoe_relay_up 0 and exits 3, so write to a temporary \
                file and rename it in any case: relayctl metrics > F.$$; mv F.$$ F
                """,
            arguments: RuntimeOptions.arguments)

        var runtime: RuntimeOptions

        init(parsing values: ParsedValues) {
            runtime = RuntimeOptions(parsing: values)
        }

        func run() throws(DaemonError) {
            let directory = runtime.resolvedRuntimeDirectory
            do {
                let status = try ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self)
                let sessions = try ControlClient.query(.sessions, runtimeDirectory: directory, as: SessionsReport.self)
                FileOutput.standardOutput(String(RelayMetrics.render(status: status, sessions: sessions.sessions).dropLast()))
            } catch {
                guard case let .notRunning(reason) = error else { throw error }
                FileOutput.standardOutput(String(RelayMetrics.notRunning().dropLast()))
                Relayctl.fail(reason, code: Relayctl.notRunningStatus)
            }
        }
    }
}
