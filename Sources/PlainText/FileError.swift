import Libc

/// A file operation that failed, with the system's errno kept: its `text` is the system's own
/// words ("Permission denied"), what a one-line message shows.
public struct FileError: Error, Sendable, Equatable {
    public let errno: Int32

    public init(errno: Int32) { self.errno = errno }

    /// The errno of the call that just failed; taken before anything else can change it.
    static func last() -> FileError { FileError(errno: Libc.errno) }

    public var text: String { String(cString: strerror(errno)) }
}
