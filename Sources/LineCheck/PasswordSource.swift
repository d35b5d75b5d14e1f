import Libc

/// Where `check` gets the account's password: a file only its owner can read, or the
/// environment ($RELAYCTL_PASSWORD). Never the command line, which every user can read in
/// /proc. The bytes are the caller's to zero (`PasswordSource.erase`) once the check is done.
public enum PasswordSource {
    public static let environmentVariable = "RELAYCTL_PASSWORD"
    /// The longest password file read; a longer one is refused rather than cut short.
    public static let maximumFileSize = 4096

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The password from `file` (one trailing newline, or CR LF, dropped), else from the environment.
    public static func read(file: String?) throws(Failure) -> [UInt8] {
        guard let file else {
            guard let value = getenv(environmentVariable) else {
                throw Failure(description: "no password: give --password-file FILE or set \(environmentVariable)")
            }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self),
                                             count: strlen(value)))
        }
        // O_NONBLOCK so a FIFO put in the file's place cannot hang the check before fstat refuses
        // it; O_NOFOLLOW so a symbolic link is refused rather than followed.
        let fd = open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ELOOP { throw Failure(description: "password file \(file) is a symbolic link: give the file itself") }
            throw Failure(description: "cannot read password file \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw Failure(description: "password file \(file) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(description: "password file \(file) is open to group or others (mode "
                          + String(info.st_mode & 0o777, radix: 8) + "): chmod 600 it")
        }
        let tooLong = Failure(description: "password file \(file) is longer than \(maximumFileSize) bytes")
        guard info.st_size <= maximumFileSize else { throw tooLong }
        var bytes: [UInt8] = []
        // Room for the largest file accepted and one chunk more, so the array never moves and
        // leaves a copy behind.
        bytes.reserveCapacity(maximumFileSize + 512)
        var chunk = [UInt8](repeating: 0, count: 256)
        defer { erase(&chunk) }
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                erase(&bytes)
                throw Failure(description: "cannot read password file \(file): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += chunk.prefix(n)
            // The file grew after fstat: refused all the same, never cut short.
            guard bytes.count <= maximumFileSize else {
                erase(&bytes)
                throw tooLong
            }
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }

    /// Overwrites the bytes in place (an array not shared with another, so no copy is made first).
    public static func erase(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = 0 }
        }
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
