import PPPoEWire

/// What happened to the session table while the relay handled some frames, in order. The engine
/// hands these to a `SessionOffload` before the frames that caused them go out, so a kernel
/// dataplane holds a session before its PADS reaches the client.
public enum SessionEvent: Sendable {
    case created(Session)
    case ended(Session)
}

/// Packets and bytes a kernel dataplane forwarded for one ingress key.
public struct ForwardedCount: Sendable, Equatable {
    public var packets: UInt64
    public var bytes: UInt64

    public init(packets: UInt64, bytes: UInt64) {
        self.packets = packets
        self.bytes = bytes
    }
}

/// A dataplane that carries established sessions outside this process (the nftables one).
/// Called at discovery time and once a second, never per packet.
public protocol SessionOffload: AnyObject {
    /// Sessions are installed (created) or removed (ended), in order; returns how many sessions
    /// the kernel refused to install. Their frames keep arriving at the userspace loop, which
    /// carries them.
    func apply(_ events: [SessionEvent], interfaces: [RelayInterface]) -> Int
    /// Forwarded frames per ingress key: the client-side key counts frames towards the AC, the
    /// AC-side key frames towards the client.
    func forwardedCounts() -> [SessionKey: ForwardedCount]
    /// The same, for these sessions only: what the relay reads once a second and before a
    /// report, so that its cost follows the sessions read, not the table. Nil when the kernel
    /// could not be read: no counts is not the same as no traffic, and the idle timeout must
    /// not end sessions on a reading that never happened.
    func forwardedCounts(of sessions: [Session]) -> [SessionKey: ForwardedCount]?
    /// PADIs dropped before they reached the relay's sockets (ingress policing), per source and
    /// overall, since the dataplane was (re)built.
    func policedPADICounts() -> (perClient: UInt64, overall: UInt64)
}

extension SessionOffload {
    /// A dataplane that can only list everything reads everything.
    public func forwardedCounts(of sessions: [Session]) -> [SessionKey: ForwardedCount]? { forwardedCounts() }

    public func policedPADICounts() -> (perClient: UInt64, overall: UInt64) { (0, 0) }
}
