/// The project's own JSON, in place of Codable and Foundation's JSONEncoder/JSONDecoder: both
/// builds (tests, and the router's Embedded Swift binary) use the same code, and each type
/// states its JSON shape once (`JSONObjectEncodable`, `JSONObjectDecodable`).
public enum JSON {
    /// `value` as a document in `format` (default: relayctl's, sorted and indented).
    public static func encode<Value: JSONEncodable>(_ value: Value, format: JSONFormat = .document) throws(JSONError) -> [UInt8] {
        JSONWriter.write(try value.jsonValue(), format: format)
    }

    /// The `Value` the document `bytes` holds, read strictly (`JSONReader`).
    public static func decode<Value: JSONDecodable>(_ type: Value.Type, from bytes: [UInt8],
                                                    limits: JSONLimits = JSONLimits()) throws(JSONError) -> Value {
        try Value(json: JSONReader.read(bytes, limits: limits), path: "")
    }
}
