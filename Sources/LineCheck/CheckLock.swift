import Libc

/// One check per interface at a time: an exclusive `flock` on `check-<interface>.lock` in a
/// directory only root can write (/run/pppoe-relay-check, made 0700 when missing). The lock goes
/// with the process however it ends, so a killed check leaves only an empty file, which the next
/// check locks again. Unlike a name any local user could bind, the file is out of other users'
/// reach: the directory must be a real directory (not a symbolic link) owned by us and writable
/// by nobody else, and the file is opened without following links.
public struct CheckLock: ~Copyable {
    public static let defaultDirectory = "/run/pppoe-relay-check"
    private let fd: Int32

    public enum Failure: Error, Equatable {
        case held
        case failed(errno: Int32)
        /// The lock directory is a symbolic link, not a directory, or not ours alone.
        case unsafeDirectory(String)
        /// No interface can have this name (too long, or one a path could escape with), so
        /// there is nothing to lock: the check fails when it looks the interface up.
        case notAnInterfaceName
    }

    /// The lock file's name inside the directory.
    public static func fileName(interface: String) -> String { "check-" + interface + ".lock" }

    public init(interface: String, directory: String = defaultDirectory) throws(Failure) {
        // An interface name is at most 15 bytes and never holds "/"; one that could leave the
        // directory is no interface's.
        guard !interface.isEmpty, interface.utf8.count < 16, !interface.contains("/"), !interface.hasPrefix(".") else {
            throw .notAnInterfaceName
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw .failed(errno: errno) }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directoryFD >= 0 else {
            let code = errno
            // ELOOP: a symbolic link; ENOTDIR: something else than a directory.
            if code == ELOOP || code == ENOTDIR { throw .unsafeDirectory("\(directory) is not a directory") }
            throw .failed(errno: code)
        }
        defer { close(directoryFD) }
        var info = stat()
        guard fstat(directoryFD, &info) == 0 else { throw .failed(errno: errno) }
        guard info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            throw .unsafeDirectory("\(directory) is not owned by uid \(geteuid()) alone")
        }
        let fd = openat(directoryFD, Self.fileName(interface: interface),
                        O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o600)
        guard fd >= 0 else { throw .failed(errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw code == EWOULDBLOCK ? .held : .failed(errno: code)
        }
        self.fd = fd
    }

    /// Closing the file releases the lock; the empty file stays for the next check.
    deinit { close(fd) }
}
