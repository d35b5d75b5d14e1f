/// One thing a command takes on its command line: an option with a value (`--wan eth0`), a
/// flag (`--json`), a positional argument (`<setting>`), or the remainder (everything the
/// command does not know, handed on as it was given).
public struct ArgumentDefinition: Sendable {
    public enum Kind: Equatable, Sendable {
        case option, flag, positional, remainder
    }

    public let kind: Kind
    /// The long name without its dashes (options and flags); the value name for the others.
    public let name: String
    /// What help and errors call the value: `--wan <wan>`.
    public let valueName: String
    public let help: String
    /// Shown in help as "(default: ...)"; nil or empty shows nothing.
    public let defaultValue: String?
    /// Shown in help as "(values: ...)".
    public let allValues: [String]
    /// A required option or argument missing is a usage error.
    public let isRequired: Bool
    /// Every occurrence is kept (`--lan a --lan b`); otherwise the last one counts.
    public let isRepeating: Bool
    /// A flag's inverse (`no-verbose` for `--no-verbose`), which sets it false again.
    public let inversion: String?
    /// Converts a given text, or says why it cannot: checked while parsing, in the order
    /// the values were given, so the first bad value is the one reported.
    let check: @Sendable (String) -> ArgumentValueError?

    init(kind: Kind, name: String, valueName: String, help: String, defaultValue: String?, allValues: [String],
         isRequired: Bool, isRepeating: Bool, inversion: String?, check: @escaping @Sendable (String) -> ArgumentValueError?) {
        self.kind = kind
        self.name = name
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.allValues = allValues
        self.isRequired = isRequired
        self.isRepeating = isRepeating
        self.inversion = inversion
        self.check = check
    }

    /// `--name <value>` whose value is a `Value`.
    public static func option<Value: ArgumentValue>(
        _ name: String, as type: Value.Type, valueName: String? = nil, help: String, defaultValue: String? = nil,
        required: Bool = false, repeating: Bool = false
    ) -> ArgumentDefinition {
        ArgumentDefinition(kind: .option, name: name, valueName: valueName ?? name, help: help, defaultValue: defaultValue,
                           allValues: Value.allArgumentValues, isRequired: required, isRepeating: repeating,
                           inversion: nil, check: checker(for: type))
    }

    /// `--name <value>` whose value is any text.
    public static func option(_ name: String, valueName: String? = nil, help: String, defaultValue: String? = nil,
                              required: Bool = false, repeating: Bool = false) -> ArgumentDefinition {
        option(name, as: String.self, valueName: valueName, help: help, defaultValue: defaultValue,
               required: required, repeating: repeating)
    }

    /// `--name`, true when given; with an inversion, `--no-name` makes it false again.
    public static func flag(_ name: String, inversion: String? = nil, help: String) -> ArgumentDefinition {
        ArgumentDefinition(kind: .flag, name: name, valueName: name, help: help, defaultValue: nil, allValues: [],
                           isRequired: false, isRepeating: false, inversion: inversion, check: { _ in nil })
    }

    /// `<name>`, a value given by its position, which is a `Value`.
    public static func positional<Value: ArgumentValue>(
        _ valueName: String, as type: Value.Type, help: String, required: Bool = true, repeating: Bool = false
    ) -> ArgumentDefinition {
        ArgumentDefinition(kind: .positional, name: valueName, valueName: valueName, help: help, defaultValue: nil,
                           allValues: Value.allArgumentValues, isRequired: required, isRepeating: repeating,
                           inversion: nil, check: checker(for: type))
    }

    /// Everything the command does not recognise (unknown options, values, `--` and what
    /// follows), in the order given, as given: for a command that hands its arguments on.
    public static func remainder(_ valueName: String, help: String) -> ArgumentDefinition {
        ArgumentDefinition(kind: .remainder, name: valueName, valueName: valueName, help: help, defaultValue: nil,
                           allValues: [], isRequired: false, isRepeating: true, inversion: nil, check: { _ in nil })
    }

    private static func checker<Value: ArgumentValue>(for type: Value.Type) -> @Sendable (String) -> ArgumentValueError? {
        { text in
            do throws(ArgumentValueError) {
                _ = try Value(argument: text)
                return nil
            } catch {
                return error
            }
        }
    }

    /// How errors name it: `--wan <wan>`, `--json`, `<setting>`.
    var synopsis: String {
        switch kind {
        case .option: return "--\(name) <\(valueName)>"
        case .flag: return "--\(name)"
        case .positional, .remainder: return "<\(valueName)>"
        }
    }

    /// An option or argument that may be left out.
    var isOptional: Bool { kind == .flag || kind == .remainder || !isRequired }

    /// The long names it answers to, with their dashes.
    var longNames: [String] {
        switch kind {
        case .option: return ["--" + name]
        case .flag: return ["--" + name] + (inversion.map { ["--" + $0] } ?? [])
        case .positional, .remainder: return []
        }
    }
}
