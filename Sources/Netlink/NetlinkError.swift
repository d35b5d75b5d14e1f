import Libc

/// A failed netlink operation: names what was attempted and what the kernel said.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation): \(Self.errnoName(errno)) (\(String(cString: strerror(errno))))"
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case ENOENT: "ENOENT"
        case ENODEV: "ENODEV"
        case EPERM: "EPERM"
        case EACCES: "EACCES"
        case EEXIST: "EEXIST"
        case EINVAL: "EINVAL"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EBUSY: "EBUSY"
        case ENOBUFS: "ENOBUFS"
        default: "errno \(code)"
        }
    }
}
