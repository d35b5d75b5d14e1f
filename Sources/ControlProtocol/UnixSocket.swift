import Libc

/// The few UNIX-domain socket calls the control channel needs, each failing with a reason.
public enum UnixSocket {
    public static func address(_ path: String) throws(DaemonError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .failure("control socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Connecting needs write permission on the socket file: 0600, or 0660 for `group`. The file
    /// is born with that mode (umask), never wider, whatever umask the daemon inherited.
    public static func listen(at path: String, group: gid_t?) throws(DaemonError) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, streamSocket | nonBlockingSocket | closeOnExecSocket, 0)
        guard fd >= 0 else {
            let code = errno
            throw .failed("control socket", errno: code)
        }
        let inherited = umask(group == nil ? 0o177 : 0o117)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let code = errno
        umask(inherited)
        guard bound == 0 else {
            close(fd)
            throw .failed("control socket \(path)", errno: code)
        }
        guard group.map({ chown(path, uid_t.max, $0) == 0 }) ?? true, systemListen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .failed("control socket \(path)", errno: code)
        }
        return fd
    }

    /// A blocking connection with send and receive timeouts, so a wedged peer cannot hang us.
    public static func connect(to path: String, timeoutSeconds: Int) throws(DaemonError) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, streamSocket | closeOnExecSocket, 0)
        guard fd >= 0 else {
            let code = errno
            throw .failed("control socket", errno: code)
        }
        setTimeouts(fd, seconds: timeoutSeconds)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ECONNREFUSED: throw .notRunning("no relay is running (nothing answers on \(path))")
            case EACCES, EPERM:
                throw .failure("permission denied on \(path): the control socket is for root "
                    + "(and the group given with --control-group)")
            default: throw .failed("cannot reach the relay at \(path)", errno: code)
            }
        }
        return fd
    }

    public static func setTimeouts(_ fd: Int32, seconds: Int) {
        setTimeouts(fd, receiveMilliseconds: seconds * 1000, sendMilliseconds: seconds * 1000)
    }

    public static func setTimeouts(_ fd: Int32, receiveMilliseconds: Int, sendMilliseconds: Int) {
        var receive = timeval(tv_sec: .init(receiveMilliseconds / 1000), tv_usec: .init((receiveMilliseconds % 1000) * 1000))
        var send = timeval(tv_sec: .init(sendMilliseconds / 1000), tv_usec: .init((sendMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, pr_libc_so_rcvtimeo, &receive, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, pr_libc_so_sndtimeo, &send, socklen_t(MemoryLayout<timeval>.size))
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// `writeAll` for a socket whose peer may already have hung up: EPIPE, never SIGPIPE.
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads until end of file, or until `stopAtNewline` sees one, or `limit` bytes.
    public static func read(_ fd: Int32, limit: Int, stopAtNewline: Bool) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            // A peer that closed without reading all we sent resets the connection after its answer.
            guard n >= 0 else { return errno == ECONNRESET && !result.isEmpty ? result : nil }
            if n == 0 { break }
            result += chunk[0..<n]
            if stopAtNewline && chunk[0..<n].contains(UInt8(ascii: "\n")) { break }
        }
        return result
    }

}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { listen(fd, backlog) }
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

// Socket types and flags as socket(2) takes them, as plain integers whatever the C library.
private let streamSocket = pr_libc_sock_stream
private let nonBlockingSocket = pr_libc_sock_nonblock
private let closeOnExecSocket = pr_libc_sock_cloexec
