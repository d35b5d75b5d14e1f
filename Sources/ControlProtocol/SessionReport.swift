/// What `relayctl sessions --json` prints: the relayed sessions in one document.
public struct SessionsReport: Codable, Sendable, Equatable {
    public var schemaVersion = JSONSchema.version
    public var sessions: [SessionReport]

    public init(sessions: [SessionReport]) { self.sessions = sessions }

    enum CodingKeys: String, CodingKey {
        case sessions
        case schemaVersion = "schema_version"
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
    /// Seconds since the session last carried a frame either way (what the idle timeout
    /// measures; on the kernel dataplane learnt from its counters, read before each report).
    public var idleSeconds: Int64
    public var packetsToAC: UInt64
    public var bytesToAC: UInt64
    public var packetsToClient: UInt64
    public var bytesToClient: UInt64
    /// The part of the packet counts the kernel dataplane forwarded.
    public var kernelPacketsToAC: UInt64
    public var kernelPacketsToClient: UInt64
    /// A modem's session: the modem's state ("chat running", "connected", "hanging up", "hung up").
    /// Absent for a relayed session.
    public var modemState: String?

    public init(lanInterface: String, clientMAC: String, clientSessionID: UInt16, wanInterface: String,
                acMAC: String, acSessionID: UInt16, acName: String, serviceName: String, uptimeSeconds: Int64,
                idleSeconds: Int64, packetsToAC: UInt64, bytesToAC: UInt64, packetsToClient: UInt64,
                bytesToClient: UInt64, kernelPacketsToAC: UInt64, kernelPacketsToClient: UInt64,
                modemState: String? = nil) {
        self.modemState = modemState
        self.lanInterface = lanInterface
        self.clientMAC = clientMAC
        self.clientSessionID = clientSessionID
        self.wanInterface = wanInterface
        self.acMAC = acMAC
        self.acSessionID = acSessionID
        self.acName = acName
        self.serviceName = serviceName
        self.uptimeSeconds = uptimeSeconds
        self.idleSeconds = idleSeconds
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
        case idleSeconds = "idle_seconds"
        case packetsToAC = "packets_to_ac"
        case bytesToAC = "bytes_to_ac"
        case packetsToClient = "packets_to_client"
        case bytesToClient = "bytes_to_client"
        case kernelPacketsToAC = "kernel_packets_to_ac"
        case kernelPacketsToClient = "kernel_packets_to_client"
        case modemState = "modem_state"
    }
}
