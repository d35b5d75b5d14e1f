/// A command line cut into what each word is: `--name[=value]`, `-x...`, a value, or the
/// `--` after which every word is a value.
struct Token {
    enum Form {
        /// `--name` or `--name=value` (an empty value after `=` is no value).
        case long(name: String, value: String?)
        /// `-x`, `-xyz` or `-x=value`: this command line knows no short options but `-h`.
        case singleDash(name: String, value: String?)
        case value(String)
        case terminator
    }

    let form: Form
    /// The word as given.
    let text: String

    var isValue: Bool {
        if case .value = form { return true }
        return false
    }

    var isOption: Bool {
        switch form {
        case .long, .singleDash: return true
        case .value, .terminator: return false
        }
    }

    /// `-h`, `--help`, or a cluster of single letters with an h in it (`-help`).
    var asksForHelp: Bool {
        switch form {
        case let .long(name, _): return name == "help"
        case let .singleDash(name, value): return value == nil ? name.contains("h") : name == "h"
        case .value, .terminator: return false
        }
    }

    /// `--help-hidden`, which swift-argument-parser answered with help that includes hidden
    /// arguments: there are none here, so it is help like any other.
    var asksForHiddenHelp: Bool {
        if case let .long(name, _) = form { return name == "help-hidden" }
        return false
    }

    var asksForVersion: Bool {
        if case let .long(name, _) = form { return name == "version" }
        return false
    }

    /// How an error names the option: `--bogus`, `-x`, `-xyz`.
    var optionName: String {
        switch form {
        case let .long(name, _): return "--" + name
        case let .singleDash(name, _): return "-" + name
        case let .value(text): return text
        case .terminator: return "--"
        }
    }

    /// One letter after a single dash: a short name, never close to a long one.
    var isShortName: Bool {
        if case let .singleDash(name, _) = form { return name.count == 1 }
        return false
    }

    /// Cuts `arguments` into tokens. A word of three or more dashes, or a name that is
    /// empty before its `=`, is no option at all: that is an error at once.
    static func tokens(of arguments: [String]) throws(UsageError) -> [Token] {
        var tokens: [Token] = []
        var afterTerminator = false
        for word in arguments {
            if afterTerminator {
                tokens.append(Token(form: .value(word), text: word))
                continue
            }
            let characters = Array(word)
            var dashes = 0
            while dashes < characters.count, characters[dashes] == "-" { dashes += 1 }
            let rest = String(characters[dashes...])
            switch (dashes, rest.isEmpty) {
            case (0, _), (1, true):
                tokens.append(Token(form: .value(word), text: word))
            case (2, true):
                tokens.append(Token(form: .terminator, text: word))
                afterTerminator = true
            case (1, false):
                let (name, value) = nameAndValue(rest)
                guard !name.isEmpty else { throw UsageError("Invalid option: -\(rest)") }
                tokens.append(Token(form: .singleDash(name: name, value: value), text: word))
            case (2, false):
                let (name, value) = nameAndValue(rest)
                tokens.append(Token(form: .long(name: name, value: value?.isEmpty == true ? nil : value), text: word))
            default:
                throw UsageError("Invalid option: \(word)")
            }
        }
        return tokens
    }

    private static func nameAndValue(_ text: String) -> (String, String?) {
        guard let equals = text.firstIndex(of: "=") else { return (text, nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}
