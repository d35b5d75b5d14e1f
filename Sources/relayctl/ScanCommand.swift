import ArgumentParsing
import ControlProtocol
import LineScan
import PPPoEWire

extension Relayctl {
    struct Scan: RelayctlCommand {
        static let defaultTimeout = 3.0

        static let command = CommandDescription(
            name: "scan",
            abstract: "Broadcast PADIs on an interface and list every access concentrator that answers.",
            discussion: """
                Sends a PADI with an empty Service-Name (and, with --service, one asking for that \
                service), collects PADOs until the timeout and shows, per AC: AC-Name, services, \
                cookie, whether it echoes Relay-Session-Id, PPP-Max-Payload and response time. No PADR \
                is sent. It runs beside the relay and the router's own PPPoE client on the same \
                interface without disturbing either. Exit 0 when an AC answered, 1 when none did.
                """,
            arguments: [
                .option("interface", help: "The interface to scan (the WAN).", required: true),
                .option("service", help: "A Service-Name to ask for besides the empty one."),
                .option("timeout", as: Double.self, help: "Seconds to collect answers (0.1 to 60).",
                        defaultValue: "\(defaultTimeout)"),
            ] + OutputOptions.arguments)

        var interface: String
        var serviceName: String?
        var timeout: Double
        var output: OutputOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            interface = try values.required("interface")
            serviceName = values.string("service")
            timeout = try values.value("timeout", as: Double.self) ?? Self.defaultTimeout
            output = OutputOptions(parsing: values)
        }

        func validate() throws(UsageError) {
            guard timeout >= 0.1, timeout <= 60 else { throw UsageError("--timeout must be between 0.1 and 60 seconds") }
            if let serviceName {
                // The tag's length is 16 bits, and a PADI must fit in one 1500-byte frame.
                guard serviceName.utf8.count <= 1400 else { throw UsageError("--service is too long") }
            }
        }

        func run() throws(DaemonError) {
            let report: ScanReport
            do {
                report = try LineScanner.scan(interface: interface, serviceName: serviceName, timeoutSeconds: timeout)
            } catch {
                if case .noSuchInterface = error { Relayctl.fail(error.description, code: 2) }
                Relayctl.fail(error.description, code: 1)
            }
            if output.json {
                let json = TerminalText.escapingJSON(ControlJSON.encode(report))
                FileOutput.standardOutput(String(decoding: json, as: UTF8.self))
            } else {
                FileOutput.standardOutput(ScanText.render(report))
            }
            if report.accessConcentrators.isEmpty && report.unlistedAccessConcentrators == 0 {
                Relayctl.fail("no access concentrator answered on \(interface) within \(timeout) s", code: 1)
            }
        }
    }
}
