import UserspaceRelay

/// The requests `relayctl` sends the running daemon over `<runtime-dir>/control.sock`:
/// one line in, one JSON document back, connection closed.
public enum ControlRequest: Sendable, Equatable {
    case status
    case sessions
    case mssShow
    case mssSet(MSSSetting)
    /// Look the devices up again and reinstall what the kernel lost (the WAN came up).
    case reload
    /// End every session with PADT (the WAN went down).
    case endSessions
    /// Whether the next SIGTERM/SIGINT keeps the sessions for the next daemon (a restart) or
    /// ends them with PADT (a stop, the default).
    case keepSessionsOnStop(Bool)

    public var line: String {
        switch self {
        case .status: "status"
        case .sessions: "sessions"
        case .reload: "reload"
        case .endSessions: "end-sessions"
        case let .keepSessionsOnStop(keep): "keep-sessions-on-stop \(keep ? "on" : "off")"
        case .mssShow: "mss show"
        case let .mssSet(setting): "mss set \(setting)"
        }
    }

    public init?(line: String) {
        let words = line.split(separator: " ").map(String.init)
        switch words {
        case ["status"]: self = .status
        case ["sessions"]: self = .sessions
        case ["reload"]: self = .reload
        case ["end-sessions"]: self = .endSessions
        case ["keep-sessions-on-stop", "on"]: self = .keepSessionsOnStop(true)
        case ["keep-sessions-on-stop", "off"]: self = .keepSessionsOnStop(false)
        case ["mss", "show"]: self = .mssShow
        case let words where words.count == 3 && words[0] == "mss" && words[1] == "set":
            guard let setting = MSSSetting(words[2]) else { return nil }
            self = .mssSet(setting)
        default: return nil
        }
    }
}
