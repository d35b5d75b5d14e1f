#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failure setting the relay up, naming the interface and the system call that failed.
public struct RelayError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func system(_ what: String, errno code: Int32) -> RelayError {
        RelayError("\(what): \(String(cString: strerror(code)))")
    }
}
