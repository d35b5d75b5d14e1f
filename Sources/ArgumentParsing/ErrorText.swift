/// A usage error as swift-argument-parser's own `main` shows it, for a program that wants that
/// layout (relayctl prints one line instead):
///
///     Error: Missing expected argument '--iface <iface>'
///     Help:  --iface <iface>  Interface to send on.
///     Usage: tool flood --iface <iface> [--size <size>]
///       See 'tool flood --help' for more information.
public enum ErrorText {
    /// `error` about the command at `path` below `root`, without a final line break.
    public static func render(_ root: CommandDescription, path: [String], error: UsageError) -> String {
        let stack = root.stack(along: path)
        var text = error.message.isEmpty ? "" : "Error: \(error.message)\n"
        if !error.argumentHelp.isEmpty { text += "Help:  \(error.argumentHelp)\n" }
        let names = stack.map { $0.name }.joined(separator: " ")
        text += "Usage: \(Synopsis.usage(stack))"
        // The built-in `help` command has no --help of its own to point to.
        if stack[stack.count - 1].listsHelpFlags { text += "\n  See '\(names) --help' for more information." }
        return text
    }
}
