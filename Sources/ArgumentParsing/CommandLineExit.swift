/// How parsing ends when it does not end in a command to run.
public enum CommandLineExit: Error, Equatable, Sendable {
    /// Help was asked for: the command's path below the root (empty for the root itself).
    /// Printed on standard output, exit status 0.
    case help(path: [String])
    /// `--version`: print this, exit status 0.
    case version(String)
    /// A bad command line or a failed validation.
    case usage(UsageError)
}

/// The one-line messages of a bad command line, worded as swift-argument-parser words them,
/// which is what scripts and users of relayctl have seen.
enum UsageMessage {
    static func missingValue(_ definition: ArgumentDefinition) -> UsageError {
        UsageError("Missing value for '\(definition.synopsis)'", argumentHelp: argumentHelp(definition))
    }

    static func missingArgument(_ definition: ArgumentDefinition) -> UsageError {
        UsageError("Missing expected argument '\(definition.synopsis)'", argumentHelp: argumentHelp(definition))
    }

    static func flagWithValue(_ name: String, _ value: String) -> UsageError {
        UsageError("The option '--\(name)' does not take any value, but '\(value)' was specified.")
    }

    static func invalidValue(_ text: String, _ definition: ArgumentDefinition, _ error: ArgumentValueError) -> UsageError {
        let said = "The value '\(text)' is invalid for '\(definition.synopsis)'"
        let message: String
        switch error {
        case .invalid: message = said
        case let .because(reason): message = said + ": " + reason
        case let .notOneOf(values): message = said + ". Please provide one of " + alternatives(values) + "."
        }
        return UsageError(message, argumentHelp: argumentHelp(definition))
    }

    /// `--wan <wan>  The WAN interface facing the access concentrator.`
    static func argumentHelp(_ definition: ArgumentDefinition) -> String {
        definition.synopsis + "  " + definition.help
    }

    /// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
    static func alternatives(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        guard let last = quoted.last else { return "" }
        if quoted.count == 1 { return last }
        return quoted.dropLast().joined(separator: ", ") + " or " + last
    }

    /// An unknown option, and the long name nearest to it when one is near enough (fewer
    /// than four edits; the first of the nearest, in the order the command defines them).
    static func unknownOption(_ token: Token, knownNames: [String]) -> UsageError {
        UsageError(unknownOptionMessage(token, knownNames: knownNames))
    }

    private static func unknownOptionMessage(_ token: Token, knownNames: [String]) -> String {
        let name = token.optionName
        guard !token.isShortName else { return "Unknown option '\(name)'" }
        var best: (name: String, distance: Int)? = nil
        for candidate in knownNames {
            let distance = EditDistance.between(candidate, name)
            if distance < 4, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return "Unknown option '\(name)'" }
        return "Unknown option '\(name)'. Did you mean '\(best.name)'?"
    }

    static func unexpected(_ words: [String]) -> UsageError {
        if words.count == 1 { return UsageError("Unexpected argument '\(words[0])'") }
        return UsageError("\(words.count) unexpected arguments: " + words.map { "'\($0)'" }.joined(separator: ", "))
    }
}
