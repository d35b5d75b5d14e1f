/// A command as its users see it, defined once: its name, what help says about it, what it
/// takes, and its subcommands. Parsing, help and errors all read this one description.
public struct CommandDescription: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String
    /// What `--version` prints; empty for none. A subcommand inherits its parent's.
    public let version: String
    public let arguments: [ArgumentDefinition]
    public let subcommands: [CommandDescription]
    /// The subcommand run when none is named.
    public let defaultSubcommand: String?
    /// Whether `-h, --help` is listed in its help (not for the built-in `help` command).
    let listsHelpFlags: Bool

    public init(name: String, abstract: String = "", discussion: String = "", version: String = "",
                arguments: [ArgumentDefinition] = [], subcommands: [CommandDescription] = [],
                defaultSubcommand: String? = nil) {
        self.init(name: name, abstract: abstract, discussion: discussion, version: version, arguments: arguments,
                  subcommands: subcommands, defaultSubcommand: defaultSubcommand, listsHelpFlags: true)
    }

    init(name: String, abstract: String, discussion: String, version: String, arguments: [ArgumentDefinition],
         subcommands: [CommandDescription], defaultSubcommand: String?, listsHelpFlags: Bool) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.arguments = arguments
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
        self.listsHelpFlags = listsHelpFlags
    }

    public func subcommand(named name: String) -> CommandDescription? {
        subcommands.first { $0.name == name }
    }

    /// The built-in `help [<subcommands> ...]` that every command with subcommands has.
    static let help = CommandDescription(
        name: "help", abstract: "Show subcommand help information.", discussion: "", version: "",
        arguments: [.positional("subcommands", as: String.self, help: "", required: false, repeating: true)],
        subcommands: [], defaultSubcommand: nil, listsHelpFlags: false)

    /// The commands from this one down `path` (names of subcommands), as far as they match:
    /// `help` with a path that names nothing shows the deepest command it did name.
    func stack(along path: [String]) -> [CommandDescription] {
        var stack = [self]
        for name in path {
            let current = stack[stack.count - 1]
            if name == CommandDescription.help.name, stack.count == 1, !current.subcommands.isEmpty {
                stack.append(CommandDescription.help)
                continue
            }
            guard let next = current.subcommand(named: name) else { break }
            stack.append(next)
        }
        return stack
    }
}
