import CMnl
import Libc

/// An rtnetlink socket subscribed to link changes (RTNLGRP_LINK), so the daemon hears at once
/// when a device it relays on disappears or comes back, and can heal without a restart.
public struct LinkEvents: ~Copyable {
    private let socket: OpaquePointer
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 1 << 16

    public init() throws(NetlinkError) {
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else { throw NetlinkError("open rtnetlink socket", errno: errno) }
        guard mnl_socket_bind(socket, UInt32(RTMGRP_LINK), pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let code = errno
            mnl_socket_close(socket)
            throw NetlinkError("subscribe to link events", errno: code)
        }
        let fd = mnl_socket_get_fd(socket)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.socket = socket
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    deinit {
        buffer.deallocate()
        mnl_socket_close(socket)
    }

    /// For the daemon's poll set.
    public var descriptor: Int32 { mnl_socket_get_fd(socket) }

    /// Reads every pending message; true when any announced a new, changed or deleted link
    /// (or when messages were lost, which may have hidden one).
    public func drain() -> Bool {
        var changed = false
        while true {
            let received = mnl_socket_recvfrom(socket, buffer, Self.bufferSize)
            if received < 0 { return changed || errno == ENOBUFS }
            var remaining = Int32(received)
            var header: UnsafePointer<nlmsghdr>? = UnsafePointer(buffer.assumingMemoryBound(to: nlmsghdr.self))
            while let current = header, mnl_nlmsg_ok(current, remaining) {
                let type = Int32(current.pointee.nlmsg_type)
                if type == RTM_NEWLINK || type == RTM_DELLINK { changed = true }
                header = UnsafePointer(mnl_nlmsg_next(current, &remaining))
            }
        }
    }
}
