import RelayLog

/// What `enable`, `disable` and `fastpath off|restore` changed on the router (the relay
/// started or stopped, fast paths switched off or restored), also in the system log, where the
/// daemon logs its own changes: one line each, when there is a system log and the change was
/// to this system, not to a `--root` tree of a test.
enum ChangeLog {
    static func record(_ command: String, _ line: String, root: String = "/") {
        guard root == "/", LogDestination.systemLogExists else { return }
        LogOutput(destination: .syslog(socket: LogDestination.systemLogSocket)).write("relayctl \(command): \(line)", level: .notice)
    }
}
