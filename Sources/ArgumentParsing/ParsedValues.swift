/// What the parser found for one command, by argument name, in the order given: what a
/// command's `init(parsing:)` reads its typed values from.
public struct ParsedValues {
    /// (name, value) in the order given; a flag's value is "true" or "false".
    private var entries: [(name: String, value: String)] = []
    /// The names the command defines: reading any other is a slip in the command's code,
    /// which a debug build stops at (every command's reading runs in the tests).
    private let defined: [String]

    init(defined: [String]) {
        self.defined = defined
    }

    mutating func append(_ name: String, _ value: String) {
        entries.append((name, value))
    }

    /// Every value given for `name`, in order.
    public func strings(_ name: String) -> [String] {
        assert(defined.contains(name), "no argument named \(name) is defined")
        return entries.filter { $0.name == name }.map { $0.value }
    }

    /// The last value given for `name`.
    public func string(_ name: String) -> String? {
        assert(defined.contains(name), "no argument named \(name) is defined")
        return entries.last { $0.name == name }?.value
    }

    /// A flag: true when given (and not turned off again by its inversion).
    public func flag(_ name: String) -> Bool {
        string(name) == "true"
    }

    /// The last value given for `name`, as a `Value`; nil when none was given.
    public func value<Value: ArgumentValue>(_ name: String, as type: Value.Type) throws(UsageError) -> Value? {
        guard let text = string(name) else { return nil }
        return try Self.convert(text, name)
    }

    /// Every value given for `name`, as `Value`s.
    public func values<Value: ArgumentValue>(_ name: String, as type: Value.Type) throws(UsageError) -> [Value] {
        var result: [Value] = []
        for text in strings(name) { result.append(try Self.convert(text, name)) }
        return result
    }

    /// The value of a required option or argument.
    public func required<Value: ArgumentValue>(_ name: String, as type: Value.Type) throws(UsageError) -> Value {
        guard let value = try value(name, as: type) else { throw UsageError("Missing expected argument '\(name)'") }
        return value
    }

    /// A required text value.
    public func required(_ name: String) throws(UsageError) -> String {
        try required(name, as: String.self)
    }

    private static func convert<Value: ArgumentValue>(_ text: String, _ name: String) throws(UsageError) -> Value {
        do throws(ArgumentValueError) {
            return try Value(argument: text)
        } catch {
            throw UsageError("The value '\(text)' is invalid for '\(name)'")
        }
    }
}
