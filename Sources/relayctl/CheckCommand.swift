import ArgumentParsing
import ControlProtocol
import LineCheck
import PPPControl
import PPPoEWire
import Libc

extension Relayctl {
    struct Check: RelayctlCommand {
        static let defaultTimeout = 30.0
        /// Every method the check speaks, for compatibility with ACs that ask for PAP (as pppd and
        /// RouterOS allow by default); `--allow` narrows it, and a refusal is reported, not hidden.
        static let defaultAllow = AuthenticationProtocol.all.map { $0.allowName }.joined(separator: ",")

        static let command = CommandDescription(
            name: "check",
            abstract: "Dial once on an interface to test a PPPoE account, then hang up.",
            discussion: """
                Discovery, LCP, the authentication the access concentrator asks for (PAP, CHAP-MD5, \
                MS-CHAPv2), IPCP and IPv6CP, then LCP Terminate and PADT. An authentication method \
                --allow leaves out is refused (code 34) and the password is not sent. Each step is \
                reported with a stable code; exit status 0 when the check succeeded, 1 when it failed. \
                The password comes from --password-file (mode 600) or $RELAYCTL_PASSWORD, never from the \
                command line. It runs beside a relay or a PPPoE client on the same interface, with its \
                own Host-Uniq.

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
                .option("allow", valueName: "methods",
                        help: "The authentication methods the check may use, comma-separated: mschap2, chap, pap "
                            + "(PAP sends the password in clear).",
                        defaultValue: defaultAllow),
                .option("timeout", as: Double.self, help: "Seconds the whole check may take.", defaultValue: "\(defaultTimeout)"),
            ] + OutputOptions.arguments)

        var interface: String
        var user: String
        var passwordFile: String?
        var service: String
        var acName: String?
        var allowed: [AuthenticationProtocol]
        var timeout: Double
        var output: OutputOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            interface = try values.required("interface")
            user = try values.required("user")
            passwordFile = values.string("password-file")
            service = values.string("service") ?? ""
            acName = values.string("ac-name")
            allowed = try Self.methods(values.string("allow") ?? Self.defaultAllow)
            timeout = try values.value("timeout", as: Double.self) ?? Self.defaultTimeout
            output = OutputOptions(parsing: values)
        }

        func validate() throws(UsageError) {
            guard timeout > 0, timeout <= 600 else { throw UsageError("--timeout must be between 0 and 600 seconds") }
            guard !interface.isEmpty, !user.isEmpty else { throw UsageError("--interface and --user must not be empty") }
        }

        /// `--allow`'s methods: RouterOS's names, comma-separated; one the check does not speak is
        /// a usage error rather than silently dropped.
        static func methods(_ list: String) throws(UsageError) -> [AuthenticationProtocol] {
            let supported = AuthenticationProtocol.all.map { $0.allowName }.joined(separator: ", ")
            guard !list.isEmpty else { throw UsageError("--allow needs at least one method (\(supported))") }
            var methods: [AuthenticationProtocol] = []
            for name in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let method = AuthenticationProtocol(allowName: String(name)) else {
                    throw UsageError("--allow: '\(name)' is not a method the check speaks (\(supported))")
                }
                methods.append(method)
            }
            return methods
        }

        func run() throws(DaemonError) {
            var password: [UInt8]
            do { password = try PasswordSource.read(file: passwordFile) } catch {
                throw DaemonError.usage(error.description)
            }
            let report = LineCheck.run(LineCheckOptions(interface: interface, user: Array(user.utf8), password: password,
                                                        service: service, acName: acName, timeout: timeout,
                                                        allowed: allowed))
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
