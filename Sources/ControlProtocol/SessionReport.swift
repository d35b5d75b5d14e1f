import JSON

/// What `relayctl sessions --json` prints: the relayed sessions in one document.
public struct SessionsReport: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public var schemaVersion = JSONSchema.version
    public var sessions: [SessionReport]

    public init(sessions: [SessionReport]) { self.sessions = sessions }

    public init(from object: JSONObjectReader) throws(JSONError) {
        schemaVersion = try object.read("schema_version")
        sessions = try object.read("sessions")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", schemaVersion)
        try object.write("sessions", sessions)
    }
}

/// One line of `relayctl sessions`.
public struct SessionReport: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
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

    public init(from object: JSONObjectReader) throws(JSONError) {
        lanInterface = try object.read("lan_interface")
        clientMAC = try object.read("client_mac")
        clientSessionID = try object.read("client_session_id")
        wanInterface = try object.read("wan_interface")
        acMAC = try object.read("ac_mac")
        acSessionID = try object.read("ac_session_id")
        acName = try object.read("ac_name")
        serviceName = try object.read("service_name")
        uptimeSeconds = try object.read("uptime_seconds")
        idleSeconds = try object.read("idle_seconds")
        packetsToAC = try object.read("packets_to_ac")
        bytesToAC = try object.read("bytes_to_ac")
        packetsToClient = try object.read("packets_to_client")
        bytesToClient = try object.read("bytes_to_client")
        kernelPacketsToAC = try object.read("kernel_packets_to_ac")
        kernelPacketsToClient = try object.read("kernel_packets_to_client")
        modemState = try object.readIfPresent("modem_state")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("lan_interface", lanInterface)
        try object.write("client_mac", clientMAC)
        try object.write("client_session_id", clientSessionID)
        try object.write("wan_interface", wanInterface)
        try object.write("ac_mac", acMAC)
        try object.write("ac_session_id", acSessionID)
        try object.write("ac_name", acName)
        try object.write("service_name", serviceName)
        try object.write("uptime_seconds", uptimeSeconds)
        try object.write("idle_seconds", idleSeconds)
        try object.write("packets_to_ac", packetsToAC)
        try object.write("bytes_to_ac", bytesToAC)
        try object.write("packets_to_client", packetsToClient)
        try object.write("bytes_to_client", bytesToClient)
        try object.write("kernel_packets_to_ac", kernelPacketsToAC)
        try object.write("kernel_packets_to_client", kernelPacketsToClient)
        try object.writeIfPresent("modem_state", modemState)
    }
}
