import JSON

/// The version of every JSON document relayctl prints (`schema_version`): status, sessions,
/// mss, fastpath status and the saved configuration's keys. It goes up only when a key is
/// renamed, removed or changes meaning; new keys may appear within a version.
public enum JSONSchema {
    public static let version = 1
}

/// What `relayctl status --json` prints when nothing answers on the control socket, with exit
/// status 3 (as `systemctl is-active` does for an inactive unit).
public struct NotRunningReport: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public var running = false
    public var schemaVersion = JSONSchema.version
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public init(from object: JSONObjectReader) throws(JSONError) {
        running = try object.read("running")
        schemaVersion = try object.read("schema_version")
        reason = try object.read("reason")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("running", running)
        try object.write("schema_version", schemaVersion)
        try object.write("reason", reason)
    }
}
