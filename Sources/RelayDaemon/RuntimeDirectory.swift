import ControlProtocol
import Libc
import PlainText

/// The runtime directory holds what root trusts: the control socket `relayctl` talks to, the pid
/// `disable` signals, the log `enable` writes. A directory another user can write to (or swap,
/// through a writable parent) would let that user point root at files or processes of their
/// choosing, so it is used only when nobody but its owner, root or the daemon's own user, can
/// change it or anything on the way to it.
public enum RuntimeDirectory {
    /// The mode the directory gets: the control group, when there is one, may look inside
    /// (to reach the socket), never write.
    static func mode(group: gid_t?) -> mode_t { group == nil ? 0o700 : 0o750 }

    /// The directory, created if missing (0700, or 0750 with a control group) and checked; an
    /// open descriptor to it, for opening its files relative to what was checked.
    public static func prepare(_ path: String, group: gid_t?) throws(DaemonError) -> Int32 {
        try open(path, create: true, mode: mode(group: group))
    }

    /// Gives an existing directory (made by an older version, by hand, or for another control
    /// group) the mode and group this daemon needs. Only under the lock: a daemon that is about
    /// to find another running must not change the running one's directory.
    static func adjust(_ fd: Int32, _ path: String, group: gid_t?) throws(DaemonError) {
        guard fchown(fd, uid_t.max, group ?? getegid()) == 0 else {
            let code = errno
            throw .failed("cannot give runtime directory \(path) to group \(group ?? getegid())", errno: code)
        }
        guard fchmod(fd, mode(group: group)) == 0 else {
            let code = errno
            throw .failed("cannot set the mode of runtime directory \(path)", errno: code)
        }
    }

    /// The directory as it is, for the commands that stop a daemon: nil when it does not exist.
    public static func existing(_ path: String) throws(DaemonError) -> Int32? {
        var info = stat()
        if lstat(path, &info) != 0 && errno == ENOENT { return nil }
        return try open(path, create: false, mode: 0)
    }

    private static func open(_ path: String, create: Bool, mode: mode_t) throws(DaemonError) -> Int32 {
        try checkAncestors(of: path)
        var info = stat()
        if lstat(path, &info) != 0 {
            let code = errno
            guard code == ENOENT, create else { throw .failed("runtime directory \(path)", errno: code) }
            if mkdir(path, mode) != 0, case let code = errno, code != EEXIST {
                throw .failed("cannot create runtime directory \(path)", errno: code)
            }
            guard lstat(path, &info) == 0 else {
                let code = errno
                throw .failed("runtime directory \(path)", errno: code)
            }
        }
        try check(info, path, what: "runtime directory \(path)")
        let fd = systemOpen(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw .failed("runtime directory \(path)", errno: code)
        }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_dev == info.st_dev, opened.st_ino == info.st_ino else {
            close(fd)
            throw .failure("runtime directory \(path) changed while it was checked: refusing it")
        }
        return fd
    }

