import ArgumentParsing

extension Relayctl {
    /// The exit status of a query when no relay runs (`systemctl is-active` uses 3 for inactive).
    static let notRunningStatus: Int32 = 3
}

/// A command group run without its subcommand (`relayctl`, `relayctl mss`, `relayctl fastpath`):
/// the group's usage on stderr, then one line and exit 2, so a script that lost an argument
/// does not read help as success.
func missingSubcommand(_ path: [String]) -> Never {
    FileOutput.standardError(HelpText.render(Relayctl.command, path: path, screenWidth: Relayctl.helpWidth))
    Relayctl.fail((["relayctl"] + path).joined(separator: " ") + " needs a subcommand", code: 2)
}
