import ControlProtocol
import Libc
import PlainText
import UserspaceRelay

/// The session journal on disk, in the runtime directory, under its rules: opened relative to the
/// checked directory, never through a symbolic link, only a plain file owned by the daemon's user,
/// and replaced whole by rename, so a reader (the next daemon, after a crash at any instant) finds
/// either the old journal or the new one, never half of one.
enum JournalFile {
    static let name = RuntimePaths.journalName
    /// Where a write goes before it is renamed into place (`replaceFile`).
    static let temporaryName = RuntimePaths.journalName + ".new"
    /// Where a journal that could not be trusted is kept: one file, each replacing the last.
    static let rejectedName = RuntimePaths.journalName + ".rejected"
    /// A journal of 65,535 sessions is about 20 MB; anything much larger is not ours.
    static let largest = 64 << 20

    /// Writes the journal atomically; the error (and the old journal intact) when it could not.
    static func write(_ directoryFD: Int32, _ bytes: [UInt8]) -> FileError? {
        do throws(FileError) { try replaceFile(in: directoryFD, named: name, bytes, mode: 0o600) } catch { return error }
        return nil
    }

    enum Contents {
        case none
        /// The journal, and when its writer last marked it (`touch`): the last instant a daemon
        /// was known to run, which may be later than the last write.
        case bytes([UInt8], touchedAt: Int64)
        /// Present but not to be read: a link, not a plain file, another user's, too large.
        case refused(String)
    }

    static func read(_ directoryFD: Int32) -> Contents {
        let fd = openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            return errno == ENOENT ? .none : .refused("cannot open \(name): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return .refused("\(name) is not a plain file") }
        guard info.st_uid == geteuid() else { return .refused("\(name) belongs to uid \(info.st_uid), not to the relay's") }
        guard Int(info.st_size) <= largest else { return .refused("\(name) is larger than any journal (\(info.st_size) bytes)") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        return .bytes(Array(bytes[..<done]), touchedAt: Int64(info.st_mtim.tv_sec))
    }

    /// Sets the journal's modification time to now, without following a link: one system call
    /// a second says "a daemon still runs" without rewriting a journal whose sessions have not
    /// changed.
    static func touch(_ directoryFD: Int32) {
        _ = utimensat(directoryFD, name, nil, AT_SYMLINK_NOFOLLOW)
    }

    /// Keeps a journal that could not be read, or not trusted, beside the new one for whoever
    /// wants to look, and out of the next daemon's way: no journal is read twice, so none can
    /// stop every start of the daemon.
    static func setAside(_ directoryFD: Int32) {
        _ = renameat(directoryFD, name, directoryFD, rejectedName)
    }

    static func remove(_ directoryFD: Int32) {
        _ = unlinkat(directoryFD, name, 0)
        _ = unlinkat(directoryFD, temporaryName, 0)
    }
}
