import CMnl
import CNftnl
import Libc

/// One nf_tables transaction: all of its messages apply, or none does.
///
/// Every message carries its own sequence number, remembered with a description of what it
/// does, so a kernel error names the operation and object that caused it
/// ("add map element to pppoe_relay/m1: ENOENT") instead of a bare errno.
public struct NFTBatch: ~Copyable {
    private let batch: OpaquePointer
    private var nextSequence: UInt32
    /// Sequence number and description of every message that expects an answer.
    private(set) var operations: [(sequence: UInt32, description: String)] = []
    private var ended = false

    /// Each page of the batch is one iovec of the send, and a send takes at most 1,024
    /// (UIO_MAXIOV): 64 KiB pages let one transaction carry 64 MiB, a full table's 131,068
    /// elements with room to spare, where the system's page size stopped at 4 MiB.
    static let pageSize: UInt32 = 1 << 16

    init(firstSequence: UInt32) {
        batch = nftnl_batch_alloc(Self.pageSize, 65536)
        nextSequence = firstSequence
        nftnl_batch_begin(buffer, takeSequence())
        nftnl_batch_update(batch)
    }

    deinit { nftnl_batch_free(batch) }

    private var buffer: UnsafeMutablePointer<CChar> { nftnl_batch_buffer(batch).assumingMemoryBound(to: CChar.self) }

    private mutating func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    var sequenceAfter: UInt32 { nextSequence }

    mutating func message(_ type: UInt32, family: UInt32, flags: Int32, _ description: String,
                                  payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) {
        let sequence = takeSequence()
        let header = nftnl_nlmsg_build_hdr(buffer, UInt16(type), UInt16(family), UInt16(flags | NLM_F_ACK), sequence)!
        payload(header)
        nftnl_batch_update(batch)
        operations.append((sequence, description))
    }

    public mutating func add(_ table: borrowing NFTTable, name: String) {
        message(c32(NFT_MSG_NEWTABLE), family: NFTFamily.netdev, flags: NLM_F_CREATE, "add table \(name)") {
            nftnl_table_nlmsg_build_payload($0, table.pointer)
        }
    }

    public mutating func delete(_ table: borrowing NFTTable, name: String) {
        message(c32(NFT_MSG_DELTABLE), family: NFTFamily.netdev, flags: 0, "delete table \(name)") {
            nftnl_table_nlmsg_build_payload($0, table.pointer)
        }
    }

    public mutating func add(_ chain: borrowing NFTChain, name: String) {
        message(c32(NFT_MSG_NEWCHAIN), family: NFTFamily.netdev, flags: NLM_F_CREATE, "add chain \(name)") {
            nftnl_chain_nlmsg_build_payload($0, chain.pointer)
        }
    }

    public mutating func add(_ set: borrowing NFTSet, name: String) {
        message(c32(NFT_MSG_NEWSET), family: NFTFamily.netdev, flags: NLM_F_CREATE, "add map \(name)") {
            nftnl_set_nlmsg_build_payload($0, set.pointer)
        }
    }

    public mutating func add(_ rule: borrowing NFTRule, name: String) {
        message(c32(NFT_MSG_NEWRULE), family: NFTFamily.netdev, flags: NLM_F_CREATE | NLM_F_APPEND, "add rule \(name)") {
            nftnl_rule_nlmsg_build_payload($0, rule.pointer)
        }
    }

    /// Adds the elements held by `set` (a handle naming an existing map).
    public mutating func addElements(_ set: borrowing NFTSet, name: String) {
        message(c32(NFT_MSG_NEWSETELEM), family: NFTFamily.netdev, flags: NLM_F_CREATE, "add map element to \(name)") {
            nftnl_set_elems_nlmsg_build_payload($0, set.pointer)
        }
    }

    public mutating func deleteElements(_ set: borrowing NFTSet, name: String) {
        message(c32(NFT_MSG_DELSETELEM), family: NFTFamily.netdev, flags: 0, "delete map element from \(name)") {
            nftnl_set_elems_nlmsg_build_payload($0, set.pointer)
        }
    }

    /// The whole transaction as iovecs, closed with the batch-end message.
    mutating func finish() -> [iovec] {
        if !ended {
            nftnl_batch_end(buffer, takeSequence())
            nftnl_batch_update(batch)
            ended = true
        }
        var vectors = [iovec](repeating: iovec(), count: Int(nftnl_batch_iovec_len(batch)))
        vectors.withUnsafeMutableBufferPointer { nftnl_batch_iovec(batch, $0.baseAddress, UInt32($0.count)) }
        return vectors
    }
}
