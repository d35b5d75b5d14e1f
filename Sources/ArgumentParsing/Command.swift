/// Options, flags and arguments that several commands share (`--runtime-dir`, `--json`), or
/// that a command parses again from what it was handed (`daemon`'s options of `run`): their
/// definitions, and how their typed values are read from what was parsed.
public protocol ArgumentGroup {
    static var arguments: [ArgumentDefinition] { get }

    /// Reads the typed values. The parser has already checked every value and every required
    /// one, so this only fails if the definitions and this reading disagree.
    init(parsing values: ParsedValues) throws(UsageError)

    /// Checks across options, after parsing: a failure is a usage error.
    func validate() throws(UsageError)
}

extension ArgumentGroup {
    public func validate() throws(UsageError) {}
}

/// A command that runs: its description (name, help, arguments) and its typed values.
public protocol Command: ArgumentGroup {
    static var command: CommandDescription { get }
}

extension Command {
    public static var arguments: [ArgumentDefinition] { command.arguments }
}

/// A bad command line, or a validation that failed: one line for the user.
public struct UsageError: Error, Equatable, Sendable {
    public let message: String
    /// The argument the error is about as a "Help:" line shows it (`--wan <wan>  The WAN
    /// interface ...`): for a value missing or bad; empty otherwise.
    public let argumentHelp: String

    public init(_ message: String, argumentHelp: String = "") {
        self.message = message
        self.argumentHelp = argumentHelp
    }
}
