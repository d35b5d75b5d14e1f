/// The standard library's types as Foundation's JSONEncoder and JSONDecoder write and read
/// them: strings, booleans, integers of every width (in range or refused), Doubles, optionals
/// (null), arrays, and dictionaries with string keys (objects).

extension String: JSONEncodable, JSONDecodable {
    public func jsonValue() -> JSONValue { .string(self) }

    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .string(text) = json else { throw .mismatch("a string", json, path) }
        self = text
    }
}

extension Bool: JSONEncodable, JSONDecodable {
    public func jsonValue() -> JSONValue { .bool(self) }

    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .bool(flag) = json else { throw .mismatch("true or false", json, path) }
        self = flag
    }
}

/// The integer types share one implementation; each conforms in one line below.
public protocol JSONInteger: FixedWidthInteger, JSONEncodable, JSONDecodable {}

extension JSONInteger {
    public func jsonValue() -> JSONValue { .number(String(self)) }

    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .number(text) = json else { throw .mismatch("an integer", json, path) }
        guard let value = JSONNumber.integer(text, as: Self.self) else {
            throw JSONError(.outOfRange, path: path, reason: "\(text) is not \(JSONNumber.typeName(Self.self))")
        }
        self = value
    }
}

extension Int: JSONInteger {}
extension Int8: JSONInteger {}
extension Int16: JSONInteger {}
extension Int32: JSONInteger {}
extension Int64: JSONInteger {}
extension UInt: JSONInteger {}
extension UInt8: JSONInteger {}
extension UInt16: JSONInteger {}
extension UInt32: JSONInteger {}
extension UInt64: JSONInteger {}

extension Double: JSONEncodable {
    public func jsonValue() throws(JSONError) -> JSONValue {
        guard let text = JSONNumber.text(self) else {
            throw JSONError(.unrepresentable, path: "", reason: "\(self) cannot be written in JSON")
        }
        return .number(text)
    }
}

// Embedded Swift's Double(String) calls _swift_stdlib_strtod_clocale, which the router build
// links from CLibc (PR_EMBEDDED_SWIFT); the ordinary build takes it from the Swift runtime.
extension Double: JSONDecodable {
    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .number(text) = json else { throw .mismatch("a number", json, path) }
        guard let value = Double(text), value.isFinite else {
            throw JSONError(.outOfRange, path: path, reason: "\(text) is out of range for a Double")
        }
        self = value
    }
}

extension Optional: JSONEncodable where Wrapped: JSONEncodable {
    public func jsonValue() throws(JSONError) -> JSONValue {
        guard let value = self else { return .null }
        return try value.jsonValue()
    }
}

extension Optional: JSONDecodable where Wrapped: JSONDecodable {
    public init(json: JSONValue, path: String) throws(JSONError) {
        if case .null = json { self = nil } else { self = try Wrapped(json: json, path: path) }
    }
}

extension Array: JSONEncodable where Element: JSONEncodable {
    public func jsonValue() throws(JSONError) -> JSONValue {
        var elements: [JSONValue] = []
        elements.reserveCapacity(count)
        for (index, element) in enumerated() {
            do { elements.append(try element.jsonValue()) } catch { throw error.under("[\(index)]") }
        }
        return .array(elements)
    }
}

extension Array: JSONDecodable where Element: JSONDecodable {
    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .array(elements) = json else { throw .mismatch("an array", json, path) }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try Element(json: element, path: path + "[\(index)]"))
        }
        self = result
    }
}

extension Dictionary: JSONEncodable where Key == String, Value: JSONEncodable {
    public func jsonValue() throws(JSONError) -> JSONValue {
        var members: [JSONMember] = []
        members.reserveCapacity(count)
        for (key, value) in self {
            do { members.append(JSONMember(key, try value.jsonValue())) } catch {
                throw error.under(JSONError.pathComponent(key))
            }
        }
        return .object(members)
    }
}

extension Dictionary: JSONDecodable where Key == String, Value: JSONDecodable {
    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .object(members) = json else { throw .mismatch("an object", json, path) }
        var result: [String: Value] = [:]
        result.reserveCapacity(members.count)
        for member in members {
            let component = JSONError.pathComponent(member.key)
            result[member.key] = try Value(json: member.value, path: path.isEmpty ? component : path + "." + component)
        }
        self = result
    }
}

extension JSONError {
    /// The refusal for a value of the wrong kind: "expected a string, found a number".
    public static func mismatch(_ expected: String, _ found: JSONValue, _ path: String) -> JSONError {
        JSONError(.typeMismatch, path: path, reason: "expected \(expected), found \(found.kindName)")
    }
}
