/// Where a daemon with a given runtime directory keeps its files.
public struct RuntimePaths: Sendable {
    public let directory: String
    public var controlSocket: String { directory + "/control.sock" }
    public var pidFile: String { directory + "/relayd.pid" }
    /// Where a daemon started by `relayctl enable` writes its stdout and stderr.
    public var logFile: String { directory + "/relayd.log" }
    /// The sessions, for the next daemon on this directory (`SessionJournal`).
    public var journal: String { directory + "/" + Self.journalName }
    public static let journalName = "sessions.journal"

    public init(directory: String) { self.directory = directory }
}
