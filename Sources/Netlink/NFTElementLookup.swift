import CMnl
import CNftnl
import Libc

extension NetfilterSocket {
    /// Keys asked for in one request. The kernel answers each with a message of its own (about
    /// 200 bytes with the counter), all while handling the request: this many answers stay well
    /// inside the socket's receive buffer.
    static let lookupChunk = 256

    /// The elements of map `set` in `table` with these keys, with their counters, asked for by
    /// key: the cost follows the number of keys, not the size of the map.
    ///
    /// Listing a whole map is a dump, and the kernel walks a hash set's dump from its start again
    /// for every buffer it fills (some 32 KiB, a few hundred elements), so a dump of n elements
    /// costs it about n²/300 steps: at 65,534 sessions (two elements each) that is most of a core
    /// for one reading. A lookup by key costs one hash lookup per key.
    ///
    /// Keys the map does not hold are left out of the answer (the kernel stops a request at the
    /// first such key; the keys after it are asked again).
    public mutating func elements(table: String, set name: String,
                                  keys: [[UInt8]]) throws(NetlinkError) -> [(key: [UInt8], packets: UInt64, bytes: UInt64)] {
        var found: [(key: [UInt8], packets: UInt64, bytes: UInt64)] = []
        found.reserveCapacity(keys.count)
        var next = 0
        while next < keys.count {
            let chunk = keys[next..<min(next + Self.lookupChunk, keys.count)]
            let (answers, failure) = try lookup(table: table, set: name, keys: chunk)
            found += answers
            switch failure {
            case 0: next += chunk.count
            // The key after the last one answered is not in the map.
            case ENOENT: next += answers.count + 1
            // The receive buffer filled up: ask again for the keys not answered yet.
            case ENOBUFS, EAGAIN:
                guard !answers.isEmpty else { throw NetlinkError("get elements of map \(table)/\(name)", errno: failure) }
                next += answers.count
            default: throw NetlinkError("get elements of map \(table)/\(name)", errno: failure)
            }
        }
        return found
    }

    /// One GETSETELEM request for `keys` (not a dump): the answers in order, and the errno the
    /// kernel ended it with (0 when every key was answered).
    private mutating func lookup(table: String, set name: String, keys: ArraySlice<[UInt8]>)
        throws(NetlinkError) -> (answers: [(key: [UInt8], packets: UInt64, bytes: UInt64)], failure: Int32) {
        let operation = "get elements of map \(table)/\(name)"
        let request = NFTSet(table: table, name: name)
        for key in keys { request.add(key: key) }
        sequence &+= 1
        let seq = sequence
        let header = nftnl_nlmsg_build_hdr(buffer.assumingMemoryBound(to: CChar.self), UInt16(c32(NFT_MSG_GETSETELEM)),
                                           UInt16(NFTFamily.netdev), UInt16(NLM_F_ACK), seq)!
        nftnl_set_elems_nlmsg_build_payload(header, request.pointer)
        guard mnl_socket_sendto(socket, header, Int(header.pointee.nlmsg_len)) >= 0 else {
            let code = errno
            throw NetlinkError(operation, errno: code)
        }
        let answers = NFTSet(table: table, name: name)
        let failure = try receiveAnswers(to: seq, operation) { nftnl_set_elems_nlmsg_parse($0, answers.pointer) }
        return (answers.elementCounters(), failure)
    }
}
