import ControlProtocol
import PPPoEWire
import UserspaceRelay

/// Plain-text renderings of the control replies, for people at a shell. Every string that is
/// not our own (names from the wire, interface names, kernel errors) goes through
/// `TerminalText.escaped`: it must not be able to move the cursor or forge a line.
public enum ReportText {
    public static func status(_ report: StatusReport) -> String {
        var lines = [
            "dataplane: \(report.dataplane) (\(report.dataplaneReason))",
            "pid: \(report.pid), up \(report.uptimeSeconds) s",
        ]
        if let error = report.kernelError { lines.append("kernel dataplane error: \(TerminalText.escaped(error))") }
        if let adopted = report.adoptedSessions {
            lines.append("adopted at start: \(adopted) sessions from the previous daemon, away \(report.awaySeconds ?? 0) s")
        }
        if report.keepsSessionsOnStop == true { lines.append("restart pending: the next stop keeps every session") }
        if let writable = report.journalWritable {
            let failures = report.journalWriteFailures.map { ", \($0) failed writes since start" } ?? ""
            lines.append(writable ? "journal: written\(failures)"
                : "journal: NOT WRITTEN (\(TerminalText.escaped(report.journalError ?? "unknown error"))): "
                    + "a restart now loses the sessions since the last write\(failures)")
        }
        for interface in report.interfaces {
            let link = "operstate \(TerminalText.escaped(interface.operstate)), carrier \(interface.carrier ? "on" : "off")"
            lines.append("\(interface.role): \(TerminalText.escaped(interface.name)) \(interface.state) (\(link), index \(interface.index), \(interface.mac), mtu \(interface.mtu))")
        }
        let idle = report.idleTimeoutSeconds == 0 ? "off" : "\(report.idleTimeoutSeconds) s"
        lines.append("sessions: \(report.sessionCount) of \(report.maxSessions), idle timeout \(idle), mss \(report.mss)")
        if let modem = report.modem {
            let carrier = modem.carrier.map { $0 ? ", DCD on" : ", DCD off" } ?? ""
            lines.append("modem: \(TerminalText.escaped(modem.device)) \(modem.state) for \(modem.stateSeconds) s\(carrier)")
            if let line = modem.connectLine { lines.append("modem connected with: \(TerminalText.escaped(line))") }
            if let hangup = modem.lastHangup { lines.append("modem last hung up: \(TerminalText.escaped(hangup))") }
        }
        lines.append("counters:")
        // A modem's daemon has counters of its own: shown as it sends them, in name order.
        let names = report.modem == nil ? RelayCounters().fields.map { $0.name } : report.counters.keys.sorted()
        let width = names.map { $0.count }.max() ?? 0
        for name in names {
            let padded = name + String(repeating: " ", count: width - name.count)
            lines.append("  \(padded)  \(report.counters[name] ?? 0)")
        }
        return lines.joined(separator: "\n")
    }

    public static func mss(_ report: MSSReport) -> String {
        report.setting == "off" ? "mss: off (SYNs are not clamped)"
            : "mss: \(report.setting) (IPv4 \(report.ipv4), IPv6 \(report.ipv6))"
    }

    public static func sessions(_ sessions: [SessionReport]) -> String {
        guard !sessions.isEmpty else { return "no sessions" }
        let columns = ["LAN", "CLIENT MAC", "CSID", "WAN", "AC MAC", "ACSID", "AC-NAME", "SERVICE", "UP(s)", "IDLE(s)",
                      "PKTS>AC", "BYTES>AC", "PKTS>CL", "BYTES>CL"]
        let modem = sessions.contains { $0.modemState != nil }
        let rows = sessions.map { s in
            [TerminalText.escaped(s.lanInterface), s.clientMAC, "\(s.clientSessionID)", TerminalText.escaped(s.wanInterface),
             s.acMAC, "\(s.acSessionID)", s.acName.isEmpty ? "-" : TerminalText.escaped(s.acName),
             s.serviceName.isEmpty ? "-" : TerminalText.escaped(s.serviceName), "\(s.uptimeSeconds)", "\(s.idleSeconds)",
             "\(s.packetsToAC)", "\(s.bytesToAC)", "\(s.packetsToClient)", "\(s.bytesToClient)"]
                + (modem ? [TerminalText.escaped(s.modemState ?? "-")] : [])
        }
        let header = columns + (modem ? ["MODEM"] : [])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ").trimmingSuffixSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingSuffixSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
