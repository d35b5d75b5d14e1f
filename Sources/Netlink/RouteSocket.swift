import CMnl
import Libc

/// A NETLINK_ROUTE socket owned by its value: closed exactly once, in deinit.
///
/// Requests carry increasing sequence numbers and answers are checked against them, so a
/// reply to somebody else's request can never be mistaken for ours.
public struct RouteSocket: ~Copyable {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32

    public init() throws(NetlinkError) {
        let socket = try openBoundMnlSocket(NETLINK_ROUTE, "rtnetlink")
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        sequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { mnl_socket_close(socket) }

    /// The link called `name`, as the kernel sees it now.
    public mutating func link(named name: String) throws(NetlinkError) -> LinkInfo {
        let operation = "get link \(name)"
        guard !name.isEmpty, name.utf8.count < Int(IFNAMSIZ) else { throw NetlinkError(operation, errno: ENODEV) }
        sequence &+= 1
        let seq = sequence
        let bufferSize = 16384
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }

        let header = mnl_nlmsg_put_header(buffer)!
        header.pointee.nlmsg_type = UInt16(RTM_GETLINK)
        header.pointee.nlmsg_flags = UInt16(NLM_F_REQUEST)
        header.pointee.nlmsg_seq = seq
        let info = mnl_nlmsg_put_extra_header(header, MemoryLayout<ifinfomsg>.size)!
            .assumingMemoryBound(to: ifinfomsg.self)
        info.pointee.ifi_family = UInt8(AF_UNSPEC)
        mnl_attr_put_strz(header, UInt16(IFLA_IFNAME), name)

        guard mnl_socket_sendto(socket, header, Int(header.pointee.nlmsg_len)) >= 0 else {
            throw NetlinkError(operation, errno: errno)
        }
        var builder = LinkInfo.Builder()
        while true {
            let received = mnl_socket_recvfrom(socket, buffer, bufferSize)
            guard received >= 0 else { throw NetlinkError(operation, errno: errno) }
            let status = withUnsafeMutablePointer(to: &builder) { builderPointer in
                mnl_cb_run(buffer, received, seq, portID, LinkInfo.Builder.messageCallback, builderPointer)
            }
            if status < 0 { throw NetlinkError(operation, errno: errno) }
            if status == MNL_CB_STOP || builder.index != nil { break }
        }
        guard let link = builder.build() else { throw NetlinkError(operation, errno: ENODEV) }
        return link
    }
}
