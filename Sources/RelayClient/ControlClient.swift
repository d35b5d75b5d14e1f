import ControlProtocol
import JSON
import Libc

/// The client side, used by `relayctl status` and `relayctl sessions`.
public enum ControlClient {
    public static func query<Reply: JSONDecodable>(_ request: ControlRequest, runtimeDirectory: String,
                                                   as type: Reply.Type) throws(DaemonError) -> Reply {
        let data = try raw(request, runtimeDirectory: runtimeDirectory)
        do { return try JSON.decode(Reply.self, from: data) } catch {
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
        if reply.first == UInt8(ascii: "{"), let refusal = try? JSON.decode(ControlErrorReply.self, from: reply) {
            throw .failure("the relay refused \"\(request.line)\": \(String(refusal.error.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))")
        }
        guard sent else { throw .failure("the relay at \(paths.controlSocket) did not answer") }
        return reply
    }
}
