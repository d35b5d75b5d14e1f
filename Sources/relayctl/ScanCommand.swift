import ArgumentParser
import ControlProtocol
import LineScan
import PPPoEWire

extension Relayctl {
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Broadcast PADIs on an interface and list every access concentrator that answers.",
            discussion: """
                Sends a PADI with an empty Service-Name (and, with --service, one asking for that \
                service), collects PADOs until the timeout and shows, per AC: AC-Name, services, \
                cookie, whether it echoes Relay-Session-Id, PPP-Max-Payload and response time. No PADR \
                is sent. It runs beside the relay and the router's own PPPoE client on the same \
                interface without disturbing either. Exit 0 when an AC answered, 1 when none did.
                """)

        @Option(name: .long, help: "The interface to scan (the WAN).")
        var interface: String

        @Option(name: .customLong("service"), help: "A Service-Name to ask for besides the empty one.")
        var serviceName: String?

        @Option(help: "Seconds to collect answers (0.1 to 60).")
        var timeout: Double = 3

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard timeout >= 0.1, timeout <= 60 else { throw ValidationError("--timeout must be between 0.1 and 60 seconds") }
            if let serviceName {
                // The tag's length is 16 bits, and a PADI must fit in one 1500-byte frame.
                guard serviceName.utf8.count <= 1400 else { throw ValidationError("--service is too long") }
            }
        }

        func run() throws {
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
