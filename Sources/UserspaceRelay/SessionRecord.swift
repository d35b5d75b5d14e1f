/// Why a session ended, as the daemon's log states it.
public enum SessionEndReason: String, Sendable, Equatable, CaseIterable {
    case padtFromClient = "PADT from client"
    case padtFromAC = "PADT from AC"
    case idleTimeout = "idle timeout"
    /// `relayctl run` got SIGINT or SIGTERM.
    case relayStopped = "relay stopped"
    /// The WAN went down (`relayctl hotplug` asked the daemon to end every session).
    case wanDown = "WAN down"
    /// The session's LAN device, or the WAN device, disappeared.
    case deviceGone = "device gone"
}

/// Why a session the AC confirmed was never opened: the client got Generic-Error, the AC PADT.
public enum SessionRefusal: String, Sendable, Equatable {
    case tableFull = "table full"
    case clientLimit = "session limit for this client"
}

/// A session opened, closed or refused: what the daemon logs, one line each. Recorded at
/// discovery time and on housekeeping, never per session frame.
public struct SessionRecord: Sendable {
    public enum Kind: Sendable, Equatable {
        case opened
        case closed(SessionEndReason)
        case refused(SessionRefusal)
    }

    public var kind: Kind
    /// The session as it was at that moment: for a closed one, with its final counters
    /// (the kernel dataplane's included); for a refused one, client session id 0.
    public var session: Session
    public var labels: SessionLabels
    /// Monotonic seconds.
    public var at: Int64

    public init(kind: Kind, session: Session, labels: SessionLabels, at: Int64) {
        self.kind = kind
        self.session = session
        self.labels = labels
        self.at = at
    }

    /// Seconds from PADS to the end (0 for an opened or refused session).
    public var duration: Int64 { max(0, at - session.createdAt) }

    /// Packets and bytes each way, the userspace loop's and the kernel's together.
    public var toAC: ForwardedCount { session.totalToAC }

    public var toClient: ForwardedCount { session.totalToClient }
}
