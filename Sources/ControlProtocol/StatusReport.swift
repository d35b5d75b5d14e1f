/// What `relayctl status` shows: the daemon's answer on the control socket, as JSON.
public struct StatusReport: Codable, Sendable, Equatable {
    public struct Interface: Codable, Sendable, Equatable {
        public var name: String
        public var role: String
        public var index: Int32
        public var mac: String
        public var mtu: UInt32
        /// "up", or "down" while the device is gone (the daemon heals when it returns).
        public var state: String

        public init(name: String, role: String, index: Int32, mac: String, mtu: UInt32, state: String) {
            self.name = name
            self.role = role
            self.index = index
            self.mac = mac
            self.mtu = mtu
            self.state = state
        }
    }

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
        case pid, dataplane, interfaces, counters, configuration, mss
        case kernelError = "kernel_error"
        case dataplaneReason = "dataplane_reason"
        case uptimeSeconds = "uptime_seconds"
        case sessionCount = "session_count"
        case maxSessions = "max_sessions"
        case idleTimeoutSeconds = "idle_timeout_seconds"
    }
}

/// One line of `relayctl sessions`.
public struct SessionReport: Codable, Sendable, Equatable {
    public var lanInterface: String
    public var clientMAC: String
    public var clientSessionID: UInt16
    public var wanInterface: String
    public var acMAC: String
    public var acSessionID: UInt16
    public var acName: String
    public var serviceName: String
    public var uptimeSeconds: Int64
    public var packetsToAC: UInt64
    public var bytesToAC: UInt64
    public var packetsToClient: UInt64
    public var bytesToClient: UInt64
    /// The part of the packet counts the kernel dataplane forwarded.
    public var kernelPacketsToAC: UInt64
    public var kernelPacketsToClient: UInt64

    public init(lanInterface: String, clientMAC: String, clientSessionID: UInt16, wanInterface: String,
                acMAC: String, acSessionID: UInt16, acName: String, serviceName: String, uptimeSeconds: Int64,
                packetsToAC: UInt64, bytesToAC: UInt64, packetsToClient: UInt64, bytesToClient: UInt64,
                kernelPacketsToAC: UInt64, kernelPacketsToClient: UInt64) {
        self.lanInterface = lanInterface
        self.clientMAC = clientMAC
        self.clientSessionID = clientSessionID
        self.wanInterface = wanInterface
        self.acMAC = acMAC
        self.acSessionID = acSessionID
        self.acName = acName
        self.serviceName = serviceName
        self.uptimeSeconds = uptimeSeconds
        self.packetsToAC = packetsToAC
        self.bytesToAC = bytesToAC
        self.packetsToClient = packetsToClient
        self.bytesToClient = bytesToClient
        self.kernelPacketsToAC = kernelPacketsToAC
        self.kernelPacketsToClient = kernelPacketsToClient
    }

    enum CodingKeys: String, CodingKey {
        case lanInterface = "lan_interface"
        case clientMAC = "client_mac"
        case clientSessionID = "client_session_id"
        case wanInterface = "wan_interface"
        case acMAC = "ac_mac"
        case acSessionID = "ac_session_id"
        case acName = "ac_name"
        case serviceName = "service_name"
        case uptimeSeconds = "uptime_seconds"
        case packetsToAC = "packets_to_ac"
        case bytesToAC = "bytes_to_ac"
        case packetsToClient = "packets_to_client"
        case bytesToClient = "bytes_to_client"
        case kernelPacketsToAC = "kernel_packets_to_ac"
        case kernelPacketsToClient = "kernel_packets_to_client"
    }
}

/// What `relayctl mss show` and `mss set` answer: the setting and the limits it gives a session
/// that negotiated no larger PPP-Max-Payload (0 = not clamped).
public struct MSSReport: Codable, Sendable, Equatable {
    public var setting: String
    public var ipv4: UInt16
    public var ipv6: UInt16

    public init(setting: String, ipv4: UInt16, ipv6: UInt16) {
        self.setting = setting
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}
