import Logging

/// swift-log's handler for the relay: the message (and any metadata, as `key=value`) goes to
/// a `LogOutput` as one line.
public struct RelayLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let output: LogOutput

    public init(output: LogOutput, level: Logger.Level) {
        self.output = output
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let suffix = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        output.write("\(event.message)" + suffix, level: event.level)
    }
}

extension Logger {
    /// The relay's logger: info and above, or debug too with `verbose` (discovery decisions).
    public static func relay(to destination: LogDestination, verbose: Bool) -> Logger {
        let output = LogOutput(destination: destination)
        return Logger(label: LogLineFormat.tag) { _ in RelayLogHandler(output: output, level: verbose ? .debug : .info) }
    }
}
