/// What `relayctl mss show` and `mss set` answer: the setting and the limits it gives a session
/// that negotiated no larger PPP-Max-Payload (0 = not clamped).
public struct MSSReport: Codable, Sendable, Equatable {
    public var schemaVersion = JSONSchema.version
    public var setting: String
    public var ipv4: UInt16
    public var ipv6: UInt16

    public init(setting: String, ipv4: UInt16, ipv6: UInt16) {
        self.setting = setting
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    enum CodingKeys: String, CodingKey {
        case setting, ipv4, ipv6
        case schemaVersion = "schema_version"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? JSONSchema.version
        setting = try c.decode(String.self, forKey: .setting)
        ipv4 = try c.decode(UInt16.self, forKey: .ipv4)
        ipv6 = try c.decode(UInt16.self, forKey: .ipv6)
    }
}
