import JSON
import UserspaceRelay

/// Everything `relayctl run` is told: which devices, which dataplane, which limits.
public struct RelayConfiguration: Sendable, Equatable, JSONObjectEncodable, JSONObjectDecodable {
    public enum Dataplane: String, Sendable, CaseIterable, JSONCodable {
        case auto, kernel, userspace

        public func jsonValue() -> JSONValue { .string(rawValue) }

        public init(json: JSONValue, path: String) throws(JSONError) {
            let name = try String(json: json, path: path)
            guard let dataplane = Dataplane(rawValue: name) else {
                throw JSONError(.invalidValue, path: path,
                                reason: "\(JSONError.quoted(name)) is not a dataplane (auto, kernel or userspace)")
            }
            self = dataplane
        }
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

    /// Written with snake_case keys and `schema_version`, like every document relayctl prints;
    /// reading ignores the version.
    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", JSONSchema.version)
        try object.write("lan_interfaces", lanInterfaces)
        try object.write("wan_interface", wanInterface)
        try object.write("dataplane", dataplane)
        try object.write("max_sessions", maxSessions)
        try object.write("idle_timeout", idleTimeout)
        try object.write("mss", mss)
        try object.write("runtime_directory", runtimeDirectory)
        try object.write("policy", policy)
        try object.writeIfPresent("control_group", controlGroup)
        // Only when set: a configuration without them reads and compares as before they existed.
        try object.writeIfPresent("log", log)
        if verbose { try object.write("verbose", verbose) }
        try object.writeIfPresent("modem", modem)
    }

    /// Reads either spelling of the keys: snake_case, or the camelCase of files saved before
    /// the schema went snake_case (and of older daemons' status); a snake_case key wins, and a
    /// missing key is named in its current spelling. A configuration saved before the
    /// discovery policy or the control group existed reads with the default policy and no group.
    public init(from object: JSONObjectReader) throws(JSONError) {
        func value<T: JSONDecodable>(_ key: String, _ oldKey: String) throws(JSONError) -> T {
            if !object.contains(key), object.contains(oldKey) { return try object.read(oldKey) }
            return try object.read(key)
        }
        lanInterfaces = try value("lan_interfaces", "lanInterfaces")
        wanInterface = try value("wan_interface", "wanInterface")
        dataplane = try object.read("dataplane")
        maxSessions = try value("max_sessions", "maxSessions")
        idleTimeout = try value("idle_timeout", "idleTimeout")
        mss = try object.read("mss")
        runtimeDirectory = try value("runtime_directory", "runtimeDirectory")
        policy = try object.readIfPresent("policy") ?? .standard
        controlGroup = try object.readIfPresent("control_group")
        if controlGroup == nil { controlGroup = try object.readIfPresent("controlGroup") }
        log = try object.readIfPresent("log")
        verbose = try object.readIfPresent("verbose") ?? false
        modem = try object.readIfPresent("modem")
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
