/// Why the daemon could not start or a query failed, split the way exit codes are:
/// the caller asked for something impossible (usage, exit 2) or the system said no (exit 1).
/// `notRunning` is a failure that queries of the relay (status, sessions, mss, metrics) tell
/// apart: nothing answers on the control socket (exit 3).
public enum DaemonError: Error, Equatable, Sendable, CustomStringConvertible {
    case usage(String)
    case failure(String)
    case notRunning(String)

    public var description: String {
        switch self {
        case let .usage(message), let .failure(message), let .notRunning(message): message
        }
    }
}
