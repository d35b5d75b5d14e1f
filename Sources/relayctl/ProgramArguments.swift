import CShim
import Libc

/// The command line relayctl was started with, read without the Swift runtime's `CommandLine`
/// (which Embedded Swift has not): argv as the C library handed it to CShim
/// (`pr_program_arguments`: glibc does, so no /proc is needed, as in an empty chroot), else
/// /proc/self/cmdline (musl hands CShim nothing).
enum ProgramArguments {
    /// argv, the program's name first.
    static var all: [String] {
        var count: Int32 = 0
        if let vector = pr_program_arguments(&count), count > 0 {
            return (0..<Int(count)).map { vector[$0].map { String(cString: $0) } ?? "" }
        }
        return fromProc()
    }

    /// /proc/self/cmdline: the words of argv, each ended by a NUL.
    private static func fromProc() -> [String] {
        let fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        if bytes.last == 0 { bytes.removeLast() }
        guard !bytes.isEmpty else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}
