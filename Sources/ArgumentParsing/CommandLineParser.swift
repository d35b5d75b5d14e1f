/// Parses one command line against a command tree, in two steps, so that a program can run
/// the typed command the line chose without an existential: `selectCommand()` follows the
/// subcommand names to a command, then `parse(_:)` reads that command's typed values (or
/// `finishGroup()`, for a command with subcommands reached without one).
///
/// The order in which problems are found is the one users of swift-argument-parser know:
/// a bad or missing value at once, in the order given; then, unless help or the version was
/// asked for anywhere, a missing required argument, a failed validation, and last whatever
/// is left over (an unknown option before an unexpected value).
///
/// Options belong to the commands that run: a command with subcommands takes none of its own
/// (its subcommand must come next), and only the root's `help` and `--version` are built in.
/// Option names are long (`--name`); of the short ones only `-h` is known.
public struct CommandLineParser {
    public let root: CommandDescription
    private var tokens: [Token] = []
    private var used: [Bool] = []
    private var tokenError: UsageError? = nil
    /// The subcommands chosen so far, by name, below the root.
    public private(set) var path: [String] = []

    /// `arguments` without the program's name.
    public init(root: CommandDescription, arguments: [String]) {
        self.root = root
        do throws(UsageError) {
            tokens = try Token.tokens(of: arguments)
        } catch {
            tokenError = error
        }
        used = [Bool](repeating: false, count: tokens.count)
    }

    /// Follows subcommand names from the root, each of which must come next on the line, to
    /// the command that will run: returns its path. Help asked for with the `help`
    /// subcommand, or as the only thing after a command with subcommands, ends here.
    public mutating func selectCommand() throws(CommandLineExit) -> [String] {
        if let tokenError { throw .usage(tokenError) }
        var current = root
        while true {
            if let index = nextUnused(), case let .value(word) = tokens[index].form {
                if word == CommandDescription.help.name, path.isEmpty, !current.subcommands.isEmpty {
                    used[index] = true
                    path.append(word)
                    try helpCommand()
                }
                if let next = current.subcommand(named: word) {
                    used[index] = true
                    path.append(word)
                    current = next
                    continue
                }
            }
            if current.subcommands.isEmpty { return path }
            // A command with subcommands given nothing but help (or --version) shows its own.
            let left = unusedIndices()
            if left.count == 1 { try checkBuiltIns(among: left) }
            if let name = current.defaultSubcommand, let next = current.subcommand(named: name) {
                path.append(name)
                current = next
                continue
            }
            return path
        }
    }

    /// The command reached has subcommands, and none was named: help and version, or what
    /// is left over, are handled as for any command; if nothing is, the program decides
    /// what a group alone means.
    public mutating func finishGroup() throws(CommandLineExit) {
        if let tokenError { throw .usage(tokenError) }
        try checkBuiltIns(among: unusedIndices())
        try rejectLeftovers(knownNames: [])
    }

    /// Parses the selected command's values into a `C` (which must be what its path names),
    /// validates it, and refuses anything left over.
    public mutating func parse<C: ArgumentGroup>(_ type: C.Type) throws(CommandLineExit) -> C {
        if let tokenError { throw .usage(tokenError) }
        let stack = root.stack(along: path)
        return try parseValues(stack[stack.count - 1].arguments, as: type, builtIns: true)
    }

    /// Parses `arguments` as `G`'s options alone, validated: for what one command hands on to
    /// be read as another's options. Help and version mean nothing here.
    public static func parse<G: ArgumentGroup>(_ type: G.Type, arguments: [String]) throws(CommandLineExit) -> G {
        var parser = CommandLineParser(root: CommandDescription(name: ""), arguments: arguments)
        if let tokenError = parser.tokenError { throw .usage(tokenError) }
        return try parser.parseValues(G.arguments, as: type, builtIns: false)
    }

    private mutating func parseValues<G: ArgumentGroup>(_ definitions: [ArgumentDefinition], as type: G.Type,
                                                        builtIns: Bool) throws(CommandLineExit) -> G {
        var values = ParsedValues(defined: definitions.map { $0.name })
        try scanOptions(definitions, into: &values)
        try scanPositionals(definitions, into: &values)
        if builtIns { try checkBuiltIns(among: unusedIndices()) }
        if let remainder = definitions.first(where: { $0.kind == .remainder }) {
            for index in unusedIndices() {
                values.append(remainder.name, tokens[index].text)
                used[index] = true
            }
        }
        for definition in definitions where definition.isRequired && values.string(definition.name) == nil {
            throw .usage(UsageMessage.missingArgument(definition))
        }
        let group: G
        do throws(UsageError) {
            group = try G(parsing: values)
            try group.validate()
        } catch {
            throw .usage(error)
        }
        try rejectLeftovers(knownNames: definitions.flatMap { $0.longNames })
        return group
    }

