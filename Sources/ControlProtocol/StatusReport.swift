import JSON

/// What `relayctl status` shows: the daemon's answer on the control socket, as JSON.
///
/// Keys are snake_case. Keys added since the first release decode as absent
/// from an older daemon, so a new `relayctl` can still read (and `enable` still recognise) a
/// relay started before an upgrade.
public struct StatusReport: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public struct Interface: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
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

        /// `operstate` and `carrier` came later: absent from an older daemon's status.
        public init(from object: JSONObjectReader) throws(JSONError) {
            name = try object.read("name")
            role = try object.read("role")
            index = try object.read("index")
            mac = try object.read("mac")
            mtu = try object.read("mtu")
            state = try object.read("state")
            operstate = try object.readIfPresent("operstate") ?? "unknown"
            carrier = try object.readIfPresent("carrier") ?? false
        }

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("name", name)
            try object.write("role", role)
            try object.write("index", index)
            try object.write("mac", mac)
            try object.write("mtu", mtu)
            try object.write("state", state)
            try object.write("operstate", operstate)
            try object.write("carrier", carrier)
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
    /// Whether the session journal's last write succeeded (absent from a daemon that keeps
    /// none): false means a restart now loses the sessions since the last write that did.
    public var journalWritable: Bool?
    /// Why the journal's last write failed; absent while it is written.
    public var journalError: String?
    /// The journal's writes that failed since the daemon started.
    public var journalWriteFailures: UInt64?

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

    public init(from object: JSONObjectReader) throws(JSONError) {
        running = try object.readIfPresent("running") ?? true
        schemaVersion = try object.readIfPresent("schema_version") ?? JSONSchema.version
        pid = try object.read("pid")
        dataplane = try object.read("dataplane")
        dataplaneReason = try object.read("dataplane_reason")
        uptimeSeconds = try object.read("uptime_seconds")
        interfaces = try object.read("interfaces")
        sessionCount = try object.read("session_count")
        maxSessions = try object.read("max_sessions")
        idleTimeoutSeconds = try object.read("idle_timeout_seconds")
        counters = try object.read("counters")
        configuration = try object.read("configuration")
        mss = try object.read("mss")
        kernelError = try object.readIfPresent("kernel_error")
        modem = try object.readIfPresent("modem")
        adoptedSessions = try object.readIfPresent("adopted_sessions")
        awaySeconds = try object.readIfPresent("away_seconds")
        keepsSessionsOnStop = try object.readIfPresent("keeps_sessions_on_stop")
        journalWritable = try object.readIfPresent("journal_writable")
        journalError = try object.readIfPresent("journal_error")
        journalWriteFailures = try object.readIfPresent("journal_write_failures")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("running", running)
        try object.write("schema_version", schemaVersion)
        try object.write("pid", pid)
        try object.write("dataplane", dataplane)
        try object.write("dataplane_reason", dataplaneReason)
        try object.write("uptime_seconds", uptimeSeconds)
        try object.write("interfaces", interfaces)
        try object.write("session_count", sessionCount)
        try object.write("max_sessions", maxSessions)
        try object.write("idle_timeout_seconds", idleTimeoutSeconds)
        try object.write("counters", counters)
        try object.write("configuration", configuration)
        try object.write("mss", mss)
        try object.writeIfPresent("kernel_error", kernelError)
        try object.writeIfPresent("modem", modem)
        try object.writeIfPresent("adopted_sessions", adoptedSessions)
        try object.writeIfPresent("away_seconds", awaySeconds)
        try object.writeIfPresent("keeps_sessions_on_stop", keepsSessionsOnStop)
        try object.writeIfPresent("journal_writable", journalWritable)
        try object.writeIfPresent("journal_error", journalError)
        try object.writeIfPresent("journal_write_failures", journalWriteFailures)
    }
}

/// The modem in `relayctl status`.
public struct ModemStatus: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
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

    public init(from object: JSONObjectReader) throws(JSONError) {
        device = try object.read("device")
        state = try object.read("state")
        stateSeconds = try object.read("state_seconds")
        lastHangup = try object.readIfPresent("last_hangup")
        connectLine = try object.readIfPresent("connect_line")
        carrier = try object.readIfPresent("carrier")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("device", device)
        try object.write("state", state)
        try object.write("state_seconds", stateSeconds)
        try object.writeIfPresent("last_hangup", lastHangup)
        try object.writeIfPresent("connect_line", connectLine)
        try object.writeIfPresent("carrier", carrier)
    }
}
