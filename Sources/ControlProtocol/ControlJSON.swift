import JSON

/// JSON as relayctl writes it, on the control socket and for `--json`: stable key order, so
/// people and diffs can read it (`JSONFormat.document`: sorted keys, indented as Foundation's
/// JSONEncoder indented them). A value JSON cannot carry (a NaN) gives `{}`, as before.
public enum ControlJSON {
    public static func encode<Value: JSONEncodable>(_ value: Value) -> [UInt8] {
        (try? JSON.encode(value, format: .document)) ?? Array("{}".utf8)
    }
}

/// A document the daemon answers on the control socket, which a client reads back
/// (`StatusReport`, `SessionsReport`, `MSSReport`).
public typealias ControlReply = JSONDecodable
