import ArgumentParsing
import ControlProtocol
import CShim
import Libc

/// `relayctl`: runs the PPPoE relay and talks to it. Exit codes mean something to scripts:
/// 0 done, 1 failed, 2 usage (bad flag, missing interface); errors are one line on stderr.
@main
enum Relayctl {
    static let command = CommandDescription(
        name: "relayctl",
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
        subcommands: [Run.command, Modem.command, Enable.command, Disable.command, Restart.command, Reload.command,
                      Status.command, Sessions.command, MSS.command, Metrics.command,
                      Scan.command, Check.command, Monitor.command,
                      FastPath.command,
                      Hotplug.command, Daemon.command])

    static func main() {
        var parser = CommandLineParser(root: command, arguments: programArguments())
        do throws(CommandLineExit) {
            switch try parser.selectCommand() {
            case ["run"]: try execute(Run.self, &parser)
            case ["modem"]: try execute(Modem.self, &parser)
            case ["enable"]: try execute(Enable.self, &parser)
            case ["disable"]: try execute(Disable.self, &parser)
            case ["restart"]: try execute(Restart.self, &parser)
            case ["reload"]: try execute(Reload.self, &parser)
            case ["status"]: try execute(Status.self, &parser)
            case ["sessions"]: try execute(Sessions.self, &parser)
            case ["mss", "show"]: try execute(MSS.Show.self, &parser)
            case ["mss", "set"]: try execute(MSS.Set.self, &parser)
            case ["metrics"]: try execute(Metrics.self, &parser)
            case ["scan"]: try execute(Scan.self, &parser)
            case ["check"]: try execute(Check.self, &parser)
            case ["monitor"]: try execute(Monitor.self, &parser)
            case ["fastpath", "status"]: try execute(FastPath.Status.self, &parser)
            case ["fastpath", "off"]: try execute(FastPath.Off.self, &parser)
            case ["fastpath", "restore"]: try execute(FastPath.Restore.self, &parser)
            case ["hotplug"]: try execute(Hotplug.self, &parser)
            case ["daemon"]: try execute(Daemon.self, &parser)
            case let group:
                // `relayctl`, `relayctl mss`, `relayctl fastpath`: nothing to do is a usage error.
                try parser.finishGroup()
                missingSubcommand(group)
            }
        } catch {
            switch error {
            case let .help(path):
                FileOutput.standardOutput(HelpText.render(command, path: path, screenWidth: helpWidth))
                systemExit(0)
            case let .version(version):
                FileOutput.standardOutput(version)
                systemExit(0)
            case .usage:
                fail(usageMessage(error), code: 2)
            }
        }
    }

    /// Parses the chosen command and runs it: a failure is one line, exit 2 when the caller
    /// asked for something impossible, else 1.
    private static func execute<C: RelayctlCommand>(_ type: C.Type,
                                                    _ parser: inout CommandLineParser) throws(CommandLineExit) {
        var command = try parser.parse(type)
        do throws(DaemonError) {
            try command.run()
        } catch {
            fail(error.description, code: { if case .usage = error { 2 } else { 1 } }())
        }
    }

    /// A usage error as one line: a message of several lines is joined with "; ".
    static func usageMessage(_ exit: CommandLineExit) -> String {
        guard case let .usage(error) = exit else { return "" }
        return error.message.split(whereSeparator: { $0.isNewline }).joined(separator: "; ")
    }

    /// The arguments after the program's name.
    static func programArguments() -> [String] {
        Array(ProgramArguments.all.dropFirst())
    }

    /// argv[0], where there is one.
    static var programName: String {
        ProgramArguments.all.first ?? "relayctl"
    }

    /// The width help is wrapped to: $COLUMNS, else the terminal's on standard output, else 80.
    static var helpWidth: Int {
        if let columns = getenv("COLUMNS"), let width = Int(String(cString: columns)) { return width }
        var rows: UInt16 = 0, columns: UInt16 = 0
        if pr_terminal_size(1, &rows, &columns) == 0, columns > 0 { return Int(columns) }
        return 80
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileOutput.standardError("relayctl: \(message)")
        systemExit(code)
    }
}

/// A relayctl command: its description and typed values (`Command`), and what it does.
protocol RelayctlCommand: Command {
    mutating func run() throws(DaemonError)
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
