/// A command's help, laid out as swift-argument-parser lays it out (OVERVIEW, USAGE,
/// ARGUMENTS, OPTIONS, SUBCOMMANDS; labels in a 26-column margin; text wrapped to the
/// screen's width), which is what users of relayctl know.
public enum HelpText {
    static let indent = 2
    static let labelColumn = 26

    /// The help of the command at `path` below `root` (the deepest one that exists),
    /// without a final line break.
    public static func render(_ root: CommandDescription, path: [String], screenWidth: Int) -> String {
        let stack = root.stack(along: path)
        let command = stack[stack.count - 1]
        var overview = command.abstract
        if !command.discussion.isEmpty {
            if !overview.isEmpty { overview += "\n" }
            overview += "\n" + command.discussion
        }
        var text = ""
        if !overview.isEmpty { text += TextWrapping.wrap("OVERVIEW: " + overview, width: screenWidth) + "\n\n" }
        text += "USAGE: " + Synopsis.usage(stack) + "\n\n"

        var positionals = ""
        var options = ""
        for definition in command.arguments {
            let element = self.element(label(definition), description(definition), screenWidth)
            if definition.kind == .positional || definition.kind == .remainder {
                positionals += element
            } else {
                options += element
            }
        }
        if let version = stack.last(where: { !$0.version.isEmpty })?.version, !version.isEmpty {
            options += element("--version", "Show the version.", screenWidth)
        }
        if command.listsHelpFlags {
            options += element("-h, --help", "Show help information.", screenWidth)
        }
        var subcommands = ""
        for subcommand in command.subcommands {
            let label = subcommand.name + (subcommand.name == command.defaultSubcommand ? " (default)" : "")
            subcommands += element(label, subcommand.abstract, screenWidth)
        }
        let sections = [("ARGUMENTS", positionals), ("OPTIONS", options), ("SUBCOMMANDS", subcommands)]
            .filter { !$0.1.isEmpty }
            .map { $0.0 + ":\n" + $0.1 }
        text += sections.joined(separator: "\n")
        if !subcommands.isEmpty {
            var names = stack.map { $0.name }
            names.insert("help", at: 1)
            text += "\n  See '\(names.joined(separator: " ")) <subcommand>' for detailed help."
        }
        return text
    }

    /// `--wan <wan>`, `--json`, `--verbose/--no-verbose`, `<setting>`.
    private static func label(_ definition: ArgumentDefinition) -> String {
        if definition.kind == .flag, let inversion = definition.inversion {
            return "--\(definition.name)/--\(inversion)"
        }
        return definition.synopsis
    }

    /// The help text, then what values it takes and its default.
    private static func description(_ definition: ArgumentDefinition) -> String {
        let values = definition.allValues.filter { !$0.isEmpty }
        let defaultValue = definition.defaultValue ?? ""
        var notes = ""
        switch (values.isEmpty, defaultValue.isEmpty) {
        case (true, true): notes = ""
        case (false, true): notes = "(values: \(values.joined(separator: ", ")))"
        case (true, false): notes = "(default: \(defaultValue))"
        case (false, false): notes = "(values: \(values.joined(separator: ", ")); default: \(defaultValue))"
        }
        return [definition.help, notes].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A label in the margin and its text beside it, or below it when the label is too wide.
    private static func element(_ label: String, _ text: String, _ screenWidth: Int) -> String {
        let padded = String(repeating: " ", count: indent) + label
        guard !text.isEmpty else { return padded + "\n" }
        let wrapped = TextWrapping.wrap(text, width: screenWidth, indent: labelColumn)
        if padded.count < labelColumn { return padded + String(wrapped.dropFirst(padded.count)) + "\n" }
        return padded + "\n" + wrapped + "\n"
    }
}
