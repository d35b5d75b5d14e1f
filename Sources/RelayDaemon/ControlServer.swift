import ControlProtocol
import Libc
import UserspaceRelay

/// The control socket's clients, served by the forwarding loop without ever waiting for one:
/// every accepted socket is non-blocking and sits in the loop's poll set with its own buffers,
/// so a client that says nothing, or reads its answer a byte at a time, costs the loop a poll
/// entry and nothing else. Each client has a deadline, and there are at most `capacity`: when a
/// new one arrives at a full house, the oldest goes, so idle connections cannot lock people out.
///
/// What the daemon holds for clients is bounded too: an answer built in slices (`sessions`) gets
/// its next slice only while the client's unread output is under `pendingLimit` and everyone's
/// under `totalPendingLimit`, so a client that never reads costs at most one cap, not the whole
/// document. One that reads nothing of its answer for `stallSeconds` is dropped with a log line.
struct ControlServer: ~Copyable {
    static let capacity = 32
    /// Long enough for `relayctl` on a busy router to read a full sessions report.
    static let deadlineSeconds: Int64 = 10
    /// Unread output one client may hold before its answer waits for it to read.
    static let pendingLimit = 256 * 1024
    /// Unread output all clients together may hold before sliced answers wait...
    static let totalPendingLimit = 4 * 1024 * 1024
    /// ...except that a client that has read all it was given may always have this much more,
    /// so clients that read keep going while clients that do not hold the total.
    static let drainedRoom = 16 * 1024
    /// A client with output waiting that takes none of it for this long is dropped.
    static let stallSeconds: Int64 = 3
    /// A request is one short line; anything longer is not one of ours.
    static let requestLimit = 256

    private struct Client {
        var fd: Int32 = -1
        var peer: ControlPeer?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        /// Bytes of its answer the client has taken, over the whole answer.
        var sent = 0
        /// When the client last took any of its output (or its answer began).
        var progressed: Int64 = 0
        var deadline: Int64 = 0
        var answering = false
        /// The whole answer is in `output` (false while a sliced answer is still being built).
        var complete = true
        /// Order of arrival: deadlines are whole seconds, and clients of one second tie.
        var serial: UInt64 = 0
    }

    let listenFD: Int32
    private let access: ControlAccess
    private var clients: [Client]
    private(set) var connected = 0
    private var arrivals: UInt64 = 0
    /// While `now` is before this, the loop does not poll the listening socket (see `acceptAll`).
    private(set) var acceptResumes: Int64 = 0
    /// Some client came, went or turned to writing: the poll entries need filling again.
    private var changed = true

    init(listenFD: Int32, access: ControlAccess) {
        self.listenFD = listenFD
        self.access = access
        clients = Array(repeating: Client(), count: Self.capacity)
    }

    deinit {
        for client in clients where client.fd >= 0 { close(client.fd) }
        close(listenFD)
    }

    /// The poll entries of the clients, one per slot (fd -1 when free, which poll skips):
    /// waiting for a request, or for room to write the answer.
    mutating func fill(_ fds: inout [pollfd], from base: Int, always: Bool = false) {
        guard changed || always else { return }
        changed = false
        for slot in 0..<Self.capacity {
            let client = clients[slot]
            fds[base + slot] = pollfd(fd: client.fd, events: Int16(client.answering ? POLLOUT : POLLIN), revents: 0)
        }
        pollSlots = (clients.lastIndex { $0.fd >= 0 } ?? -1) + 1
    }

    /// How many client entries the loop hands to poll: up to the last one in use, so that with
    /// no control client the packet sockets' poll costs what it did before there were any.
    private(set) var pollSlots = 0

