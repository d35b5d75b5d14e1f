/// A type that an option's or a positional argument's text converts to: `Int`, `Double`,
/// `String`, a `CaseIterable` enum of strings, or anything that says why a text is not one.
public protocol ArgumentValue: SendableMetatype {
    /// The value `text` stands for; the error says why it stands for none.
    init(argument text: String) throws(ArgumentValueError)

    /// Every value there is, for help's "(values: ...)"; empty where the values are open.
    static var allArgumentValues: [String] { get }
}

extension ArgumentValue {
    public static var allArgumentValues: [String] { [] }
}

/// Why a text is no value of its type, as the error line says it.
public enum ArgumentValueError: Error, Equatable, Sendable {
    /// "The value 'x' is invalid for '--count <count>'".
    case invalid
    /// "... is invalid for '--mss <mss>': <reason>".
    case because(String)
    /// "... is invalid for '--dataplane <dataplane>'. Please provide one of 'a', 'b' or 'c'."
    case notOneOf([String])
}

extension String: ArgumentValue {
    public init(argument text: String) throws(ArgumentValueError) { self = text }
}

extension Int: ArgumentValue {
    /// Decimal, with an optional sign; no spaces, no other bases, nothing that overflows.
    public init(argument text: String) throws(ArgumentValueError) {
        guard let value = Int(text) else { throw .invalid }
        self = value
    }
}

extension Double: ArgumentValue {
    /// What Swift's `Double(_:)` reads: decimal or hexadecimal, `inf` and `nan` included.
    public init(argument text: String) throws(ArgumentValueError) {
        guard let value = Double(text) else { throw .invalid }
        self = value
    }
}

extension ArgumentValue where Self: RawRepresentable, Self.RawValue == String, Self: CaseIterable {
    /// An enum of strings takes exactly its raw values.
    public init(argument text: String) throws(ArgumentValueError) {
        guard let value = Self(rawValue: text) else { throw .notOneOf(Self.allArgumentValues) }
        self = value
    }

    public static var allArgumentValues: [String] { allCases.map { $0.rawValue } }
}
