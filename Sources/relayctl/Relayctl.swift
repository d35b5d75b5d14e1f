import ArgumentParser
import ControlProtocol
import CShim
import Libc

/// `relayctl`: runs the PPPoE relay and talks to it. Exit codes mean something to scripts:
/// 0 done, 1 failed, 2 usage (bad flag, missing interface); errors are one line on stderr.
@main
struct Relayctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relayctl",
        abstract: "Relay PPPoE between LAN interfaces and a WAN interface, and control the relay.",
        discussion: """
            Sessions end (PADT to both sides) on: disable, stop (SIGTERM or SIGINT: /etc/init.d/pppoe-relay \
            stop, systemctl stop), the idle timeout, their device going away. Sessions are kept, adopted by \
            the next daemon from the journal in the runtime directory, on: restart, a crash or SIGKILL \
            followed by a respawn (procd, systemd Restart=on-failure), enable or an OpenWrt reload with a \
            changed configuration (sessions on LANs no longer configured end with PADT), an upgrade followed \
            by restart.
            """,
        version: String(cString: pr_build_version()),
        subcommands: [Run.self, Modem.self, Enable.self, Disable.self, Restart.self, Reload.self, Status.self, Sessions.self, MSS.self, Metrics.self,
                      Scan.self, Check.self, Monitor.self,
                      FastPath.self,
                      Hotplug.self, Daemon.self])

    static func main() {
        do {
            var command = try parseAsRoot(programArguments())
            try command.run()
        } catch let error as DaemonError {
            fail(error.description, code: { if case .usage = error { 2 } else { 1 } }())
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                systemExit(0)
            }
            let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
            fail(message, code: code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// The arguments after the program's name, from the C library's argv where CShim caught
    /// it (see `pr_program_arguments`: no /proc needed), else from the Swift runtime.
    static func programArguments() -> [String] {
        var count: Int32 = 0
        guard let vector = pr_program_arguments(&count), count > 0 else {
            return Array(CommandLine.arguments.dropFirst())
        }
        return (1..<Int(count)).map { vector[$0].map { String(cString: $0) } ?? "" }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileOutput.standardError("relayctl: \(message)")
        systemExit(code)
    }
}

/// Lines written straight to fd 1 and 2, unbuffered: a caller reading a pipe (an SSH
/// command, a test) sees each line the moment it is written.
enum FileOutput {
    static func standardOutput(_ line: String) { write(1, line + "\n") }
    static func standardError(_ line: String) { write(2, line + "\n") }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}

// The C library's functions of the same names as methods in scope above, reached without
// naming the C library (Glibc or Musl).
private func systemExit(_ code: Int32) -> Never { exit(code) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
