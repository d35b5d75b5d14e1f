#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSON

/// JSON as relayctl writes it, on the control socket and for `--json`: stable key order, so
/// people and diffs can read it (`JSONFormat.document`: sorted keys, indented as Foundation's
/// JSONEncoder indented them). A value JSON cannot carry (a NaN) gives `{}`, as before.
public enum ControlJSON {
    public static func encode<Value: JSONEncodable>(_ value: Value) -> [UInt8] {
        (try? JSON.encode(value, format: .document)) ?? Array("{}".utf8)
    }

    /// The same through Codable, for the reports not yet stated in the JSON module's terms.
    @_disfavoredOverload
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}

/// A document the daemon answers on the control socket, which a client reads back
/// (`StatusReport`, `SessionsReport`, `MSSReport`).
public typealias ControlReply = JSONDecodable
