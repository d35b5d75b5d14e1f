import PPPoEWire

/// The text of one log line, for each destination. Pure, so tests check it byte for byte.
public enum LogLineFormat {
    /// syslog facility 3, "system daemons" (RFC 5424 §6.2.1), as rp-pppoe's relay uses.
    public static let facilityDaemon = 3
    /// The program name syslog shows.
    public static let tag = "pppoe-relay"
    /// Longer messages are cut here (with "..."): a datagram must fit the socket's limits, and
    /// a log line that long helps nobody.
    public static let messageLimit = 1024

    /// RFC 5424 severities: error 3, warning 4, notice 5, info 6, debug 7.
    public static func severity(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// One line, whatever the message holds: controls, separators and bidirectional overrides
    /// escaped (an AC-Name cannot start a forged line), cut at `messageLimit` bytes.
    public static func sanitized(_ message: String) -> String {
        let escaped = TerminalText.escaped(message)
        guard escaped.utf8.count > messageLimit else { return escaped }
        var cut = ""
        for character in escaped {
            guard cut.utf8.count + character.utf8.count <= messageLimit - 3 else { break }
            cut.append(character)
        }
        return cut + "..."
    }

    /// `<PRI>pppoe-relay[PID]: message`, the RFC 3164 form without timestamp and host name,
    /// which the receiver adds (logd, rsyslog and journald all do).
    public static func syslog(_ message: String, level: Logger.Level, pid: Int32) -> String {
        "<\(facilityDaemon * 8 + severity(level))>\(tag)[\(pid)]: " + sanitized(message)
    }

    /// A line for standard error, ending in a newline; with `levelPrefix`, `<N>` first.
    public static func standardError(_ message: String, level: Logger.Level, levelPrefix: Bool) -> String {
        (levelPrefix ? "<\(severity(level))>" : "") + sanitized(message) + "\n"
    }
}
