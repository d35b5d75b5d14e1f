import ControlProtocol
import JSON

/// One line of `relayctl monitor --json`: an interval's rates as a JSON object (snake_case,
/// `schema_version` like relayctl's other documents), so a script can read the stream line by line.
public struct MonitorLine: JSONObjectEncodable, Sendable {
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

    public struct Rates: JSONObjectEncodable, Sendable {
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

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("packets_per_second_to_ac", packetsPerSecondToAC)
            try object.write("bits_per_second_to_ac", bitsPerSecondToAC)
            try object.write("packets_per_second_to_client", packetsPerSecondToClient)
            try object.write("bits_per_second_to_client", bitsPerSecondToClient)
        }
    }

    public struct Session: JSONObjectEncodable, Sendable {
        var session: SessionReport
        var new: Bool
        var rates: Rates?

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            // The session's own keys (as `sessions --json` prints them), then the rates beside them.
            try object.merge(session)
            try object.write("new", new)
            try object.write("rates", rates)
        }
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

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", schemaVersion)
        try object.write("pid", pid)
        try object.write("dataplane", dataplane)
        try object.write("uptime_seconds", uptimeSeconds)
        try object.write("interval_seconds", intervalSeconds)
        try object.write("session_count", sessionCount)
        try object.write("restarted", restarted)
        try object.write("overall", overall)
        try object.write("sessions_ended", sessionsEnded)
        try object.write("counters_moved", countersMoved)
        try object.write("sessions", sessions)
    }
}

extension MonitorLine {
    /// One line of JSON, keys sorted, no newline inside.
    public var json: [UInt8] {
        (try? JSON.encode(self, format: .line)) ?? Array("{}".utf8)
    }
}

/// Three decimals: enough for a rate, and no binary-fraction noise in the JSON.
private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
