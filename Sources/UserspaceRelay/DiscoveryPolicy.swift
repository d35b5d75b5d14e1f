import JSON

/// What the relay lets through discovery, beyond RFC 2516 itself: limits that keep one host
/// (or a flood of forged ones) from taking the relay from everybody else.
public struct DiscoveryPolicy: Sendable, Equatable, JSONObjectEncodable, JSONObjectDecodable {
    /// Sessions one client MAC may hold at once; 0 = no limit. A client over it gets the same
    /// PADS Generic-Error as a full table, and the AC a PADT.
    public var maxSessionsPerClient: Int
    /// When not empty, only offers from an AC whose AC-Name is one of these are relayed.
    public var acNames: [String]
    /// When not empty, only offers carrying one of these Service-Names are relayed.
    public var serviceNames: [String]
    /// PADIs a client MAC may send per minute once its burst is spent; 0 = no per-client limit.
    public var padiPerClientPerMinute: Int
    /// PADIs a client MAC may send at once: one discovery attempt of a real client (rp-pppoe
    /// and pppd send three, five seconds and more apart) fits, whatever the per-minute rate.
    public var padiPerClientBurst: Int
    /// PADIs relayed per second from all clients together; 0 = no overall limit.
    public var padiPerSecond: Int
    /// Access concentrators whose offers one client may hold at once. A real WAN has one or
    /// two; forged offers beyond this are dropped, not stored.
    public var offersPerClient: Int

    public static let standard = DiscoveryPolicy()
    /// Above this a rate is no limit at all; bounded so that token arithmetic cannot overflow.
    public static let rateLimit = 10_000_000

    public init(maxSessionsPerClient: Int = 0, acNames: [String] = [], serviceNames: [String] = [],
                padiPerClientPerMinute: Int = 2, padiPerClientBurst: Int = 3, padiPerSecond: Int = 2000,
                offersPerClient: Int = 4) {
        self.maxSessionsPerClient = maxSessionsPerClient
        self.acNames = acNames
        self.serviceNames = serviceNames
        self.padiPerClientPerMinute = padiPerClientPerMinute
        self.padiPerClientBurst = padiPerClientBurst
        self.padiPerSecond = padiPerSecond
        self.offersPerClient = offersPerClient
    }

    /// Every field may be missing (a configuration saved by an older relay): it takes its default.
    public init(from object: JSONObjectReader) throws(JSONError) {
        let standard = DiscoveryPolicy()
        maxSessionsPerClient = try object.readIfPresent("max_sessions_per_client") ?? standard.maxSessionsPerClient
        acNames = try object.readIfPresent("ac_names") ?? []
        serviceNames = try object.readIfPresent("service_names") ?? []
        padiPerClientPerMinute = try object.readIfPresent("padi_per_client_per_minute") ?? standard.padiPerClientPerMinute
        padiPerClientBurst = try object.readIfPresent("padi_per_client_burst") ?? standard.padiPerClientBurst
        padiPerSecond = try object.readIfPresent("padi_per_second") ?? standard.padiPerSecond
        offersPerClient = try object.readIfPresent("offers_per_client") ?? standard.offersPerClient
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("max_sessions_per_client", maxSessionsPerClient)
        try object.write("ac_names", acNames)
        try object.write("service_names", serviceNames)
        try object.write("padi_per_client_per_minute", padiPerClientPerMinute)
        try object.write("padi_per_client_burst", padiPerClientBurst)
        try object.write("padi_per_second", padiPerSecond)
        try object.write("offers_per_client", offersPerClient)
    }

    /// The checks that need no system, each a one-line reason.
    public func problem() -> String? {
        if maxSessionsPerClient < 0 { return "--max-sessions-per-client must be 0 (no limit) or more" }
        if padiPerSecond < 0 || padiPerSecond > Self.rateLimit {
            return "--padi-rate must be 0 (no limit) or PADIs per second, at most \(Self.rateLimit)"
        }
        if padiPerClientPerMinute < 0 || padiPerClientPerMinute > Self.rateLimit {
            return "--padi-rate-per-client must be 0 (no limit) or PADIs per minute, at most \(Self.rateLimit)"
        }
        if padiPerClientBurst < 1 || padiPerClientBurst > 1000 { return "the PADI burst per client must be between 1 and 1000" }
        if offersPerClient < 1 || offersPerClient > 64 { return "offers per client must be between 1 and 64" }
        for name in acNames + serviceNames where name.utf8.count > Int(UInt16.max) - 4 {
            return "an AC-Name or Service-Name cannot be longer than a discovery frame"
        }
        if acNames.contains("") { return "--ac-name needs a name" }
        return nil
    }

    /// An offer passes when the AC-Name and one of its Service-Names are among those allowed.
    func allows(acName: [UInt8]?, serviceNames offered: [[UInt8]]) -> Bool {
        if !acNames.isEmpty {
            guard let acName, acNames.contains(where: { Array($0.utf8) == acName }) else { return false }
        }
        if !serviceNames.isEmpty {
            guard offered.contains(where: { name in serviceNames.contains { Array($0.utf8) == name } }) else { return false }
        }
        return true
    }
}
