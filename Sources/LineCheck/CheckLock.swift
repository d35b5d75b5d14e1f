#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One check per interface at a time: a Unix socket bound to an abstract name made from the
/// interface's name. The kernel frees the name when the process ends, however it ends, so a
/// crashed check leaves nothing behind; no file, so no directory whose safety would need
/// checking. Abstract names belong to the network namespace, as interface names do.
public struct CheckLock: ~Copyable {
    private let fd: Int32

    public enum Failure: Error, Equatable {
        case held
        case failed(errno: Int32)
    }

    /// The abstract name, without its leading NUL.
    public static func name(interface: String) -> String { "pppoe-relay/check/" + interface }

    public init(interface: String) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failed(errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(Self.name(interface: interface).utf8)
        let length = min(name.count, MemoryLayout.size(ofValue: address.sun_path) - 1)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw[0] = 0
            raw.baseAddress!.advanced(by: 1).copyMemory(from: name, byteCount: length)
        }
        let size = socklen_t(MemoryLayout<sa_family_t>.size + 1 + length)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw code == EADDRINUSE ? .held : .failed(errno: code)
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
