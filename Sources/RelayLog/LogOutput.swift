import Libc

/// Writes finished lines to the destination without ever stalling the relay for long: the
/// system log's socket is written with MSG_DONTWAIT; when its queue is full (a burst, such as
/// every session closing at stop) the line waits up to `patience` for room, and a logger that
/// keeps it waiting that long is not waited for again until it takes a line at once. A line it
/// will not take is counted, then reported on the next line that gets through. A socket the
/// logger closed (logd restarted) is connected again once per line; when that fails, the
/// line goes to standard error. A daemon logs from its one thread, so nothing here is locked.
public final class LogOutput {
    public let destination: LogDestination

    private struct State {
        var socket: Int32 = -1
        var lost: UInt64 = 0
        /// The logger kept a line waiting the whole `patience`: do not wait for it again yet.
        var stalled = false
    }

    /// How long one line may wait for room in the system log's queue, in milliseconds.
    static let patience: Int32 = 100

    private var state = State()
    private let pid = getpid()

    public init(destination: LogDestination) {
        self.destination = destination
    }

    deinit {
        if state.socket >= 0 { close(state.socket) }
    }

    public func write(_ message: String, level: Logger.Level) {
        switch destination {
        case let .standardError(levelPrefix):
            Self.writeStandardError(LogLineFormat.standardError(message, level: level, levelPrefix: levelPrefix))
        case let .syslog(path):
            let line = LogLineFormat.syslog(message, level: level, pid: pid)
            if state.lost > 0, Self.send(LogLineFormat.syslog("\(state.lost) log lines lost: the system log did not take them",
                                                               level: .warning, pid: pid),
                                         &state, path) {
                state.lost = 0
            }
            let sent = Self.send(line, &state, path)
            if !sent { state.lost &+= 1 }
            if !sent, state.socket < 0 {
                Self.writeStandardError(LogLineFormat.standardError(message, level: level, levelPrefix: false))
            }
        }
    }

    /// One datagram; on a dead connection (ECONNREFUSED, ENOTCONN: the logger restarted),
    /// connects again and tries once more.
    private static func send(_ line: String, _ state: inout State, _ path: String) -> Bool {
        let bytes = Array(line.utf8)
        var reconnected = false
        var waited = false
        while true {
            if state.socket < 0 {
                state.socket = connect(path)
                guard state.socket >= 0 else { return false }
            }
            let sent = bytes.withUnsafeBytes { systemSend(state.socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if sent >= 0 {
                if !waited { state.stalled = false }
                return true
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                guard !waited, !state.stalled else { return false }
                waited = true
                var entry = pollfd(fd: state.socket, events: Int16(POLLOUT), revents: 0)
                if poll(&entry, 1, patience) != 1 {
                    state.stalled = true
                    return false
                }
                continue
            }
            guard !reconnected, code == ECONNREFUSED || code == ENOTCONN || code == EBADF || code == ENOENT else { return false }
            reconnected = true
            close(state.socket)
            state.socket = -1
        }
    }

    private static func connect(_ path: String) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return -1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, pr_libc_sock_dgram | pr_libc_sock_cloexec, 0)
        guard fd >= 0 else { return -1 }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    private static func writeStandardError(_ line: String) {
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

// The C library's functions, reached without naming the C library (Glibc or Musl).
private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}

private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
