import CMnl
import CNftnl

/// libnftnl objects as owned values: each frees its C object in deinit unless it was handed to
/// libnftnl (`consuming` adders), which then owns it. One struct per object kind, no sharing.

/// The address family of our objects: netdev, the only family whose ingress hook sees raw frames
/// before the protocol handlers (and so before our own packet sockets).
public enum NFTFamily {
    public static let netdev = pr_nfproto_netdev
}

public struct NFTTable: ~Copyable {
    let pointer: OpaquePointer

    /// - Parameter userData: stored with the table for whoever lists it (nft shows it as the
    ///   table's comment); the relay keeps its pid there.
    /// - Parameter persists: with `ownedBySocket`, the table outlives its socket (Linux 6.9+):
    ///   orphaned, not deleted, when the socket closes, until a process claims it (sending the
    ///   same two flags) or deletes it. Older kernels refuse the flag (EOPNOTSUPP).
    public init(name: String, family: UInt32 = NFTFamily.netdev, ownedBySocket: Bool = false, persists: Bool = false,
                userData: [UInt8] = []) {
        pointer = nftnl_table_alloc()
        nftnl_table_set_str(pointer, c16(NFTNL_TABLE_NAME), name)
        nftnl_table_set_u32(pointer, c16(NFTNL_TABLE_FAMILY), family)
        if ownedBySocket {
            // The kernel deletes an owned table when its netlink socket closes: nothing survives
            // the daemon, not even a SIGKILL. Only the owning socket may change it meanwhile.
            nftnl_table_set_u32(pointer, c16(NFTNL_TABLE_FLAGS),
                                c32(NFT_TABLE_F_OWNER) | (persists ? NFTTable.persistFlag : 0))
        }
        if !userData.isEmpty {
            userData.withUnsafeBytes {
                _ = nftnl_table_set_data(pointer, c16(NFTNL_TABLE_USERDATA), $0.baseAddress, UInt32($0.count))
            }
        }
    }

    init(parsing header: UnsafeMutablePointer<nlmsghdr>) {
        pointer = nftnl_table_alloc()
        _ = nftnl_table_nlmsg_parse(header, pointer)
    }

    /// What a listing of the kernel's tables says of one.
    public struct Listing: Sendable, Equatable {
        public var name: String
        public var flags: UInt32
        public var userData: [UInt8]
        /// Held by a netlink socket: gone when its process is (unless it persists).
        public var isOwned: Bool { flags & c32(NFT_TABLE_F_OWNER) != 0 }
        /// Outlives its owner: with no owner now, it is an orphan any process may claim or delete.
        public var persists: Bool { flags & NFTTable.persistFlag != 0 }
    }

    /// NFT_TABLE_F_PERSIST from linux/netfilter/nf_tables.h (Linux 6.9); spelled out here for
    /// headers older than the kernel.
    public static let persistFlag: UInt32 = 0x4

    var listing: Listing {
        var length: UInt32 = 0
        let data = nftnl_table_get_data(pointer, c16(NFTNL_TABLE_USERDATA), &length)
        return Listing(name: nftnl_table_get_str(pointer, c16(NFTNL_TABLE_NAME)).map { String(cString: $0) } ?? "",
                       flags: nftnl_table_get_u32(pointer, c16(NFTNL_TABLE_FLAGS)),
                       userData: data.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? [])
    }

    deinit { nftnl_table_free(pointer) }
}

public struct NFTChain: ~Copyable {
    let pointer: OpaquePointer

    /// A base chain at the ingress hook of one device.
    public init(table: String, name: String, ingressDevice device: String, priority: Int32 = 0,
                family: UInt32 = NFTFamily.netdev) {
        pointer = nftnl_chain_alloc()
        nftnl_chain_set_str(pointer, c16(NFTNL_CHAIN_TABLE), table)
        nftnl_chain_set_str(pointer, c16(NFTNL_CHAIN_NAME), name)
        nftnl_chain_set_u32(pointer, c16(NFTNL_CHAIN_FAMILY), family)
        nftnl_chain_set_str(pointer, c16(NFTNL_CHAIN_TYPE), "filter")
        nftnl_chain_set_u32(pointer, c16(NFTNL_CHAIN_HOOKNUM), pr_nf_netdev_ingress)
        nftnl_chain_set_s32(pointer, c16(NFTNL_CHAIN_PRIO), priority)
        nftnl_chain_set_u32(pointer, c16(NFTNL_CHAIN_POLICY), pr_nf_accept)
        nftnl_chain_set_str(pointer, c16(NFTNL_CHAIN_DEV), device)
    }

    deinit { nftnl_chain_free(pointer) }
}

public struct NFTSet: ~Copyable {
    let pointer: OpaquePointer

