#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `check` gets the account's password: a file only its owner can read, or the
/// environment ($RELAYCTL_PASSWORD). Never the command line, which every user can read in
/// /proc. The bytes are the caller's to zero (`PasswordSource.erase`) once the check is done.
public enum PasswordSource {
    public static let environmentVariable = "RELAYCTL_PASSWORD"

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
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw Failure(description: "cannot read password file \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Failure(description: "password file \(file) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(description: "password file \(file) is open to group or others (mode "
                          + String(info.st_mode & 0o777, radix: 8) + "): chmod 600 it")
        }
        var bytes: [UInt8] = []
        // Room for the largest file read, so the array never moves and leaves a copy behind.
        bytes.reserveCapacity(4096 + 512)
        var chunk = [UInt8](repeating: 0, count: 256)
        defer { erase(&chunk) }
        while bytes.count <= 4096 {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Failure(description: "cannot read password file \(file): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk.prefix(n)
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
