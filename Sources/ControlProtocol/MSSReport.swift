import JSON

/// What `relayctl mss show` and `mss set` answer: the setting and the limits it gives a session
/// that negotiated no larger PPP-Max-Payload (0 = not clamped).
public struct MSSReport: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public var schemaVersion = JSONSchema.version
    public var setting: String
    public var ipv4: UInt16
    public var ipv6: UInt16

    public init(setting: String, ipv4: UInt16, ipv6: UInt16) {
        self.setting = setting
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    public init(from object: JSONObjectReader) throws(JSONError) {
        schemaVersion = try object.readIfPresent("schema_version") ?? JSONSchema.version
        setting = try object.read("setting")
        ipv4 = try object.read("ipv4")
        ipv6 = try object.read("ipv6")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", schemaVersion)
        try object.write("setting", setting)
        try object.write("ipv4", ipv4)
        try object.write("ipv6", ipv6)
    }
}
