import CShim
import Libc
import PlainText

/// Files and commands under a root directory ("/" on a router, a fake tree in tests).
public struct SystemAccess: Sendable {
    public let root: String
    /// The devices the relay runs on: flowtables are checked for these.
    public let relayDevices: [String]
    public let flowtables: any FlowtableControl

    public init(root: String = "/", relayDevices: [String] = [], flowtables: any FlowtableControl = KernelFlowtables()) {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.relayDevices = relayDevices
        self.flowtables = flowtables
    }

    /// The same access, for a relay on `devices`.
    public func relaying(on devices: [String]) -> SystemAccess {
        SystemAccess(root: root, relayDevices: devices, flowtables: flowtables)
    }

    public func path(_ absolute: String) -> String { root + absolute }

    public func exists(_ absolute: String) -> Bool { fileExists(atPath: path(absolute)) }

    public func isExecutable(_ absolute: String) -> Bool { isExecutableFile(atPath: path(absolute)) }

    public func read(_ absolute: String) -> String? {
        guard let bytes = fileContents(atPath: path(absolute)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` in one write(2) call of exactly its bytes: kernel knobs such as HNAT's
    /// hook_toggle take exactly one byte and misbehave on more.
    public func writeKnob(_ absolute: String, _ text: String) throws(FastPathError) {
        let fd = open(path(absolute), O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw FastPathError("cannot open \(absolute): \(String(cString: strerror(code)))", errno: code)
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            let code = errno
            throw FastPathError("cannot write \(absolute): \(String(cString: strerror(code)))", errno: code)
        }
        // A short write sets no errno: say what happened instead of a stale one.
        guard written == bytes.count else {
            throw FastPathError("cannot write \(absolute): the kernel took \(written) of \(bytes.count) bytes")
        }
    }

    /// Runs a program under the root with arguments; its exit status and standard output.
    ///
    /// Spawned with every other descriptor closed and its output in a temporary file: an init
    /// script that starts a daemon must not leave anything of ours open in it, or we would wait
    /// for the daemon's end.
    public func run(_ absolute: String, _ arguments: [String]) -> (status: Int32, output: String) {
        var template = Array("/tmp/relayctl-run-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return (127, "") }
        let capture = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(capture)
        defer { close(fd) }
        let rootEntry = "PPPOE_RELAY_ROOT=" + (root.isEmpty ? "/" : root)
        let environment = environmentEntries().filter { !$0.hasPrefix("PPPOE_RELAY_ROOT=") } + [rootEntry]
        let program = path(absolute)
        var argv = ([program] + arguments).map { strdup($0) } + [nil]
        var envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let pid = pr_spawn_captured(program, &argv, &envp, fd)
        guard pid > 0 else { return (127, "") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            guard n > 0 else { break }
            output += chunk[0..<n]
            offset += off_t(n)
        }
        return (exit, String(decoding: output, as: UTF8.self))
    }

    /// Runs a program and fails with a line naming it unless it exits 0.
    public func runChecked(_ absolute: String, _ arguments: [String]) throws(FastPathError) {
        let result = run(absolute, arguments)
        guard result.status == 0 else {
            throw FastPathError("\(absolute) \(arguments.joined(separator: " ")) failed (exit \(result.status))")
        }
    }
}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
