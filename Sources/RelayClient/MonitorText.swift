import ControlProtocol
import PPPoEWire

/// `relayctl monitor` for people: a header with the overall rates and the counters that moved,
/// then one line per session, busiest first. The names it prints (interfaces, the dataplane) are
/// escaped again (the relay already escapes what it reports, but a terminal is no place to trust
/// that); MACs, numbers and counter names are the relay's own formatting.
public enum MonitorText {
    /// `rows`: at most this many lines (a terminal's height); sessions that do not fit are
    /// summed up in one line. nil: no limit (a pipe).
    public static func render(_ frame: MonitorFrame, rows: Int? = nil, clock: String? = nil) -> String {
        var lines: [String] = []
        let status = frame.status
        let every = frame.intervalSeconds.map { " over \(number($0)) s" } ?? ""
        lines.append("relay pid \(status.pid), \(TerminalText.escaped(status.dataplane)) dataplane, up "
            + duration(status.uptimeSeconds) + ", \(status.sessionCount) session\(status.sessionCount == 1 ? "" : "s")"
            + (clock.map { ", \($0)" } ?? "") + (frame.restarted ? " (relay restarted)" : ""))
        if let overall = frame.overall {
            lines.append("overall\(every): to AC \(packets(overall.packetsPerSecondToAC)) \(bits(overall.bitsPerSecondToAC)), "
                + "to client \(packets(overall.packetsPerSecondToClient)) \(bits(overall.bitsPerSecondToClient))")
        } else {
            lines.append("overall: measuring (rates after the first interval)")
        }
        if frame.endedSessions > 0 { lines.append("ended: \(frame.endedSessions) session\(frame.endedSessions == 1 ? "" : "s")") }
        lines.append(frame.movedCounters.isEmpty ? "drops: none moved"
            : "drops: " + frame.movedCounters.map { "\($0.name) +\($0.delta) (\($0.total))" }.joined(separator: ", "))
        lines.append("")
        let header = ["LAN", "CLIENT", "SID", "TO-AC PKT/S", "BIT/S", "TO-CLIENT PKT/S", "BIT/S", "TOTAL TO AC",
                      "TO CLIENT", "IDLE", "UP"]
        var table = [header]
        for entry in frame.sessions {
            let s = entry.session
            let r = entry.rates
            table.append([TerminalText.escaped(s.lanInterface), s.clientMAC, String(s.clientSessionID) + (entry.isNew ? "+" : ""),
                          r.map { packets($0.packetsPerSecondToAC) } ?? "-", r.map { bits($0.bitsPerSecondToAC) } ?? "-",
                          r.map { packets($0.packetsPerSecondToClient) } ?? "-", r.map { bits($0.bitsPerSecondToClient) } ?? "-",
                          bytes(s.bytesToAC), bytes(s.bytesToClient), duration(s.idleSeconds), duration(s.uptimeSeconds)])
        }
        var shown = table
        if let rows, lines.count + table.count > rows {
            let room = max(1, rows - lines.count - 1)
            shown = Array(table.prefix(room))
        }
        lines += columns(shown)
        if shown.count < table.count { lines.append("... \(table.count - shown.count) more sessions (quieter)") }
        if frame.sessions.isEmpty { lines.append("(no sessions)") }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned text columns, numbers right-aligned.
    static func columns(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [2, 3, 4, 5, 6, 7, 8, 9, 10]
        return rows.map { row in
            row.indices.map { column -> String in
                let pad = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned.contains(column) ? pad + row[column] : row[column] + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }

    /// 0, 12, 1.5k, 2.3M per second.
    static func packets(_ value: Double) -> String { scaled(value, units: ["", "k", "M", "G"]) }
    static func bits(_ value: Double) -> String { scaled(value, units: ["", "k", "M", "G", "T"]) }
    static func bytes(_ value: UInt64) -> String { scaled(Double(value), units: ["B", "kB", "MB", "GB", "TB"]) }

    private static func scaled(_ value: Double, units: [String]) -> String {
        var v = value, unit = 0
        while v >= 1000, unit < units.count - 1 { v /= 1000; unit += 1 }
        if unit == 0 { return String(Int(v.rounded())) + units[0] }
        return fixed(v, decimals: v < 10 ? 2 : v < 100 ? 1 : 0) + units[unit]
    }

    /// `value` with exactly `decimals` decimals.
    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let n = Int((value * Double(scale)).rounded())
        guard decimals > 0 else { return String(n) }
        let fraction = String(n % scale)
        return "\(n / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// An interval: whole seconds as such, else to a tenth.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : fixed(value, decimals: 1)
    }

    /// 42s, 3m05s, 2h07m, 5d03h.
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : String(n) }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        if s < 86400 { return "\(s / 3600)h\(two(s / 60 % 60))m" }
        return "\(s / 86400)d\(two(s / 3600 % 24))h"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