    /// Takes every waiting connection. Even a peer that may do nothing is heard out first, and
    /// then told why: closing on a request not yet read would reset the connection, and the
    /// client would see an error instead of the reason.
    mutating func acceptAll(now: Int64) {
        while true {
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else {
                let code = errno
                // Out of descriptors: the connection stays queued and the socket readable, so
                // poll would wake the loop at once, forever. The oldest client makes room; with
                // none to close, the listening socket rests until the next second.
                if code == EMFILE || code == ENFILE {
                    if let oldest = oldestSlot() {
                        drop(oldest)
                        continue
                    }
                    acceptResumes = now + 1
                }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let slot = clients.firstIndex { $0.fd < 0 } ?? oldestSlot() ?? 0
            if clients[slot].fd >= 0 { drop(slot) }
            arrivals += 1
            clients[slot] = Client(fd: fd, peer: ControlPeer(fd), progressed: now, deadline: now + Self.deadlineSeconds,
                                   serial: arrivals)
            connected += 1
            changed = true
            if clients[slot].peer == nil { drop(slot) }
        }
    }

    /// The connected client that arrived first; nil when none is connected.
    private func oldestSlot() -> Int? {
        clients.indices.filter { clients[$0].fd >= 0 }.min { clients[$0].serial < clients[$1].serial }
    }

    /// Reads or writes what the client in `slot` is ready for. Returns a request the daemon
    /// must answer (with `answer`), once a whole line from a peer allowed to ask it is in.
    mutating func service(_ slot: Int) -> ControlRequest? {
        guard clients[slot].fd >= 0 else { return nil }
        if clients[slot].answering {
            flush(slot)
            return nil
        }
        var chunk = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while true {
            let n = withUnsafeMutableBytes(of: &chunk) { read(clients[slot].fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return nil }
            if n <= 0 {
                // Hung up (or failed) before a whole line: a last line without newline still counts.
                if n < 0 || clients[slot].input.isEmpty {
                    drop(slot)
                    return nil
                }
                break
            }
            withUnsafeBytes(of: &chunk) { clients[slot].input += $0.prefix(n) }
            if clients[slot].input.contains(UInt8(ascii: "\n")) || clients[slot].input.count >= Self.requestLimit { break }
        }
        let line = String(decoding: clients[slot].input.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
            .prefix(Self.requestLimit), as: UTF8.self)
        if let peer = clients[slot].peer, access.level(of: peer) == .none {
            answer(slot, refusal: access.refusal(nil, from: peer)!)
            return nil
        }
        guard let request = ControlRequest(line: line) else {
            answer(slot, refusal: "unknown request")
            return nil
        }
        if let peer = clients[slot].peer, let refusal = access.refusal(request, from: peer) {
            answer(slot, refusal: refusal)
            return nil
        }
        clients[slot].answering = true
        return request
    }

    /// Queues the answer and writes what the socket takes now; the rest goes as it drains.
    mutating func answer(_ slot: Int, _ bytes: [UInt8]) {
        guard clients[slot].fd >= 0 else { return }
        clients[slot].answering = true
        changed = true
        clients[slot].output = bytes
        clients[slot].written = 0
        clients[slot].progressed = MonotonicClock.seconds()
        flush(slot)
    }

    /// Starts an answer that is built in slices: the client stays connected after `bytes` are
    /// written, until `append` brings the last slice.
    mutating func beginAnswer(_ slot: Int, _ bytes: [UInt8]) -> UInt64 {
        clients[slot].complete = false
        answer(slot, bytes)
        return clients[slot].serial
    }

    /// How many more bytes of its sliced answer the client that arrived as `serial` may be given
    /// now (0: it must read first, or others must), or nil when that client is gone (hung up,
    /// or dropped). A slice may overshoot this by one session; the caps allow for that.
    func room(_ slot: Int, serial: UInt64, pendingTotal: Int) -> Int? {
        let client = clients[slot]
        guard client.fd >= 0, client.serial == serial, !client.complete else { return nil }
        let pending = client.output.count - client.written
        let own = Self.pendingLimit - pending
        let shared = Self.totalPendingLimit - pendingTotal
        return max(0, pending == 0 ? max(min(own, shared), Self.drainedRoom) : min(own, shared))
    }

    /// Unread output over all clients.
    var pendingTotal: Int {
        clients.reduce(0) { $0 + ($1.fd >= 0 ? $1.output.count - $1.written : 0) }
    }

    /// The next slice of the answer begun for the client that arrived as `serial`; false when
    /// that client is gone (hung up, or dropped at its deadline).
    mutating func append(_ slot: Int, serial: UInt64, _ bytes: [UInt8], complete: Bool) -> Bool {
        guard clients[slot].fd >= 0, clients[slot].serial == serial, !clients[slot].complete else { return false }
        // What the client took goes, so the buffer holds only what it has yet to read.
        if clients[slot].written > 0 {
            clients[slot].output.removeFirst(clients[slot].written)
            clients[slot].written = 0
        }
        clients[slot].output += bytes
        clients[slot].complete = complete
        flush(slot)
        return true
    }

    private mutating func answer(_ slot: Int, refusal: String) {
        answer(slot, ControlJSON.encode(ControlErrorReply(error: refusal)) + [UInt8(ascii: "\n")])
    }

    private mutating func flush(_ slot: Int) {
        while clients[slot].written < clients[slot].output.count {
            let fd = clients[slot].fd, offset = clients[slot].written
            let n = clients[slot].output.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            guard n > 0 else { break }
            clients[slot].written += n
            clients[slot].sent += n
            clients[slot].progressed = MonotonicClock.seconds()
        }
        if clients[slot].complete || clients[slot].written < clients[slot].output.count { drop(slot) }
    }

    /// Closes every client past its deadline (silent, or too slow to read its answer) and every
    /// one that took none of its waiting output for `stallSeconds`. Returns a line to log for
    /// each client dropped in the middle of an answer, naming it as the kernel does.
    mutating func expire(now: Int64) -> [String] {
        guard connected > 0 else { return [] }
        var lines: [String] = []
        for slot in 0..<Self.capacity where clients[slot].fd >= 0 {
            let client = clients[slot]
            let pending = client.output.count - client.written
            let stalled = pending > 0 && now - client.progressed >= Self.stallSeconds
            guard stalled || client.deadline <= now else { continue }
            if client.answering {
                let who = client.peer.map { "uid \($0.uid) pid \($0.pid)" } ?? "unknown peer"
                let why = stalled ? "read nothing for \(now - client.progressed) s"
                    : "answer unfinished at the \(Self.deadlineSeconds) s deadline"
                lines.append("control client \(who) dropped: \(why) (\(client.sent) bytes sent, \(pending) waiting)")
            }
            drop(slot)
        }
        return lines
    }

    private mutating func drop(_ slot: Int) {
        guard clients[slot].fd >= 0 else { return }
        close(clients[slot].fd)
        clients[slot] = Client()
        connected -= 1
        changed = true
    }
}
