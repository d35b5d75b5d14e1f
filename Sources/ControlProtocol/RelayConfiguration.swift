import UserspaceRelay

/// Everything `relayctl run` is told: which devices, which dataplane, which limits.
public struct RelayConfiguration: Sendable, Equatable, Codable {
    public enum Dataplane: String, Sendable, Codable, CaseIterable {
        case auto, kernel, userspace
    }

    public static let defaultRuntimeDirectory = "/run/pppoe-relay"
    public static let maxSessionsLimit = 65534

    public var lanInterfaces: [String]
    public var wanInterface: String
    public var dataplane: Dataplane
    public var maxSessions: Int
    /// Seconds; 0 turns the idle timeout off.
    public var idleTimeout: Int
    public var mss: MSSSetting
    public var runtimeDirectory: String
    /// Discovery limits and AC policy: what a hostile LAN or WAN host cannot make the relay do.
    public var policy: DiscoveryPolicy
    /// The group that may read status through the control socket (0660, directory 0750); none
    /// when nil, and then only root may connect. Optional, so configurations saved without it load.
    public var controlGroup: String?
    /// Where the daemon logs (`syslog`, `stderr`); nil: chosen by what starts it. Optional,
    /// like `verbose`, so configurations saved without them load.
    public var log: String?
    /// Discovery decisions in the log too.
    public var verbose: Bool
    /// Set: the relay is the access concentrator for a serial modem (`relayctl modem`), and
    /// `wanInterface` names its device. Optional, so configurations saved without it load.
    public var modem: ModemConfiguration?

    public init(lanInterfaces: [String], wanInterface: String, dataplane: Dataplane = .auto,
                maxSessions: Int = 5000, idleTimeout: Int = 600, mss: MSSSetting = .auto,
                runtimeDirectory: String = RelayConfiguration.defaultRuntimeDirectory,
                policy: DiscoveryPolicy = .standard, controlGroup: String? = nil, log: String? = nil,
                verbose: Bool = false, modem: ModemConfiguration? = nil) {
        self.modem = modem
        self.log = log
        self.verbose = verbose
        self.policy = policy
        self.controlGroup = controlGroup
        self.lanInterfaces = lanInterfaces
        self.wanInterface = wanInterface
        self.dataplane = dataplane
        self.maxSessions = maxSessions
        self.idleTimeout = idleTimeout
        self.mss = mss
        self.runtimeDirectory = runtimeDirectory
        self.controlGroup = controlGroup
    }

    /// The keys written: snake_case, like every document relayctl prints.
    enum CodingKeys: String, CodingKey {
        case dataplane, mss, policy, log, verbose, modem
        case lanInterfaces = "lan_interfaces", wanInterface = "wan_interface", maxSessions = "max_sessions"
        case idleTimeout = "idle_timeout", runtimeDirectory = "runtime_directory", controlGroup = "control_group"
        case schemaVersion = "schema_version"
    }

