import Libc

/// A failure setting the relay up, naming the interface and the system call that failed.
public struct RelayError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The errno the failing call gave, where one did.
    public let errno: Int32?

    public init(_ description: String, errno: Int32? = nil) {
        self.description = description
        self.errno = errno
    }

    static func system(_ what: String, errno code: Int32) -> RelayError {
        RelayError("\(what): \(String(cString: strerror(code)))", errno: code)
    }
}
