import ArgumentParser
import UserspaceRelay

extension Relayctl {
    /// The exit status of a query when no relay runs (`systemctl is-active` uses 3 for inactive).
    static let notRunningStatus: Int32 = 3

    /// `relayctl` alone names nothing to do: a usage error like any other, not help and success.
    func run() throws { missingSubcommand(Self.self) }
}

/// A command group run without its subcommand (`relayctl`, `relayctl mss`, `relayctl fastpath`):
/// the group's usage on stderr, then one line and exit 2, so a script that lost an argument
/// does not read help as success.
func missingSubcommand(_ command: any ParsableCommand.Type) -> Never {
    FileOutput.standardError(Relayctl.helpMessage(for: command))
    let path = command == Relayctl.self ? "relayctl" : "relayctl \(command.configuration.commandName ?? "")"
    Relayctl.fail("\(path) needs a subcommand", code: 2)
}

extension MSSSetting {
    /// `--mss` and `mss set`: a rejected value says why.
    static func parsed(_ text: String) throws -> MSSSetting {
        switch MSSSetting.parse(text) {
        case let .success(setting): return setting
        case let .failure(problem): throw ValidationError(problem.description)
        }
    }
}
