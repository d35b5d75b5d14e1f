import ControlProtocol
import UserspaceRelay

/// One reading of the relay for `relayctl monitor`: its status and sessions, and when (seconds
/// on a monotonic clock) they were read.
public struct MonitorSample: Sendable {
    public var seconds: Double
    public var status: StatusReport
    public var sessions: [SessionReport]

    public init(seconds: Double, status: StatusReport, sessions: [SessionReport]) {
        self.seconds = seconds
        self.status = status
        self.sessions = sessions
    }
}

/// Packets and bits per second each way over one interval.
public struct TrafficRates: Sendable, Equatable {
    public var packetsPerSecondToAC: Double
    public var bitsPerSecondToAC: Double
    public var packetsPerSecondToClient: Double
    public var bitsPerSecondToClient: Double

    public static let zero = TrafficRates(packetsPerSecondToAC: 0, bitsPerSecondToAC: 0, packetsPerSecondToClient: 0,
                                          bitsPerSecondToClient: 0)

    public init(packetsPerSecondToAC: Double, bitsPerSecondToAC: Double, packetsPerSecondToClient: Double,
                bitsPerSecondToClient: Double) {
        self.packetsPerSecondToAC = packetsPerSecondToAC
        self.bitsPerSecondToAC = bitsPerSecondToAC
        self.packetsPerSecondToClient = packetsPerSecondToClient
        self.bitsPerSecondToClient = bitsPerSecondToClient
    }

    public var bitsPerSecond: Double { bitsPerSecondToAC + bitsPerSecondToClient }

    static func + (a: TrafficRates, b: TrafficRates) -> TrafficRates {
        TrafficRates(packetsPerSecondToAC: a.packetsPerSecondToAC + b.packetsPerSecondToAC,
                     bitsPerSecondToAC: a.bitsPerSecondToAC + b.bitsPerSecondToAC,
                     packetsPerSecondToClient: a.packetsPerSecondToClient + b.packetsPerSecondToClient,
                     bitsPerSecondToClient: a.bitsPerSecondToClient + b.bitsPerSecondToClient)
    }
}

/// A session as the monitor shows it: its report, and its rates over the last interval (nil
/// for the first reading, which has nothing to compare with).
public struct SessionRates: Sendable, Equatable {
    public var session: SessionReport
    /// Not in the previous reading: it began during the interval (its counters began at zero).
    public var isNew: Bool
    public var rates: TrafficRates?
}

/// What one interval of `relayctl monitor` shows.
public struct MonitorFrame: Sendable, Equatable {
    public var status: StatusReport
    /// Seconds between the two readings; nil for the first.
    public var intervalSeconds: Double?
    /// Busiest first (bits per second both ways), then by bytes carried.
    public var sessions: [SessionRates]
    /// The sum of the listed sessions' rates (traffic of sessions that ended during the interval
    /// is not in it: their last counters are gone with them).
    public var overall: TrafficRates?
    /// Sessions in the previous reading and not in this one.
    public var endedSessions: Int
    /// Drop and refusal counters that moved during the interval, by how much, in status order.
    public var movedCounters: [(name: String, delta: UInt64, total: UInt64)]
    /// The relay is another process than at the previous reading (restarted).
    public var restarted: Bool

    public static func == (a: MonitorFrame, b: MonitorFrame) -> Bool {
        a.status == b.status && a.intervalSeconds == b.intervalSeconds && a.sessions == b.sessions
            && a.overall == b.overall && a.endedSessions == b.endedSessions && a.restarted == b.restarted
            && a.movedCounters.map { $0.name } == b.movedCounters.map { $0.name }
            && a.movedCounters.map { $0.delta } == b.movedCounters.map { $0.delta }
    }
}

/// Rates from counter deltas between two readings. Pure, so tests can give it any history.
public enum MonitorRates {
    /// Counters `relayctl monitor` reports when they move: frames lost or refused.
    public static func isDropCounter(_ name: String) -> Bool {
        name.hasPrefix("dropped_") || name.hasPrefix("refused_") || name.hasPrefix("kernel_policed_")
            || name == "offload_install_failed"
    }

