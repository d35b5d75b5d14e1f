import CShim
import Libc

/// The check's two AF_PACKET sockets on one interface, discovery (0x8863) and session
/// (0x8864), opened by CShim as the relay opens its own: they never see their own frames, and
/// other sockets on the interface (a relay's, pppd's) go on seeing theirs.
struct PacketLink: ~Copyable {
    let discovery: Int32
    let session: Int32
    private var buffer = [UInt8](repeating: 0, count: 2048)

    struct Failure: Error {
        let operation: String
        let errno: Int32
        var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    init(interfaceIndex: Int32) throws(Failure) {
        let discovery = pr_packet_socket_open(interfaceIndex, 0x8863)
        guard discovery >= 0 else { throw Failure(operation: "cannot open a packet socket for discovery", errno: -discovery) }
        let session = pr_packet_socket_open(interfaceIndex, 0x8864)
        guard session >= 0 else {
            close(discovery)
            throw Failure(operation: "cannot open a packet socket for sessions", errno: -session)
        }
        self.discovery = discovery
        self.session = session
    }

    deinit {
        close(discovery)
        close(session)
    }

    func send(_ frame: [UInt8], on fd: Int32) throws(Failure) {
        let sent = frame.withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count, 0) }
        guard sent == frame.count else { throw Failure(operation: "cannot send a frame", errno: sent < 0 ? errno : EMSGSIZE) }
    }

    enum Arrival {
        case discovery([UInt8])
        case session([UInt8])
        case timeout
    }

    /// The next frame on either socket, or `.timeout` once `seconds` have passed without one.
    mutating func receive(within seconds: Double) throws(Failure) -> Arrival {
        for (fd, isDiscovery) in [(discovery, true), (session, false)] {
            if let frame = read(fd) { return isDiscovery ? .discovery(frame) : .session(frame) }
        }
        var fds = [pollfd(fd: discovery, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: session, events: Int16(POLLIN), revents: 0)]
        let milliseconds = Int32(max(0, min(seconds, 60)) * 1000)
        let ready = poll(&fds, 2, milliseconds)
        if ready < 0 && errno != EINTR { throw Failure(operation: "poll", errno: errno) }
        for (fd, isDiscovery) in [(discovery, true), (session, false)] {
            if let frame = read(fd) { return isDiscovery ? .discovery(frame) : .session(frame) }
        }
        return .timeout
    }

    private mutating func read(_ fd: Int32) -> [UInt8]? {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0 {
            // ENETDOWN and the like are reported once on the socket; the deadline handles the rest.
            return nil
        }
        return Array(buffer.prefix(count))
    }
}

private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
