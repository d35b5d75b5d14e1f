import ArgumentParsing
import ControlProtocol
import LineCheck
import PPPoEWire
import Libc

extension Relayctl {
    struct Check: RelayctlCommand {
        static let defaultTimeout = 30.0

        static let command = CommandDescription(
            name: "check",
            abstract: "Dial once on an interface to test a PPPoE account, then hang up.",
            discussion: """
                Discovery, LCP, the authentication the access concentrator asks for (PAP, CHAP-MD5, \
                MS-CHAPv2), IPCP and IPv6CP, then LCP Terminate and PADT. Each step is reported with a \
                stable code; exit status 0 when the check succeeded, 1 when it failed. The password comes \
                from --password-file (mode 600) or $RELAYCTL_PASSWORD, never from the command line. It \
                runs beside a relay or a PPPoE client on the same interface, with its own Host-Uniq.

                Codes: \(CheckStep.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")).
                """,
            arguments: [
                .option("interface",
                        help: "The interface facing the access concentrator (the relay's WAN may be used while it runs).",
                        required: true),
                .option("user", help: "The account's user name.", required: true),
                .option("password-file", help: "A file holding the password (one line, readable by its owner only)."),
                .option("service", help: "The service name to ask for (default: any)."),
                .option("ac-name", help: "Accept only the access concentrator of this name."),
                .option("timeout", as: Double.self, help: "Seconds the whole check may take.", defaultValue: "\(defaultTimeout)"),
            ] + OutputOptions.arguments)

        var interface: String
        var user: String
        var passwordFile: String?
        var service: String
        var acName: String?
        var timeout: Double
        var output: OutputOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            interface = try values.required("interface")
            user = try values.required("user")
            passwordFile = values.string("password-file")
            service = values.string("service") ?? ""
            acName = values.string("ac-name")
            timeout = try values.value("timeout", as: Double.self) ?? Self.defaultTimeout
            output = OutputOptions(parsing: values)
        }

        func validate() throws(UsageError) {
            guard timeout > 0, timeout <= 600 else { throw UsageError("--timeout must be between 0 and 600 seconds") }
            guard !interface.isEmpty, !user.isEmpty else { throw UsageError("--interface and --user must not be empty") }
        }

        func run() throws(DaemonError) {
            var password: [UInt8]
            do { password = try PasswordSource.read(file: passwordFile) } catch {
                throw DaemonError.usage(error.description)
            }
            let report = LineCheck.run(LineCheckOptions(interface: interface, user: Array(user.utf8), password: password,
                                                        service: service, acName: acName, timeout: timeout))
            PasswordSource.erase(&password)
            if output.json {
                FileOutput.standardOutput(String(decoding: TerminalText.escapingJSON(ControlJSON.encode(report)), as: UTF8.self))
            } else {
                report.lines.forEach(FileOutput.standardOutput)
            }
            if !report.succeeded { exitWithoutMessage(1) }
        }
    }
}

/// A failed check has already said everything in its report: exit 1 without another line.
private func exitWithoutMessage(_ code: Int32) -> Never { exit(code) }