    /// The directory itself: a real directory (not a symbolic link), ours, writable by us alone.
    private static func check(_ info: stat, _ path: String, what: String) throws(DaemonError) {
        if info.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) { throw .failure("\(what) is a symbolic link: refusing it") }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else { throw .failure("\(what) is not a directory") }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .failure("\(what) is owned by uid \(info.st_uid), not root: refusing it")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw .failure("\(what) is writable by group or others (mode \(octal(info.st_mode & 0o7777))): refusing it")
        }
    }

    /// Every directory on the way: whoever can write to one could put another directory (or a
    /// link) in place of the next. A sticky one such as /tmp is fine, since only an entry's
    /// owner may replace it; a symbolic link on the way must be ours.
    private static func checkAncestors(of path: String) throws(DaemonError) {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        let components = absolute.split(separator: "/").map(String.init)
        var prefix = ""
        for component in [""] + components.dropLast() {
            prefix = component.isEmpty ? "/" : (prefix == "/" ? "/" : prefix + "/") + component
            var link = stat(), info = stat()
            guard lstat(prefix, &link) == 0, stat(prefix, &info) == 0 else {
                let code = errno
                throw .failed("runtime directory \(path): \(prefix)", errno: code)
            }
            if link.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK), link.st_uid != 0, link.st_uid != geteuid() {
                throw .failure("\(prefix), on the way to runtime directory \(path), is a symbolic link owned by uid \(link.st_uid): refusing it")
            }
            guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else { throw .failure("\(prefix) is not a directory") }
            guard info.st_uid == 0 || info.st_uid == geteuid() else {
                throw .failure("\(prefix), above runtime directory \(path), is owned by uid \(info.st_uid): refusing it")
            }
            guard info.st_mode & 0o022 == 0 || info.st_mode & mode_t(S_ISVTX) != 0 else {
                throw .failure("\(prefix), above runtime directory \(path), is writable by group or others "
                    + "(mode \(octal(info.st_mode & 0o7777))) and not sticky: refusing it")
            }
        }
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }


    // MARK: files inside

    static let lockName = "relayd.lock"

    /// Takes the directory's lock for the daemon's life (the descriptor stays open; the kernel
    /// drops the lock however the daemon exits) and records our pid in it. A second daemon on
    /// the same directory is told which one runs.
    static func lock(_ directoryFD: Int32, _ path: String) throws(DaemonError) -> Int32 {
        let fd = openat(directoryFD, lockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw .failed("cannot open \(path)/\(lockName)", errno: code)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = readText(fd).map { " (pid \($0))" } ?? ""
            close(fd)
            throw code == EWOULDBLOCK
                ? .failure("a relay is already running with runtime directory \(path)\(holder)")
                : .failed("cannot lock \(path)/\(lockName)", errno: code)
        }
        // Written over the old pid, then cut to length: a full file system leaves the old text,
        // not an empty file.
        let pid = Array("\(getpid())\n".utf8)
        if pid.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == pid.count { _ = ftruncate(fd, off_t(pid.count)) }
        return fd
    }

    static let pidName = "relayd.pid"

    /// Writes this process's pid to `relayd.pid` by way of a new file renamed into place
    /// (`PlainText.replaceFile`): a link planted there is replaced, not followed, and a file
    /// system with no room leaves the old file or none, never an empty one.
    static func writePidFile(_ directoryFD: Int32) -> FileError? {
        do throws(FileError) {
            try PlainText.replaceFile(in: directoryFD, named: pidName, Array("\(getpid())\n".utf8), mode: 0o644)
        } catch { return error }
        return nil
    }

    /// Removes `name` unless it is a plain file: what `enable` then opens for the daemon's
    /// output (with O_NOFOLLOW) is a file, never a link or a device.
    public static func removeUnlessRegularFile(_ directoryFD: Int32, _ name: String) {
        var info = stat()
        if fstatat(directoryFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & mode_t(S_IFMT) != mode_t(S_IFREG) {
            _ = unlinkat(directoryFD, name, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) ? AT_REMOVEDIR : 0)
        }
    }

    private static func readText(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let digits = buffer[0..<n].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
    }

    // MARK: which process is ours

    /// True only for a relayctl (this very binary, or the one it replaced on upgrade) that is the
    /// daemon of this directory: it holds the directory's lock, or (a daemon started before the
    /// lock existed) its command line is `relayctl run ... --runtime-dir PATH`. Only such a
    /// process is ever signalled: a pid file, or a socket's answer, can name any process.
    public static func isDaemon(_ pid: Int32, directoryFD: Int32, path: String) -> Bool {
        guard pid > 1, let exe = executable("/proc/\(pid)/exe"), let own = executable("/proc/self/exe"),
              exe == own || (exe.hasSuffix("/relayctl") && own.hasSuffix("/relayctl")) else { return false }
        var lockInfo = stat()
        if fstatat(directoryFD, lockName, &lockInfo, AT_SYMLINK_NOFOLLOW) == 0, lockHolders(of: lockInfo).contains(pid) {
            return true
        }
        guard let command = fileContents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let words = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.dropFirst().first == "run"
            && zip(words, words.dropFirst()).contains { $0 == "--runtime-dir" && $1 == path }
    }

    /// The link's target, without the " (deleted)" the kernel adds once the binary was replaced.
    private static func executable(_ link: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = buffer.withUnsafeMutableBytes { readlink(link, $0.baseAddress!, $0.count - 1) }
        guard length > 0 else { return nil }
        let target = String(decoding: buffer[0..<length], as: UTF8.self)
        return target.hasSuffix(" (deleted)") ? String(target.dropLast(10)) : target
    }

    /// The pids /proc/locks shows holding a flock on this file, matched by device and inode:
    /// `1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF` (major and minor in hex).
    private static func lockHolders(of file: stat) -> [Int32] {
        let dev = UInt64(file.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        let identity = String(major, radix: 16).leftPadded(2) + ":" + String(minor, radix: 16).leftPadded(2)
            + ":" + String(file.st_ino)
        guard let locks = fileContents(atPath: "/proc/locks") else { return [] }
        return String(decoding: locks, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == identity else { return nil }
            return Int32(fields[4])
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
