#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import UserspaceRelay

/// The requests `relayctl` sends the running daemon over `<runtime-dir>/control.sock`:
/// one line in, one JSON document back, connection closed.
public enum ControlRequest: Sendable, Equatable {
    case status
    case sessions
    case mssShow
    case mssSet(MSSSetting)
    /// Look the devices up again and reinstall what the kernel lost (the WAN came up).
    case reload
    /// End every session with PADT (the WAN went down).
    case endSessions

    public var line: String {
        switch self {
        case .status: "status"
        case .sessions: "sessions"
        case .reload: "reload"
        case .endSessions: "end-sessions"
        case .mssShow: "mss show"
        case let .mssSet(setting): "mss set \(setting)"
        }
    }

    public init?(line: String) {
        let words = line.split(separator: " ").map(String.init)
        switch words {
        case ["status"]: self = .status
        case ["sessions"]: self = .sessions
        case ["reload"]: self = .reload
        case ["end-sessions"]: self = .endSessions
        case ["mss", "show"]: self = .mssShow
        case let words where words.count == 3 && words[0] == "mss" && words[1] == "set":
            guard let setting = MSSSetting(words[2]) else { return nil }
            self = .mssSet(setting)
        default: return nil
        }
    }
}

/// Where a daemon with a given runtime directory keeps its files.
public struct RuntimePaths: Sendable {
    public let directory: String
    public var controlSocket: String { directory + "/control.sock" }
    public var pidFile: String { directory + "/relayd.pid" }
    /// Where a daemon started by `relayctl enable` writes its stdout and stderr.
    public var logFile: String { directory + "/relayd.log" }

    public init(directory: String) { self.directory = directory }
}

/// The client side, used by `relayctl status` and `relayctl sessions`.
public enum ControlClient {
    public static func query<Reply: Decodable>(_ request: ControlRequest, runtimeDirectory: String,
                                               as type: Reply.Type) throws(DaemonError) -> Reply {
        let data = try raw(request, runtimeDirectory: runtimeDirectory)
        do { return try JSONDecoder().decode(Reply.self, from: Data(data)) } catch {
            throw .failure("the relay sent an answer that is not a \(request.line) report")
        }
    }

    public static func raw(_ request: ControlRequest, runtimeDirectory: String) throws(DaemonError) -> [UInt8] {
        let paths = RuntimePaths(directory: runtimeDirectory)
        let fd = try UnixSocket.connect(to: paths.controlSocket, timeoutSeconds: 5)
        defer { close(fd) }
        // Never SIGPIPE: a relay that closed early may still have left its answer (a refusal) to read.
        let sent = UnixSocket.sendAll(fd, Array((request.line + "\n").utf8))
        guard let reply = UnixSocket.read(fd, limit: 64 << 20, stopAtNewline: false), !reply.isEmpty else {
            throw .failure("the relay at \(paths.controlSocket) did not answer")
        }
        // A refusal (not allowed, not understood) is an error here too, also for --json.
        if reply.first == UInt8(ascii: "{"), let refusal = try? JSONDecoder().decode(ControlErrorReply.self, from: Data(reply)) {
            throw .failure("the relay refused \"\(request.line)\": \(String(refusal.error.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))")
        }
        guard sent else { throw .failure("the relay at \(paths.controlSocket) did not answer") }
        return reply
    }
}

/// JSON as relayctl writes it, on the control socket and for `--json`: stable key order, so
/// people and diffs can read it.
public enum ControlJSON {
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