    /// Options and flags this command knows, in the order given; each option takes the
    /// value attached with `=`, or else the next word if that is a value.
    private mutating func scanOptions(_ definitions: [ArgumentDefinition],
                                      into values: inout ParsedValues) throws(CommandLineExit) {
        var index = 0
        while index < tokens.count {
            defer { index += 1 }
            guard !used[index], case let .long(name, attached) = tokens[index].form else { continue }
            guard let definition = definitions.first(where: {
                ($0.kind == .option || $0.kind == .flag) && ($0.name == name || $0.inversion == name)
            }) else { continue }
            used[index] = true
            if definition.kind == .flag {
                if let attached { throw .usage(UsageMessage.flagWithValue(name, attached)) }
                values.append(definition.name, name == definition.name ? "true" : "false")
                continue
            }
            let text: String
            if let attached {
                text = attached
            } else if let next = nextUnused(after: index), case let .value(word) = tokens[next].form {
                used[next] = true
                text = word
            } else {
                throw .usage(UsageMessage.missingValue(definition))
            }
            if let problem = definition.check(text) { throw .usage(UsageMessage.invalidValue(text, definition, problem)) }
            values.append(definition.name, text)
        }
    }

    /// Values left after the options, in order, to the positional arguments in order; a
    /// repeating one takes all that remain.
    private mutating func scanPositionals(_ definitions: [ArgumentDefinition],
                                          into values: inout ParsedValues) throws(CommandLineExit) {
        var positionals = definitions.filter { $0.kind == .positional }[...]
        for index in unusedIndices() {
            guard let definition = positionals.first else { return }
            guard case let .value(word) = tokens[index].form else { continue }
            if let problem = definition.check(word) { throw .usage(UsageMessage.invalidValue(word, definition, problem)) }
            used[index] = true
            values.append(definition.name, word)
            if !definition.isRepeating { positionals = positionals.dropFirst() }
        }
    }

    /// The built-in `help [<subcommands> ...]`: the help of the deepest command it names.
    private mutating func helpCommand() throws(CommandLineExit) -> Never {
        var names: [String] = []
        for index in unusedIndices() {
            switch tokens[index].form {
            case let .value(word):
                names.append(word)
                used[index] = true
            case .long, .singleDash:
                if tokens[index].asksForHelp { used[index] = true }
            case .terminator:
                break
            }
        }
        if !root.version.isEmpty, unusedIndices().contains(where: { tokens[$0].asksForVersion }) {
            throw .version(root.version)
        }
        try rejectLeftovers(knownNames: ["--help", "-help"])
        throw .help(path: root.stack(along: names).dropFirst().map { $0.name })
    }

    /// Help anywhere among `indices` (before a `--`) shows the current command's; else
    /// `--version` prints the version, where a command on the path has one.
    private func checkBuiltIns(among indices: [Int]) throws(CommandLineExit) {
        if indices.contains(where: { tokens[$0].asksForHelp || tokens[$0].asksForHiddenHelp }) { throw .help(path: path) }
        let version = root.stack(along: path).last { !$0.version.isEmpty }?.version ?? ""
        if !version.isEmpty, indices.contains(where: { tokens[$0].asksForVersion }) { throw .version(version) }
    }

    private func rejectLeftovers(knownNames: [String]) throws(CommandLineExit) {
        let left = unusedIndices().filter {
            if case .terminator = tokens[$0].form { return false }
            return true
        }
        if let option = left.first(where: { tokens[$0].isOption }) {
            throw .usage(UsageMessage.unknownOption(tokens[option], knownNames: knownNames))
        }
        if !left.isEmpty { throw .usage(UsageMessage.unexpected(left.map { tokens[$0].text })) }
    }

    private func unusedIndices() -> [Int] {
        tokens.indices.filter { !used[$0] }
    }

    private func nextUnused(after index: Int = -1) -> Int? {
        var next = index + 1
        while next < tokens.count {
            if !used[next] { return next }
            next += 1
        }
        return nil
    }
}
