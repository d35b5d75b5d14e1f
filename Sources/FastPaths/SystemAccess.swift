import Foundation

/// Files and commands under a root directory ("/" on a router, a fake tree in tests).
public struct SystemAccess: Sendable {
    public let root: String

    public init(root: String = "/") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public func path(_ absolute: String) -> String { root + absolute }

    public func exists(_ absolute: String) -> Bool { FileManager.default.fileExists(atPath: path(absolute)) }

    public func isExecutable(_ absolute: String) -> Bool { FileManager.default.isExecutableFile(atPath: path(absolute)) }

    public func read(_ absolute: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(absolute)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `text` in one write(2) call of exactly its bytes: kernel knobs such as HNAT's
    /// hook_toggle take exactly one byte and misbehave on more.
    public func writeKnob(_ absolute: String, _ text: String) throws(FastPathError) {
        let fd = open(path(absolute), O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { throw FastPathError("cannot open \(absolute): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw FastPathError("cannot write \(absolute): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs a program under the root with arguments; its exit status and standard output.
    public func run(_ absolute: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(absolute))
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PPPOE_RELAY_ROOT"] = root.isEmpty ? "/" : root
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a program and fails with a line naming it unless it exits 0.
    public func runChecked(_ absolute: String, _ arguments: [String]) throws(FastPathError) {
        let result = run(absolute, arguments)
        guard result.status == 0 else {
            throw FastPathError("\(absolute) \(arguments.joined(separator: " ")) failed (exit \(result.status))")
        }
    }
}
