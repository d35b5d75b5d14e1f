import PPPoEWire

/// Where the modem is: what `status` and `sessions` show and what the loop does next.
public enum ModemPhase: Equatable {
    /// No session; the device is closed (or was never opened).
    case idle
    /// The chat script runs for a client whose PADRs are held meanwhile.
    case dialling
    /// The line speaks PPP and the session is bridged.
    case connected
    /// The client left: LCP Terminate-Request sent, waiting for the Ack (or the deadline) to drop DTR.
    case hangingUp(deadline: Int64)
    /// DTR is down (the device closed); the modem gets a moment before it is dialled again.
    case resting(until: Int64)

    public var name: String {
        switch self {
        case .idle: "idle"
        case .dialling: "chat running"
        case .connected: "connected"
        case .hangingUp: "hanging up"
        case .resting: "hung up"
        }
    }
}

/// The one client the modem serves: who, under which session ID, and the PADR to answer when
/// the modem is ready (the latest retry, so the PADS echoes the Host-Uniq the client now expects).
public struct ModemSession {
    public var client: MACAddress
    public var sessionID: UInt16
    public var service: String
    public var padr: DiscoveryPacket
    public var createdAt: Int64
    /// PADS went out: the client may talk, and a PADR retry gets the same PADS again.
    public var confirmed = false
    /// When the PADS went out (milliseconds), for the client that never starts talking.
    public var confirmedAt: Int64 = 0
}

/// The modem daemon's own counters, in `status` beside the bridge's.
public struct ModemCounters {
    public var padiReceived: UInt64 = 0
    public var padoSent: UInt64 = 0
    /// PADIs dropped by the per-source and the overall PADI rate.
    public var padiOverClientRate: UInt64 = 0
    public var padiOverOverallRate: UInt64 = 0
    public var padrReceived: UInt64 = 0
    public var padrHeld: UInt64 = 0
    public var padsSent: UInt64 = 0
    public var padsRefused: UInt64 = 0
    public var padtReceived: UInt64 = 0
    public var padtSent: UInt64 = 0
    public var badCookies: UInt64 = 0
    public var unknownService: UInt64 = 0
    public var malformedDiscovery: UInt64 = 0
    public var chatsStarted: UInt64 = 0
    public var chatsFailed: UInt64 = 0
    public var modemHangups: UInt64 = 0
    public var clientHangups: UInt64 = 0
    public var sessionsOpened: UInt64 = 0
}
