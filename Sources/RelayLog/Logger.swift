/// The relay's logger: each message at or above its level becomes one line on its `LogOutput`.
///
/// The project's own rather than swift-log's: the relay has one log and one format, so a facade
/// over pluggable handlers bought nothing, and swift-log cannot be built as Embedded Swift. The
/// calls keep swift-log's shape (`log.notice("…")`, `Logger.Level`), so the code reads as before.
public struct Logger {
    /// Severities in swift-log's order; `LogLineFormat.severity` maps them to syslog's numbers.
    public enum Level: Int, Comparable, Sendable {
        case trace, debug, info, notice, warning, error, critical

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Messages below this level are not even built (their text is an autoclosure).
    public var logLevel: Level
    public let output: LogOutput

    public init(output: LogOutput, level: Level) {
        self.output = output
        logLevel = level
    }

    /// The relay's logger: info and above, or debug too with `verbose` (discovery decisions).
    public static func relay(to destination: LogDestination, verbose: Bool) -> Logger {
        Logger(output: LogOutput(destination: destination), level: verbose ? .debug : .info)
    }

    public func log(level: Level, _ message: @autoclosure () -> String) {
        guard level >= logLevel else { return }
        output.write(message(), level: level)
    }

    public func trace(_ message: @autoclosure () -> String) { log(level: .trace, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(level: .debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(level: .info, message()) }
    public func notice(_ message: @autoclosure () -> String) { log(level: .notice, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(level: .warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(level: .error, message()) }
    public func critical(_ message: @autoclosure () -> String) { log(level: .critical, message()) }
}
