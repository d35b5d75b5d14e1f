import Glibc

/// The few UNIX-domain socket calls the control channel needs, each failing with a reason.
enum UnixSocket {
    static func address(_ path: String) throws(DaemonError) -> sockaddr_un {
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

    static func listen(at path: String) throws(DaemonError) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failure("control socket: \(errorText())") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let reason = errorText()
            close(fd)
            throw .failure("control socket \(path): \(reason)")
        }
        return fd
    }

    /// A blocking connection with send and receive timeouts, so a wedged peer cannot hang us.
    static func connect(to path: String, timeoutSeconds: Int) throws(DaemonError) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failure("control socket: \(errorText())") }
        setTimeouts(fd, seconds: timeoutSeconds)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw .failure(code == ENOENT || code == ECONNREFUSED
                ? "no relay is running (nothing answers on \(path))"
                : "cannot reach the relay at \(path): \(String(cString: strerror(code)))")
        }
        return fd
    }

    static func setTimeouts(_ fd: Int32, seconds: Int) {
        setTimeouts(fd, receiveMilliseconds: seconds * 1000, sendMilliseconds: seconds * 1000)
    }

    static func setTimeouts(_ fd: Int32, receiveMilliseconds: Int, sendMilliseconds: Int) {
        var receive = timeval(tv_sec: receiveMilliseconds / 1000, tv_usec: (receiveMilliseconds % 1000) * 1000)
        var send = timeval(tv_sec: sendMilliseconds / 1000, tv_usec: (sendMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receive, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send, socklen_t(MemoryLayout<timeval>.size))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads until end of file, or until `stopAtNewline` sees one, or `limit` bytes.
    static func read(_ fd: Int32, limit: Int, stopAtNewline: Bool) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            result += chunk[0..<n]
            if stopAtNewline && chunk[0..<n].contains(UInt8(ascii: "\n")) { break }
        }
        return result
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
