import CMnl
import Libc

/// Opens and binds a libmnl socket of one netlink family, closing it again if the bind fails.
func openBoundMnlSocket(_ family: Int32, _ what: String) throws(NetlinkError) -> OpaquePointer {
    guard let socket = mnl_socket_open(family) else {
        let code = errno
        throw NetlinkError("open \(what) socket", errno: code)
    }
    guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
        let code = errno
        mnl_socket_close(socket)
        throw NetlinkError("bind \(what) socket", errno: code)
    }
    return socket
}