    public static func frame(previous: MonitorSample?, current: MonitorSample) -> MonitorFrame {
        let restarted = previous.map { $0.status.pid != current.status.pid } ?? false
        let interval = previous.map { current.seconds - $0.seconds }.flatMap { $0 > 0 ? $0 : nil }
        // Sessions are matched by identity even across a restart: `relayctl restart` hands its
        // sessions and their counters to the new process. A counter that went backwards (a
        // session the new process rebuilt from zero) counts from zero, by counterDelta.
        var earlier: [SessionIdentity: SessionReport] = [:]
        for session in previous?.sessions ?? [] { earlier[SessionIdentity(session)] = session }

        var listed: [SessionRates] = []
        var overall = interval.map { _ in TrafficRates.zero }
        for session in current.sessions {
            let old = earlier.removeValue(forKey: SessionIdentity(session))
            let moved = interval.map { Self.rates(from: old, to: session, over: $0) }
            if let moved { overall = overall.map { $0 + moved } }
            listed.append(SessionRates(session: session, isNew: previous != nil && old == nil, rates: moved))
        }
        listed.sort { a, b in
            let (x, y) = (a.rates?.bitsPerSecond ?? 0, b.rates?.bitsPerSecond ?? 0)
            if x != y { return x > y }
            let (p, q) = (a.session.bytesToAC.saturatingAdding(a.session.bytesToClient),
                          b.session.bytesToAC.saturatingAdding(b.session.bytesToClient))
            if p != q { return p > q }
            return SessionIdentity(a.session) < SessionIdentity(b.session)
        }

        var moved: [(name: String, delta: UInt64, total: UInt64)] = []
        if let previous, interval != nil {
            for (name, total) in current.status.counters.sorted(by: { $0.key < $1.key }) where isDropCounter(name) {
                let delta = counterDelta(previous.status.counters[name] ?? 0, total)
                if delta > 0 { moved.append((name, delta, total)) }
            }
        }
        return MonitorFrame(status: current.status, intervalSeconds: interval, sessions: listed, overall: overall,
                            endedSessions: earlier.count, movedCounters: moved, restarted: restarted)
    }

    /// How far a counter moved; one that went backwards was reset (the session or relay began
    /// again), so all of its value is new.
    static func counterDelta(_ old: UInt64, _ new: UInt64) -> UInt64 { new >= old ? new - old : new }

    static func rates(from old: SessionReport?, to new: SessionReport, over seconds: Double) -> TrafficRates {
        func rate(_ old: UInt64?, _ new: UInt64) -> Double { Double(counterDelta(old ?? 0, new)) / seconds }
        return TrafficRates(packetsPerSecondToAC: rate(old?.packetsToAC, new.packetsToAC),
                            bitsPerSecondToAC: 8 * rate(old?.bytesToAC, new.bytesToAC),
                            packetsPerSecondToClient: rate(old?.packetsToClient, new.packetsToClient),
                            bitsPerSecondToClient: 8 * rate(old?.bytesToClient, new.bytesToClient))
    }
}

/// What tells one session from another across readings: both ends' addresses and ids (a
/// client that dials again gets a new AC session id, so it is a new session).
struct SessionIdentity: Hashable, Comparable {
    let lan: String, client: String, clientID: UInt16, ac: String, acID: UInt16

    init(_ s: SessionReport) {
        (lan, client, clientID, ac, acID) = (s.lanInterface, s.clientMAC, s.clientSessionID, s.acMAC, s.acSessionID)
    }

    static func < (a: SessionIdentity, b: SessionIdentity) -> Bool {
        (a.lan, a.client, a.clientID, a.ac, a.acID) < (b.lan, b.client, b.clientID, b.ac, b.acID)
    }
}
