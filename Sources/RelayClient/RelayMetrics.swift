import ControlProtocol
import UserspaceRelay

/// `relayctl metrics`: the status and a summary of the sessions as Prometheus metrics, all
/// named `pppoe_relay_*`. Sessions are summed, never one series per session: 65,534 sessions
/// would be that many series for every scrape to store.
public enum RelayMetrics {
    public static let prefix = "pppoe_relay_"

    /// What a scrape sees while no relay runs: up 0, and nothing else to mistake for a value.
    public static func notRunning() -> String {
        var out = PrometheusText()
        up(&out, false)
        return out.text
    }

    public static func render(status: StatusReport, sessions: [SessionReport]) -> String {
        var out = PrometheusText()
        up(&out, true)
        gauge(&out, "uptime_seconds", "Seconds since the relay started.", status.uptimeSeconds)
        gauge(&out, "sessions", "Sessions relayed now.", Int64(status.sessionCount))
        gauge(&out, "sessions_max", "Sessions the relay holds at most (--max-sessions).", Int64(status.maxSessions))
        gauge(&out, "idle_timeout_seconds", "Idle timeout of a session; 0 = off.", Int64(status.idleTimeoutSeconds))
        out.family(prefix + "dataplane_info", .gauge, help: "The dataplane in use (kernel or userspace) and the MSS setting.")
        out.sample(prefix + "dataplane_info", ["dataplane": status.dataplane, "mss": status.mss], value: true)
        out.family(prefix + "kernel_error", .gauge,
                   help: "1 while the kernel dataplane reports an error (relayctl status says which).")
        out.sample(prefix + "kernel_error", value: status.kernelError != nil)
        if let writable = status.journalWritable {
            out.family(prefix + "journal_writable", .gauge,
                       help: "1 while the session journal is written, 0 after a write failed (a restart would lose sessions).")
            out.sample(prefix + "journal_writable", value: writable)
        }
        if let failures = status.journalWriteFailures {
            out.family(prefix + "journal_write_failures_total", .counter, help: "Writes of the session journal that failed.")
            out.sample(prefix + "journal_write_failures_total", value: failures)
        }

        // One counter per status counter, in status' order; any the daemon adds that this
        // relayctl does not know follow, sorted.
        let known = RelayCounters().fields.map { $0.name }
        for name in known + status.counters.keys.filter({ !known.contains($0) }).sorted() {
            guard let value = status.counters[name] else { continue }
            let metric = counterMetric(name)
            out.family(metric, .counter, help: "The status counter \(name).")
            out.sample(metric, value: value)
        }

        interfaces(&out, status.interfaces, sessions: sessions)
        sessionSummary(&out, sessions)
        return out.text
    }

    /// The metric of a status counter: `pppoe_relay_NAME_total`, except where NAME reads as
    /// something else to Prometheus' linter (`promtool check metrics`). The status key stays as
    /// it is: renaming a JSON key would change `schema_version`.
    public static func counterMetric(_ counter: String) -> String {
        let name = switch counter {
        case "dropped_not_for_us": "dropped_for_other_hosts"  // "us" would be microseconds
        default: counter
        }
        return prefix + name + "_total"
    }

    private static func up(_ out: inout PrometheusText, _ running: Bool) {
        out.family(prefix + "up", .gauge, help: "1 if a relay answered on the control socket, else 0.")
        out.sample(prefix + "up", value: running)
    }

    private static func gauge(_ out: inout PrometheusText, _ name: String, _ help: String, _ value: Int64) {
        out.family(prefix + name, .gauge, help: help)
        out.sample(prefix + name, value: value)
    }

    private static func interfaces(_ out: inout PrometheusText, _ interfaces: [StatusReport.Interface],
                                   sessions: [SessionReport]) {
        let families: [(String, String)] = [
            ("interface_present", "1 while the device exists (the relay heals when it returns)."),
            ("interface_carrier", "1 while the device has a link (IFLA_CARRIER)."),
            ("interface_operstate", "The device's operational state (up, down, lowerlayerdown, ..., absent): 1 for the state it is in."),
            ("interface_mtu", "The device's MTU."),
            ("interface_sessions", "Sessions whose client side is on this LAN device."),
        ]
        for (name, help) in families {
            out.family(prefix + name, .gauge, help: help)
            for interface in interfaces {
                if name == "interface_sessions" && interface.role == "wan" { continue }
                let labels: KeyValuePairs = ["interface": interface.name, "role": interface.role]
                switch name {
                case "interface_present": out.sample(prefix + name, labels, value: interface.state == "up")
                case "interface_carrier": out.sample(prefix + name, labels, value: interface.carrier)
                case "interface_operstate":
                    out.sample(prefix + name, ["interface": interface.name, "role": interface.role,
                                               "operstate": interface.operstate], value: true)
                case "interface_mtu": out.sample(prefix + name, labels, value: UInt64(interface.mtu))
                default:
                    let count = sessions.lazy.filter { $0.lanInterface == interface.name }.count
                    out.sample(prefix + name, labels, value: Int64(count))
                }
            }
        }
    }

    /// Totals over the sessions alive now: gauges, not counters, since they fall when a session ends.
    private static func sessionSummary(_ out: inout PrometheusText, _ sessions: [SessionReport]) {
        var packets = (toAC: UInt64(0), toClient: UInt64(0)), bytes = (toAC: UInt64(0), toClient: UInt64(0))
        var idleMax: Int64 = 0
        for session in sessions {
            packets.toAC = packets.toAC.saturatingAdding(session.packetsToAC)
            packets.toClient = packets.toClient.saturatingAdding(session.packetsToClient)
            bytes.toAC = bytes.toAC.saturatingAdding(session.bytesToAC)
            bytes.toClient = bytes.toClient.saturatingAdding(session.bytesToClient)
            idleMax = max(idleMax, session.idleSeconds)
        }
        out.family(prefix + "session_packets", .gauge, help: "Packets relayed by the sessions alive now, by direction.")
        out.sample(prefix + "session_packets", ["direction": "to_ac"], value: packets.toAC)
        out.sample(prefix + "session_packets", ["direction": "to_client"], value: packets.toClient)
        out.family(prefix + "session_bytes", .gauge, help: "Bytes relayed by the sessions alive now, by direction.")
        out.sample(prefix + "session_bytes", ["direction": "to_ac"], value: bytes.toAC)
        out.sample(prefix + "session_bytes", ["direction": "to_client"], value: bytes.toClient)
        gauge(&out, "session_idle_seconds_max", "Seconds the idlest session has carried no frame; 0 without sessions.", idleMax)
    }
}
