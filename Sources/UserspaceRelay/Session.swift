import PPPoEWire

/// A relayed session: the client side on a LAN, the access concentrator side on the WAN.
///
/// Plain data only, so the forwarding loop can update counters through a pointer with no
/// reference counting. Names seen in discovery live apart, in `SessionTable`'s metadata.
public struct Session: Sendable, Equatable {
    public var lanSlot: UInt8
    public var clientMAC: MACAddress
    public var clientSessionID: UInt16
    public var acMAC: MACAddress
    public var acSessionID: UInt16
    /// Client → access concentrator.
    public var packetsToAC: UInt64 = 0
    public var bytesToAC: UInt64 = 0
    /// Access concentrator → client.
    public var packetsToClient: UInt64 = 0
    public var bytesToClient: UInt64 = 0
    /// What a kernel dataplane forwarded in all, across rebuilds of its table.
    public var offloadedToAC = ForwardedCount(packets: 0, bytes: 0)
    public var offloadedToClient = ForwardedCount(packets: 0, bytes: 0)
    /// The kernel's counters as last read. They restart from zero whenever the dataplane is
    /// rebuilt (a device came back, `relayctl reload`), so totals are kept apart from them.
    public var kernelReadingToAC = ForwardedCount(packets: 0, bytes: 0)
    public var kernelReadingToClient = ForwardedCount(packets: 0, bytes: 0)
    /// MSS limits for SYNs of this session (0 = leave them alone), from the MSS setting.
    public var mssIPv4: UInt16 = 0
    public var mssIPv6: UInt16 = 0
    /// Monotonic seconds.
    public var createdAt: Int64
    public var lastActivity: Int64

    public init(lanSlot: UInt8, clientMAC: MACAddress, clientSessionID: UInt16, acMAC: MACAddress,
                acSessionID: UInt16, createdAt: Int64, lastActivity: Int64) {
        self.lanSlot = lanSlot
        self.clientMAC = clientMAC
        self.clientSessionID = clientSessionID
        self.acMAC = acMAC
        self.acSessionID = acSessionID
        self.createdAt = createdAt
        self.lastActivity = lastActivity
    }

    public var clientKey: SessionKey { SessionKey(slot: lanSlot, mac: clientMAC, sessionID: clientSessionID) }
    public var acKey: SessionKey { SessionKey(slot: SessionTable.wanSlot, mac: acMAC, sessionID: acSessionID) }
}

/// What discovery saw of a session that people want in `relayctl sessions`.
public struct SessionLabels: Sendable, Equatable {
    public var acName: String
    public var serviceName: String
    /// The PPP-Max-Payload agreed in discovery (RFC 4638), when there was one.
    public var maxPayload: UInt16?

    public init(acName: String = "", serviceName: String = "", maxPayload: UInt16? = nil) {
        self.acName = acName
        self.serviceName = serviceName
        self.maxPayload = maxPayload
    }
}
