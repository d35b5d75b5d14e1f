import Libc

// Whole-file reads and writes, directories and tests of existence, on the C library: what the
// relay's operations (configuration, fast-path state) need of a file system, in both builds.

/// The largest file `fileContents` reads: everything the relay reads whole (its configuration,
/// state and pid files, a short /proc entry) is far smaller; a bigger one is not one of ours.
public let fileContentsLimit = 16 << 20

/// The whole file at `path`, or nil when it cannot be read (absent, unreadable, a directory, or
/// larger than `fileContentsLimit`).
public func fileContents(atPath path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { return contents }
        guard contents.count + count <= fileContentsLimit else { return nil }
        contents.append(contentsOf: chunk[0..<count])
    }
}

/// Whether anything (a file, directory, device; a link that resolves) is at `path`.
public func fileExists(atPath path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0
}

/// Whether `path` is a regular file this process may execute.
public func isExecutableFile(atPath path: String) -> Bool {
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return false }
    return access(path, X_OK) == 0
}

/// The directory part of `path` ("/etc/config" of "/etc/config/pppoe-relay", "." of a bare name).
public func parentDirectory(of path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
}

/// Makes `path` and any missing parents (mode 0755 less the umask), like `mkdir -p`; a
/// directory already there is fine, anything else in the way is an error.
public func createDirectories(_ path: String) throws(FileError) {
    if mkdir(path, 0o755) == 0 { return }
    let code = errno
    switch code {
    case EEXIST:
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else { throw FileError(errno: ENOTDIR) }
    case ENOENT:
        let parent = parentDirectory(of: path)
        guard parent != path else { throw FileError(errno: code) }
        try createDirectories(parent)
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .last() }
    default:
        throw FileError(errno: code)
    }
}

/// Replaces the file at `path` with `bytes` so that a reader sees the old file or the new one,
/// never a part: the bytes go to a new file beside it (mode 0644 less the umask), then a rename
/// puts it in place. A link at `path` is replaced, not followed.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(FileError) {
    var template = Array((path + ".XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw .last() }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    do throws(FileError) {
        // mkstemp makes 0600; a file written whole is as readable as one made by open(O_CREAT, 0666).
        let mask = umask(0)
        umask(mask)
        guard fchmod(fd, 0o666 & ~mask) == 0 else { throw .last() }
        try writeAll(fd, bytes)
        guard close(fd) == 0 else { throw .last() }
        guard rename(temporary, path) == 0 else { throw .last() }
    } catch {
        close(fd)
        unlink(temporary)
        throw error
    }
}

/// Replaces `name` in the directory open as `directoryFD` with `bytes`, by way of `name.new`:
/// created afresh (whatever was there, a link planted to make root write elsewhere included,
/// is removed first; nothing is opened through a link), written whole, closed, then renamed
/// into place. A reader sees the old file or the new one, never an empty or partial one: a
/// write that fails (a full file system) leaves the old file as it was and removes `name.new`.
public func replaceFile(in directoryFD: Int32, named name: String, _ bytes: [UInt8], mode: mode_t) throws(FileError) {
    let temporary = name + ".new"
    _ = unlinkat(directoryFD, temporary, 0)
    let fd = openat(directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
    guard fd >= 0 else { throw .last() }
    do throws(FileError) {
        do throws(FileError) { try writeAll(fd, bytes) } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw .last() }
        guard renameat(directoryFD, temporary, directoryFD, name) == 0 else { throw .last() }
    } catch {
        _ = unlinkat(directoryFD, temporary, 0)
        throw error
    }
}

/// Writes every byte of `bytes` to `fd`, retrying short writes and interruptions.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(FileError) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            throw .last()
        }
        offset += written
    }
}

/// Removes the file (or empty directory) at `path`; nothing there is not an error.
public func removeFile(atPath path: String) throws(FileError) {
    if unlink(path) == 0 || errno == ENOENT { return }
    if errno == EISDIR, rmdir(path) == 0 { return }
    throw .last()
}
