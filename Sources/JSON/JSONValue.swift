/// A JSON document as a tree: what the reader produces and the writer prints.
///
/// Numbers keep the text they were read or written as, so that nothing is lost on the way
/// through (a 64-bit counter, or `-0`, survives as it is) and each field converts the text to
/// its own type with its own range check. Object members keep their order; the writer sorts
/// them only when asked to.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text, which matches RFC 8259's grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// What a refusal calls this kind of value ("found a string").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
