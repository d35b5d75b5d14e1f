import Libc

/// Where the daemon's log lines go: the system log's datagram socket, as rp-pppoe's relay
/// logs (OpenWrt's logd, read with `logread`; rsyslog or journald elsewhere), or standard
/// error, which systemd hands to the journal.
public enum LogDestination: Sendable, Equatable, CustomStringConvertible {
    /// RFC 3164 lines to an AF_UNIX datagram socket, normally /dev/log.
    case syslog(socket: String)
    /// Plain lines to standard error; with `levelPrefix`, each starts with its severity as
    /// `<N>`, which journald reads as the line's priority (sd-daemon(3)).
    case standardError(levelPrefix: Bool)

    public static let systemLogSocket = "/dev/log"

    /// `syslog`, `stderr`, or `syslog:PATH` (another socket than /dev/log: what the tests use).
    public init?(argument: String) {
        switch argument {
        case "syslog": self = .syslog(socket: Self.systemLogSocket)
        case "stderr": self = .standardError(levelPrefix: Self.underJournal(Self.environment))
        case _ where argument.hasPrefix("syslog:") && argument.count > "syslog:".count:
            self = .syslog(socket: String(argument.dropFirst("syslog:".count)))
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .syslog(socket): socket == Self.systemLogSocket ? "syslog" : "syslog:" + socket
        case .standardError: "stderr"
        }
    }

    /// The destination when `--log` is not given, from what started the daemon:
    /// - systemd (it sets INVOCATION_ID, and JOURNAL_STREAM when standard error is the journal):
    ///   standard error, which the journal takes with the unit's name;
    /// - a terminal (standard error is a tty): standard error, where the operator looks;
    /// - otherwise, when /dev/log exists (procd on OpenWrt, where logd owns it; a detached
    ///   `relayctl enable`): syslog;
    /// - otherwise standard error.
    public static func automatic(environment: [String: String], standardErrorIsTerminal: Bool,
                                 systemLogExists: Bool) -> LogDestination {
        if underJournal(environment) || environment["INVOCATION_ID"] != nil {
            return .standardError(levelPrefix: underJournal(environment))
        }
        if standardErrorIsTerminal || !systemLogExists { return .standardError(levelPrefix: false) }
        return .syslog(socket: systemLogSocket)
    }

    /// `automatic` for this process.
    public static func automatic() -> LogDestination {
        automatic(environment: environment, standardErrorIsTerminal: isatty(2) == 1, systemLogExists: systemLogExists)
    }

    /// /dev/log is a socket: a system logger (logd, rsyslog, journald) is there to take lines.
    public static var systemLogExists: Bool {
        var status = stat()
        return stat(systemLogSocket, &status) == 0 && status.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK)
    }

    /// systemd connected standard error to the journal (JOURNAL_STREAM names its device and inode).
    private static func underJournal(_ environment: [String: String]) -> Bool {
        environment["JOURNAL_STREAM"].map { !$0.isEmpty } ?? false
    }

    private static var environment: [String: String] {
        var values: [String: String] = [:]
        for name in ["INVOCATION_ID", "JOURNAL_STREAM"] {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }
}
