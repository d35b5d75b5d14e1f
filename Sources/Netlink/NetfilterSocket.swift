import CMnl
import CNftnl
import Libc

/// A NETLINK_NETFILTER socket that commits nf_tables transactions and lists map elements.
///
/// Owned: closed exactly once, in deinit. A table created with `ownedBySocket` lives exactly as
/// long as this socket does.
public struct NetfilterSocket: ~Copyable {
    let socket: OpaquePointer
    var sequence: UInt32
    let buffer: UnsafeMutableRawPointer
    static let bufferSize = 1 << 17
    static let transactionBuffer: Int32 = 1 << 28

    public init() throws(NetlinkError) {
        let socket = try openBoundMnlSocket(NETLINK_NETFILTER, "netfilter")
        let fd = mnl_socket_get_fd(socket)
        var one: Int32 = 1
        // Errors without a copy of the request: a failing batch cannot overflow our buffer.
        setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, pr_libc_so_rcvtimeo, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // A full table installed in one transaction is 131,068 element messages, each acknowledged:
        // tens of megabytes each way, more than the system's default maxima allow, so with
        // CAP_NET_ADMIN the buffers are forced (memory is charged only while messages wait).
        var receiveBuffer: Int32 = 1 << 22
        var forced: Int32 = Self.transactionBuffer
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &forced, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &forced, socklen_t(MemoryLayout<Int32>.size))
        self.socket = socket
        sequence = UInt32(truncatingIfNeeded: time(nil))
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    deinit {
        buffer.deallocate()
        mnl_socket_close(socket)
    }

    /// Builds a transaction with `build` and commits it; throws the first error, naming its operation.
    public mutating func commit(_ build: (inout NFTBatch) -> Void) throws(NetlinkError) {
        var batch = NFTBatch(firstSequence: sequence)
        build(&batch)
        sequence = batch.sequenceAfter
        let operations = batch.operations
        guard !operations.isEmpty else { return }
        var vectors = batch.finish()
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let sent = vectors.withUnsafeMutableBufferPointer { iov in
            withUnsafeMutablePointer(to: &address) { addressPointer in
                var message = msghdr()
                message.msg_name = UnsafeMutableRawPointer(addressPointer)
                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
                message.msg_iov = iov.baseAddress
                message.msg_iovlen = .init(iov.count)  // size_t in glibc, int in musl
                return sendmsg(mnl_socket_get_fd(socket), &message, 0)
            }
        }
        guard sent >= 0 else {
            let code = errno
            throw NetlinkError(operations[0].description, errno: code)
        }

        var pending = Set(operations.map { $0.sequence })
        var firstError: NetlinkError?
        while !pending.isEmpty {
            let received = mnl_socket_recvfrom(socket, buffer, Self.bufferSize)
            guard received > 0 else {
                // Read before any message is built; a socket that ends the stream sets none.
                let code = received < 0 ? errno : ENODATA
                throw firstError ?? NetlinkError("\(operations[0].description) (waiting for the kernel's answer)", errno: code)
            }
            forEachMessage(Int(received)) { header in
                guard header.pointee.nlmsg_type == UInt16(NLMSG_ERROR) else { return }
                let error = mnl_nlmsg_get_payload(header)!.assumingMemoryBound(to: nlmsgerr.self).pointee
                let answered = header.pointee.nlmsg_seq
                guard let operation = operations.first(where: { $0.sequence == answered }) else {
                    // An answer to the batch's begin or end message: the kernel refused the whole
                    // transaction (no privilege, no nf_tables) and will answer nothing else.
                    if error.error != 0 {
                        firstError = firstError ?? NetlinkError(operations[0].description, errno: -error.error)
                        pending.removeAll()
                    }
                    return
                }
                pending.remove(answered)
                if error.error != 0, firstError == nil {
                    firstError = NetlinkError(operation.description, errno: -error.error)
                }
            }
        }
        if let firstError { throw firstError }
    }

    /// Every element of map `set` in `table`, with its counter (zero where it has none).
    public mutating func elements(table: String, set name: String) throws(NetlinkError) -> [(key: [UInt8], packets: UInt64, bytes: UInt64)] {
        let set = NFTSet(table: table, name: name)
        try dump(c32(NFT_MSG_GETSETELEM), "list map \(table)/\(name)", family: NFTFamily.netdev,
                 payload: { nftnl_set_elems_nlmsg_build_payload($0, set.pointer) }) { header in
            nftnl_set_elems_nlmsg_parse(header, set.pointer)
        }
        return set.elementCounters()
    }

    /// The tables of `family` the kernel has now.
    public mutating func tables(family: UInt32 = NFTFamily.netdev) throws(NetlinkError) -> [NFTTable.Listing] {
        var listings: [NFTTable.Listing] = []
        try dump(c32(NFT_MSG_GETTABLE), "list tables", family: family) { header in
            listings.append(NFTTable(parsing: header).listing)
        }
        return listings
    }

    /// Sends one dump request and hands every answer message to `each`, until the kernel is done.
    mutating func dump(_ type: UInt32, _ operation: String, family: UInt32 = 0,
                       payload: (UnsafeMutablePointer<nlmsghdr>) -> Void = { _ in },
                       _ each: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws(NetlinkError) {
        sequence &+= 1
        let seq = sequence
        let header = nftnl_nlmsg_build_hdr(buffer.assumingMemoryBound(to: CChar.self), UInt16(type),
                                           UInt16(family), UInt16(NLM_F_DUMP | NLM_F_ACK), seq)!
        payload(header)
        guard mnl_socket_sendto(socket, header, Int(header.pointee.nlmsg_len)) >= 0 else {
            let code = errno
            throw NetlinkError(operation, errno: code)
        }
        let failure = try receiveAnswers(to: seq, operation, each)
        if failure != 0 { throw NetlinkError(operation, errno: failure) }
    }

    /// Hands every answer to request `seq` to `each` until the kernel ends it (NLMSG_DONE after a
    /// dump, or the acknowledgement); returns the errno the acknowledgement carried, 0 for none.
    /// Throws only when nothing can be received.
    mutating func receiveAnswers(to seq: UInt32, _ operation: String,
                                 _ each: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws(NetlinkError) -> Int32 {
        var done = false
        var failure: Int32 = 0
        while !done {
            let received = mnl_socket_recvfrom(socket, buffer, Self.bufferSize)
            guard received > 0 else {
                let code = received < 0 ? errno : ENODATA
                throw NetlinkError(operation, errno: code)
            }
            forEachMessage(Int(received)) { header in
                guard header.pointee.nlmsg_seq == seq else { return }
                switch Int32(header.pointee.nlmsg_type) {
                case NLMSG_DONE:
                    done = true
                case NLMSG_ERROR:
                    let error = mnl_nlmsg_get_payload(header)!.assumingMemoryBound(to: nlmsgerr.self).pointee.error
                    if error != 0 { failure = -error }
                    done = true
                default:
                    each(header)
                }
            }
        }
        return failure
    }

    func forEachMessage(_ length: Int, _ body: (UnsafeMutablePointer<nlmsghdr>) -> Void) {
        var remaining = Int32(length)
        var header: UnsafeMutablePointer<nlmsghdr>? = buffer.assumingMemoryBound(to: nlmsghdr.self)
        while let current = header, mnl_nlmsg_ok(current, remaining) {
            body(current)
            header = mnl_nlmsg_next(current, &remaining)
        }
    }
}
