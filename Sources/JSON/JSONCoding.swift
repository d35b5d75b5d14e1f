/// How a type states its JSON shape, once, for both builds: no Codable, no key paths, no
/// existentials; generics and typed throws only, so the same code compiles as Embedded Swift.

/// A value that can be written as JSON.
public protocol JSONEncodable {
    /// This value as a JSON tree. Throws only for what JSON cannot express (a NaN).
    func jsonValue() throws(JSONError) -> JSONValue
}

/// A value that can be read from JSON.
public protocol JSONDecodable {
    /// The value `json` holds; `path` names where it is, for the refusal.
    init(json: JSONValue, path: String) throws(JSONError)
}

public typealias JSONCodable = JSONEncodable & JSONDecodable

/// A type written as a JSON object, member by member.
public protocol JSONObjectEncodable: JSONEncodable {
    func encode(to object: inout JSONObjectWriter) throws(JSONError)
}

extension JSONObjectEncodable {
    public func jsonValue() throws(JSONError) -> JSONValue {
        var object = JSONObjectWriter()
        try encode(to: &object)
        return .object(object.members)
    }
}

/// A type read from a JSON object, member by member.
public protocol JSONObjectDecodable: JSONDecodable {
    init(from object: JSONObjectReader) throws(JSONError)
}

extension JSONObjectDecodable {
    public init(json: JSONValue, path: String) throws(JSONError) {
        guard case let .object(members) = json else {
            throw JSONError(.typeMismatch, path: path, reason: "expected an object, found \(json.kindName)")
        }
        try self.init(from: JSONObjectReader(members: members, path: path))
    }
}

/// Collects an object's members; a key written again replaces the earlier value, as in a
/// Codable keyed container.
public struct JSONObjectWriter {
    public private(set) var members: [JSONMember] = []

    public init() {}

    /// `value` under `key`; an Optional that is nil is written as null.
    public mutating func write<Value: JSONEncodable>(_ key: String, _ value: Value) throws(JSONError) {
        let json: JSONValue
        do { json = try value.jsonValue() } catch { throw error.under(key) }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = json
        } else {
            members.append(JSONMember(key, json))
        }
    }

    /// `value` under `key`, or no key at all when it is nil (as Codable's `encodeIfPresent`).
    public mutating func writeIfPresent<Value: JSONEncodable>(_ key: String, _ value: Value?) throws(JSONError) {
        if let value { try write(key, value) }
    }

    /// Every member `value` writes, beside these (a type that extends another's document).
    public mutating func merge<Value: JSONObjectEncodable>(_ value: Value) throws(JSONError) {
        try value.encode(to: &self)
    }
}

/// An object's members, read by key. Keys the type does not ask for are ignored, so a
/// document from a newer version reads; keys it asks for with `readIfPresent` may be absent,
/// so a document from an older one reads too.
public struct JSONObjectReader {
    public let members: [JSONMember]
    /// Where this object is in the document ("" for the root).
    public let path: String

    public init(members: [JSONMember], path: String) {
        self.members = members
        self.path = path
    }

    public func contains(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The path of `key` in this object.
    public func path(of key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The value under `key`, which must be present (null only where `Value` is an Optional).
    public func read<Value: JSONDecodable>(_ key: String) throws(JSONError) -> Value {
        guard let member = members.first(where: { $0.key == key }) else {
            throw JSONError(.missingKey, path: path(of: key), reason: "missing")
        }
        return try Value(json: member.value, path: path(of: key))
    }

    /// The value under `key`, or nil when it is absent or null (as Codable's `decodeIfPresent`).
    public func readIfPresent<Value: JSONDecodable>(_ key: String) throws(JSONError) -> Value? {
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        if case .null = member.value { return nil }
        return try Value(json: member.value, path: path(of: key))
    }
}
