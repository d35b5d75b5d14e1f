#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ControlProtocol

/// One line of `relayctl monitor --json`: an interval's rates as a JSON object (snake_case,
/// `schema_version` like relayctl's other documents), so a script can read the stream line by line.
public struct MonitorLine: Encodable, Sendable {
    public var schemaVersion = JSONSchema.version
    public var pid: Int32
    public var dataplane: String
    public var uptimeSeconds: Int64
    public var intervalSeconds: Double?
    public var sessionCount: Int
    public var restarted: Bool
    public var overall: Rates?
    public var sessionsEnded: Int
    /// Drop and refusal counters that moved in the interval, by how much.
    public var countersMoved: [String: UInt64]
    public var sessions: [Session]

    public struct Rates: Encodable, Sendable {
        var packetsPerSecondToAC: Double
        var bitsPerSecondToAC: Double
        var packetsPerSecondToClient: Double
        var bitsPerSecondToClient: Double

        init(_ rates: TrafficRates) {
            packetsPerSecondToAC = rounded(rates.packetsPerSecondToAC)
            bitsPerSecondToAC = rounded(rates.bitsPerSecondToAC)
            packetsPerSecondToClient = rounded(rates.packetsPerSecondToClient)
            bitsPerSecondToClient = rounded(rates.bitsPerSecondToClient)
        }

        enum CodingKeys: String, CodingKey {
            case packetsPerSecondToAC = "packets_per_second_to_ac"
            case bitsPerSecondToAC = "bits_per_second_to_ac"
            case packetsPerSecondToClient = "packets_per_second_to_client"
            case bitsPerSecondToClient = "bits_per_second_to_client"
        }
    }

    public struct Session: Encodable, Sendable {
        var session: SessionReport
        var new: Bool
        var rates: Rates?

        public func encode(to encoder: any Encoder) throws {
            // The session's own keys (as `sessions --json` prints them), then the rates beside them.
            try session.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(new, forKey: .new)
            try c.encode(rates, forKey: .rates)
        }

        enum CodingKeys: String, CodingKey { case new, rates }
    }

    public init(_ frame: MonitorFrame) {
        pid = frame.status.pid
        dataplane = frame.status.dataplane
        uptimeSeconds = frame.status.uptimeSeconds
        intervalSeconds = frame.intervalSeconds.map(rounded)
        sessionCount = frame.status.sessionCount
        restarted = frame.restarted
        overall = frame.overall.map(Rates.init)
        sessionsEnded = frame.endedSessions
        countersMoved = Dictionary(uniqueKeysWithValues: frame.movedCounters.map { ($0.name, $0.delta) })
        sessions = frame.sessions.map { Session(session: $0.session, new: $0.isNew, rates: $0.rates.map(Rates.init)) }
    }

    enum CodingKeys: String, CodingKey {
        case pid, dataplane, restarted, overall, sessions
        case schemaVersion = "schema_version"
        case uptimeSeconds = "uptime_seconds"
        case intervalSeconds = "interval_seconds"
        case sessionCount = "session_count"
        case sessionsEnded = "sessions_ended"
        case countersMoved = "counters_moved"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(pid, forKey: .pid)
        try c.encode(dataplane, forKey: .dataplane)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(sessionCount, forKey: .sessionCount)
        try c.encode(restarted, forKey: .restarted)
        try c.encode(overall, forKey: .overall)
        try c.encode(sessionsEnded, forKey: .sessionsEnded)
        try c.encode(countersMoved, forKey: .countersMoved)
        try c.encode(sessions, forKey: .sessions)
    }
}

extension MonitorLine {
    /// One line of JSON, keys sorted, no newline inside.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }
}

/// Three decimals: enough for a rate, and no binary-fraction noise in the JSON.
private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