    /// Written with `schema_version`, like every document relayctl prints; reading ignores it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(JSONSchema.version, forKey: .schemaVersion)
        try c.encode(lanInterfaces, forKey: .lanInterfaces)
        try c.encode(wanInterface, forKey: .wanInterface)
        try c.encode(dataplane, forKey: .dataplane)
        try c.encode(maxSessions, forKey: .maxSessions)
        try c.encode(idleTimeout, forKey: .idleTimeout)
        try c.encode(mss, forKey: .mss)
        try c.encode(runtimeDirectory, forKey: .runtimeDirectory)
        try c.encode(policy, forKey: .policy)
        try c.encodeIfPresent(controlGroup, forKey: .controlGroup)
        // Only when set: a configuration without them reads and compares as before they existed.
        try c.encodeIfPresent(log, forKey: .log)
        if verbose { try c.encode(verbose, forKey: .verbose) }
        try c.encodeIfPresent(modem, forKey: .modem)
    }

    /// The keys of files saved before the schema went snake_case (and of older daemons' status).
    enum CamelCaseKeys: String, CodingKey {
        case lanInterfaces, wanInterface, maxSessions, idleTimeout, runtimeDirectory, controlGroup
    }

    /// Reads either spelling of the keys (a snake_case key wins). A configuration saved before the
    /// discovery policy or the control group existed reads with the default policy and no group.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let old = try decoder.container(keyedBy: CamelCaseKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ oldKey: CamelCaseKeys) throws -> T {
            if !c.contains(key), old.contains(oldKey) { return try old.decode(T.self, forKey: oldKey) }
            return try c.decode(T.self, forKey: key)
        }
        lanInterfaces = try value(.lanInterfaces, .lanInterfaces)
        wanInterface = try value(.wanInterface, .wanInterface)
        dataplane = try c.decode(Dataplane.self, forKey: .dataplane)
        maxSessions = try value(.maxSessions, .maxSessions)
        idleTimeout = try value(.idleTimeout, .idleTimeout)
        mss = try c.decode(MSSSetting.self, forKey: .mss)
        runtimeDirectory = try value(.runtimeDirectory, .runtimeDirectory)
        policy = try c.decodeIfPresent(DiscoveryPolicy.self, forKey: .policy) ?? .standard
        controlGroup = try c.decodeIfPresent(String.self, forKey: .controlGroup)
            ?? old.decodeIfPresent(String.self, forKey: .controlGroup)
        log = try c.decodeIfPresent(String.self, forKey: .log)
        verbose = try c.decodeIfPresent(Bool.self, forKey: .verbose) ?? false
        modem = try c.decodeIfPresent(ModemConfiguration.self, forKey: .modem)
    }

    /// Where `relayctl enable` keeps the configuration it runs (also `$RELAYCTL_CONFIG`).
    public static let defaultConfigurationPath = "/etc/pppoe-relay/relay.json"

    /// The `relayctl run` arguments that start a daemon with this configuration.
    public var runArguments: [String] {
        if let modem { return modemArguments(modem) }
        return ["run", "--wan", wanInterface] + lanInterfaces.flatMap { ["--lan", $0] }
            + ["--dataplane", dataplane.rawValue, "--max-sessions", String(maxSessions),
               "--idle-timeout", String(idleTimeout), "--mss", mss.description, "--runtime-dir", runtimeDirectory]
            + policyArguments + (controlGroup.map { ["--control-group", $0] } ?? [])
            + (log.map { ["--log", $0] } ?? []) + (verbose ? ["--verbose"] : [])
    }

    /// A modem's daemon: one LAN, its device in place of a WAN.
    private func modemArguments(_ modem: ModemConfiguration) -> [String] {
        modem.arguments(lan: lanInterfaces.first ?? "") + ["--idle-timeout", String(idleTimeout),
                                                           "--runtime-dir", runtimeDirectory]
            + (controlGroup.map { ["--control-group", $0] } ?? []) + (log.map { ["--log", $0] } ?? [])
            + (verbose ? ["--verbose"] : [])
    }

    private var policyArguments: [String] {
        ["--max-sessions-per-client", String(policy.maxSessionsPerClient),
         "--padi-rate", String(policy.padiPerSecond), "--padi-rate-per-client", String(policy.padiPerClientPerMinute)]
            + policy.acNames.flatMap { ["--ac-name", $0] } + policy.serviceNames.flatMap { ["--service-name", $0] }
    }

    /// The checks that need no system: each a one-line reason.
    public func validate() throws(DaemonError) {
        guard !lanInterfaces.isEmpty else { throw .usage("at least one --lan interface is required") }
        guard !wanInterface.isEmpty else { throw .usage("--wan needs an interface name") }
        if lanInterfaces.contains(wanInterface) {
            throw .usage("interface \(wanInterface) is given as both LAN and WAN")
        }
        var seen = Set<String>()
        for lan in lanInterfaces where !seen.insert(lan).inserted {
            throw .usage("interface \(lan) is given twice")
        }
        guard lanInterfaces.count < 255 else { throw .usage("at most 254 LAN interfaces") }
        guard (1...Self.maxSessionsLimit).contains(maxSessions) else {
            throw .usage("--max-sessions must be between 1 and \(Self.maxSessionsLimit), not \(maxSessions)")
        }
        guard idleTimeout >= 0 else { throw .usage("--idle-timeout must be 0 (off) or a number of seconds") }
        if let problem = policy.problem() { throw .usage(problem) }
        if let controlGroup, controlGroup.isEmpty { throw .usage("--control-group needs a group name") }
        if let modem {
            if let problem = modem.problem() { throw .usage(problem) }
            guard lanInterfaces.count == 1 else { throw .usage("a modem serves exactly one --lan interface") }
            guard modem.device == wanInterface else { throw .usage("the modem's device must be its WAN") }
        }
    }
}
