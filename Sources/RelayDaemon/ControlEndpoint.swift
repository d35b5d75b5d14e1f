import ControlProtocol
import Libc

/// The runtime directory, its lock and the control socket with its clients, for a daemon other
/// than `RelayDaemon` (the modem's) that answers `relayctl status`/`sessions` the same way: the
/// same directory checks, the same one-daemon-per-directory lock, the same non-blocking server.
public struct ControlEndpoint: ~Copyable {
    public let paths: RuntimePaths
    private var server: ControlServer
    /// Held for the daemon's life: the directory's lock.
    private let lock: OwnedDescriptor

    public static var capacity: Int { ControlServer.capacity }

    public init(runtimeDirectory: String, controlGroup: String?) throws(DaemonError) {
        _ = pr_libc_ignore_signal(SIGPIPE)
        let group = try ControlAccess.groupID(controlGroup)
        let paths = RuntimePaths(directory: runtimeDirectory)
        let directory = OwnedDescriptor(try RuntimeDirectory.prepare(paths.directory, group: group))
        let lock = OwnedDescriptor(try RuntimeDirectory.lock(directory.fd, paths.directory))
        try RuntimeDirectory.adjust(directory.fd, paths.directory, group: group)
        _ = unlinkat(directory.fd, "control.sock", 0)
        let listenFD = try UnixSocket.listen(at: paths.controlSocket, group: group)
        _ = RuntimeDirectory.writePidFile(directory.fd)
        self.paths = paths
        self.lock = lock
        server = ControlServer(listenFD: listenFD, access: ControlAccess(daemonUID: geteuid(), group: group))
    }

    deinit {
        unlink(paths.controlSocket)
        unlink(paths.pidFile)
    }

    public var listenFD: Int32 { server.listenFD }
    public var pollSlots: Int { server.pollSlots }
    public var acceptResumes: Int64 { server.acceptResumes }

    /// See `ControlServer`: the clients' poll entries from `base` on (`capacity` of them).
    public mutating func fill(_ fds: inout [pollfd], from base: Int, always: Bool = false) {
        server.fill(&fds, from: base, always: always)
    }

    public mutating func acceptAll(now: Int64) { server.acceptAll(now: now) }
    public mutating func service(_ slot: Int) -> ControlRequest? { server.service(slot) }
    public mutating func answer(_ slot: Int, _ bytes: [UInt8]) { server.answer(slot, bytes) }
    /// Lines to log for clients dropped in the middle of an answer (see `ControlServer.expire`).
    @discardableResult
    public mutating func expire(now: Int64) -> [String] { server.expire(now: now) }
}
