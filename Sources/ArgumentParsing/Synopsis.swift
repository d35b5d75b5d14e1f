/// The USAGE line: the command's path, then each argument (`[--json]`, `--wan <wan>`,
/// `[<relay-arguments> ...]`); past twelve, only the required ones after `[<options>]`.
enum Synopsis {
    static let mostListed = 12

    static func usage(_ stack: [CommandDescription]) -> String {
        let command = stack[stack.count - 1]
        let toolName = stack.map { $0.name }.joined(separator: " ")
        var arguments = command.arguments.flatMap { parts(of: $0) }
        var usage: String
        if arguments.isEmpty {
            usage = toolName
        } else if arguments.count > mostListed {
            arguments = arguments.filter { $0.required }
            if arguments.isEmpty || arguments.count > mostListed {
                usage = toolName + " <options>"
            } else {
                usage = toolName + " [<options>] " + arguments.map { $0.text }.joined(separator: " ")
            }
        } else {
            usage = toolName + " " + arguments.map { $0.text }.joined(separator: " ")
        }
        if !command.subcommands.isEmpty {
            if !usage.hasSuffix(" ") { usage += " " }
            usage += "<subcommand>"
        }
        return usage
    }

    /// One argument as the usage line shows it; a flag with an inversion shows both.
    private static func parts(of definition: ArgumentDefinition) -> [(text: String, required: Bool)] {
        if definition.kind == .flag, let inversion = definition.inversion {
            return [("[--\(definition.name)]", false), ("[--\(inversion)]", false)]
        }
        var text = definition.synopsis
        if definition.isRepeating { text += " ..." }
        if definition.isOptional { text = "[\(text)]" }
        return [(text, definition.kind == .positional || definition.kind == .remainder || !definition.isOptional)]
    }
}
