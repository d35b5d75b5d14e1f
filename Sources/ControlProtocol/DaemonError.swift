import Libc

/// Why the daemon could not start or a query failed, split the way exit codes are:
/// the caller asked for something impossible (usage, exit 2) or the system said no (exit 1).
/// `notRunning` is a failure that queries of the relay (status, sessions, mss, metrics) tell
/// apart: nothing answers on the control socket (exit 3).
public enum DaemonError: Error, Equatable, Sendable, CustomStringConvertible {
    case usage(String)
    case failure(String)
    case notRunning(String)
    /// A failure of one system call: the message already says what the errno means; the errno
    /// itself is kept for whoever decides by it (as swift-nio's IOError keeps it).
    case systemCall(String, errno: Int32)

    public var description: String {
        switch self {
        case let .usage(message), let .failure(message), let .notRunning(message), let .systemCall(message, _): message
        }
    }

    /// The errno behind this error, where one system call's failure is.
    public var errno: Int32? {
        if case let .systemCall(_, code) = self { return code }
        return nil
    }

    /// `what` failed with `code`, read by the caller right after the call: "what: reason".
    public static func failed(_ what: String, errno code: Int32) -> DaemonError {
        .systemCall("\(what): \(String(cString: strerror(code)))", errno: code)
    }

    /// Another module's error as this one, keeping the errno it carries (nil: it has none).
    public static func from(_ error: some Error & CustomStringConvertible, errno code: Int32?, prefix: String = "") -> DaemonError {
        code.map { .systemCall(prefix + error.description, errno: $0) } ?? .failure(prefix + error.description)
    }
}
