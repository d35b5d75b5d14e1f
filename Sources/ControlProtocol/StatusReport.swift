/// What `relayctl status` shows: the daemon's answer on the control socket, as JSON.
///
/// Keys are snake_case (see CodingKeys). Keys added since the first release decode as absent
/// from an older daemon, so a new `relayctl` can still read (and `enable` still recognise) a
/// relay started before an upgrade.
public struct StatusReport: Codable, Sendable, Equatable {
    public struct Interface: Codable, Sendable, Equatable {
        public var name: String
        public var role: String
        public var index: Int32
        public var mac: String
        public var mtu: UInt32
        /// "up", or "down" while the device is gone (the daemon heals when it returns).
        public var state: String
        /// The kernel's operational state ("up", "down", "lowerlayerdown", "dormant",
        /// "unknown", ...), or "absent" while the device is gone: what state cannot say, whether
        /// the device can pass frames.
        public var operstate: String
        /// Whether the device has a link; false while it is gone.
        public var carrier: Bool

        public init(name: String, role: String, index: Int32, mac: String, mtu: UInt32, state: String,
                    operstate: String = "unknown", carrier: Bool = false) {
            self.name = name
            self.role = role
            self.index = index
            self.mac = mac
            self.mtu = mtu
            self.state = state
            self.operstate = operstate
            self.carrier = carrier
        }

        enum CodingKeys: String, CodingKey {
            case name, role, index, mac, mtu, state, operstate, carrier
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            role = try c.decode(String.self, forKey: .role)
            index = try c.decode(Int32.self, forKey: .index)
            mac = try c.decode(String.self, forKey: .mac)
            mtu = try c.decode(UInt32.self, forKey: .mtu)
            state = try c.decode(String.self, forKey: .state)
            operstate = try c.decodeIfPresent(String.self, forKey: .operstate) ?? "unknown"
            carrier = try c.decodeIfPresent(Bool.self, forKey: .carrier) ?? false
        }
    }

    /// Always true here: a relay answered. (`NotRunningReport` says false.)
    public var running = true
    public var schemaVersion = JSONSchema.version
    public var pid: Int32
    public var dataplane: String
    /// Why this dataplane runs (for example why the kernel one could not).
    public var dataplaneReason: String
    public var uptimeSeconds: Int64
    public var interfaces: [Interface]
    public var sessionCount: Int
    public var maxSessions: Int
    public var idleTimeoutSeconds: Int
    public var counters: [String: UInt64]
    /// What the daemon was started with: `enable` compares it with what it is asked for.
    public var configuration: RelayConfiguration
    /// The MSS clamping in force now (`relayctl mss set` changes it at runtime).
    public var mss: String
    /// The kernel dataplane's last refusal (a session it would not install, a rebuild that
    /// failed); absent while all is well. Such sessions are carried by the userspace loop.
    public var kernelError: String?
    /// A modem's daemon: the modem's state and what it last said; absent for a relay.
    public var modem: ModemStatus?
    /// Sessions this daemon took over at start from the journal a previous daemon left
    /// (a restart, a crash and respawn, an upgrade); absent when it started without one.
    public var adoptedSessions: Int?
    /// Seconds between that journal's last write and this daemon's start: how long no daemon
    /// relayed discovery (an upper bound after a crash). Absent without a journal.
    public var awaySeconds: Int64?
    /// The next SIGTERM or SIGINT ends no session (`relayctl restart` asked; the next daemon adopts them).
    public var keepsSessionsOnStop: Bool?

    public init(pid: Int32, dataplane: String, dataplaneReason: String, uptimeSeconds: Int64,
                interfaces: [Interface], sessionCount: Int, maxSessions: Int, idleTimeoutSeconds: Int,
                counters: [String: UInt64], configuration: RelayConfiguration, mss: String, kernelError: String?) {
        self.pid = pid
        self.dataplane = dataplane
        self.dataplaneReason = dataplaneReason
        self.uptimeSeconds = uptimeSeconds
        self.interfaces = interfaces
        self.sessionCount = sessionCount
        self.maxSessions = maxSessions
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.counters = counters
        self.configuration = configuration
        self.mss = mss
        self.kernelError = kernelError
    }

    enum CodingKeys: String, CodingKey {
        case running, pid, dataplane, interfaces, counters, configuration, mss, modem
        case schemaVersion = "schema_version"
        case kernelError = "kernel_error"
        case dataplaneReason = "dataplane_reason"
        case uptimeSeconds = "uptime_seconds"
        case sessionCount = "session_count"
        case maxSessions = "max_sessions"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case adoptedSessions = "adopted_sessions"
        case awaySeconds = "away_seconds"
        case keepsSessionsOnStop = "keeps_sessions_on_stop"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        running = try c.decodeIfPresent(Bool.self, forKey: .running) ?? true
        schemaVersion = try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? JSONSchema.version
        pid = try c.decode(Int32.self, forKey: .pid)
        dataplane = try c.decode(String.self, forKey: .dataplane)
        dataplaneReason = try c.decode(String.self, forKey: .dataplaneReason)
        uptimeSeconds = try c.decode(Int64.self, forKey: .uptimeSeconds)
        interfaces = try c.decode([Interface].self, forKey: .interfaces)
        sessionCount = try c.decode(Int.self, forKey: .sessionCount)
        maxSessions = try c.decode(Int.self, forKey: .maxSessions)
        idleTimeoutSeconds = try c.decode(Int.self, forKey: .idleTimeoutSeconds)
        counters = try c.decode([String: UInt64].self, forKey: .counters)
        configuration = try c.decode(RelayConfiguration.self, forKey: .configuration)
        mss = try c.decode(String.self, forKey: .mss)
        kernelError = try c.decodeIfPresent(String.self, forKey: .kernelError)
        modem = try c.decodeIfPresent(ModemStatus.self, forKey: .modem)
        adoptedSessions = try c.decodeIfPresent(Int.self, forKey: .adoptedSessions)
        awaySeconds = try c.decodeIfPresent(Int64.self, forKey: .awaySeconds)
        keepsSessionsOnStop = try c.decodeIfPresent(Bool.self, forKey: .keepsSessionsOnStop)
    }
}

/// The modem in `relayctl status`.
public struct ModemStatus: Codable, Sendable, Equatable {
    public var device: String
    /// "idle", "chat running", "connected", "hanging up", "hung up".
    public var state: String
    /// Seconds in this state.
    public var stateSeconds: Int64
    /// Why the modem last hung up, or why its chat failed (escaped text).
    public var lastHangup: String?
    /// The line the modem connected with ("CONNECT 115200").
    public var connectLine: String?
    /// DCD, where the device reports it.
    public var carrier: Bool?

    public init(device: String, state: String, stateSeconds: Int64, lastHangup: String?, connectLine: String?,
                carrier: Bool?) {
        self.device = device
        self.state = state
        self.stateSeconds = stateSeconds
        self.lastHangup = lastHangup
        self.connectLine = connectLine
        self.carrier = carrier
    }

    enum CodingKeys: String, CodingKey {
        case device, state, carrier
        case stateSeconds = "state_seconds", lastHangup = "last_hangup", connectLine = "connect_line"
    }
}