    /// A map from `keyLength` to `dataLength` bytes (each component already padded to 4 bytes),
    /// optionally giving every element its own packet/byte counter.
    public init(table: String, name: String, keyLength: UInt32, dataLength: UInt32, countersPerElement: Bool,
                id: UInt32, family: UInt32 = NFTFamily.netdev) {
        pointer = Self.allocate(table: table, name: name, family: family)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_KEY_LEN), keyLength)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_DATA_LEN), dataLength)
        // Data type: any non-verdict value; the kernel only needs it to tell values from verdicts.
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_DATA_TYPE), 0)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_ID), id)
        var flags = c32(NFT_SET_MAP)
        if countersPerElement {
            flags |= c32(NFT_SET_EXPR)
            nftnl_set_add_expr(pointer, nftnl_expr_alloc("counter"))
        }
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_FLAGS), flags)
    }

    /// A set the data path fills itself (`NFTExpression.update`): at most `size` keys, each
    /// forgotten `timeoutMilliseconds` after it was last seen.
    public init(table: String, name: String, dynamicKeyLength keyLength: UInt32, size: UInt32,
                timeoutMilliseconds: UInt64, id: UInt32, family: UInt32 = NFTFamily.netdev) {
        pointer = Self.allocate(table: table, name: name, family: family)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_KEY_LEN), keyLength)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_ID), id)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_FLAGS), c32(NFT_SET_TIMEOUT) | c32(NFT_SET_EVAL))
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_DESC_SIZE), size)
        nftnl_set_set_u64(pointer, c16(NFTNL_SET_TIMEOUT), timeoutMilliseconds)
    }

    /// A handle naming an existing set, to add, delete or list its elements.
    public init(table: String, name: String, family: UInt32 = NFTFamily.netdev) {
        pointer = Self.allocate(table: table, name: name, family: family)
    }

    deinit { nftnl_set_free(pointer) }

    /// A set object naming `table`/`name` in `family`: what every request about a set starts with.
    private static func allocate(table: String, name: String, family: UInt32) -> OpaquePointer {
        let pointer = nftnl_set_alloc()!
        nftnl_set_set_str(pointer, c16(NFTNL_SET_TABLE), table)
        nftnl_set_set_str(pointer, c16(NFTNL_SET_NAME), name)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_FAMILY), family)
        return pointer
    }

    /// Adds an element; the set owns it from here on.
    public func add(key: [UInt8], data: [UInt8]? = nil) {
        let element = nftnl_set_elem_alloc()!
        key.withUnsafeBytes { _ = nftnl_set_elem_set(element, c16(NFTNL_SET_ELEM_KEY), $0.baseAddress, UInt32($0.count)) }
        if let data {
            data.withUnsafeBytes { _ = nftnl_set_elem_set(element, c16(NFTNL_SET_ELEM_DATA), $0.baseAddress, UInt32($0.count)) }
        }
        nftnl_set_elem_add(pointer, element)
    }

    /// Every element's key with its counter, after `nftnl_set_elems_nlmsg_parse` filled the set.
    func elementCounters() -> [(key: [UInt8], packets: UInt64, bytes: UInt64)] {
        var result: [(key: [UInt8], packets: UInt64, bytes: UInt64)] = []
        guard let iterator = nftnl_set_elems_iter_create(pointer) else { return result }
        defer { nftnl_set_elems_iter_destroy(iterator) }
        var element = nftnl_set_elems_iter_next(iterator)
        while let current = element {
            var length: UInt32 = 0
            if let key = nftnl_set_elem_get(current, c16(NFTNL_SET_ELEM_KEY), &length) {
                let bytes = Array(UnsafeRawBufferPointer(start: key, count: Int(length)))
                var packets: UInt64 = 0, octets: UInt64 = 0
                var exprLength: UInt32 = 0
                if let expr = nftnl_set_elem_get(current, c16(NFTNL_SET_ELEM_EXPR), &exprLength) {
                    let counter = OpaquePointer(expr)
                    packets = nftnl_expr_get_u64(counter, c16(NFTNL_EXPR_CTR_PACKETS))
                    octets = nftnl_expr_get_u64(counter, c16(NFTNL_EXPR_CTR_BYTES))
                }
                result.append((bytes, packets, octets))
            }
            element = nftnl_set_elems_iter_next(iterator)
        }
        return result
    }
}

public struct NFTRule: ~Copyable {
    let pointer: OpaquePointer

    public init(table: String, chain: String, family: UInt32 = NFTFamily.netdev) {
        pointer = nftnl_rule_alloc()
        nftnl_rule_set_str(pointer, c16(NFTNL_RULE_TABLE), table)
        nftnl_rule_set_str(pointer, c16(NFTNL_RULE_CHAIN), chain)
        nftnl_rule_set_u32(pointer, c16(NFTNL_RULE_FAMILY), family)
    }

    deinit { nftnl_rule_free(pointer) }

    /// Appends an expression; the rule owns it from here on.
    public func append(_ expression: consuming NFTExpression) {
        nftnl_rule_add_expr(pointer, expression.release())
    }
}
