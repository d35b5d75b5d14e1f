import CNftnl

/// One nftables expression, owned until appended to a rule.
public struct NFTExpression: ~Copyable {
    private var pointer: OpaquePointer?

    init(_ name: String) { pointer = nftnl_expr_alloc(name) }

    deinit { if let pointer { nftnl_expr_free(pointer) } }

    /// Hands the C object to a rule, which frees it with itself.
    consuming func release() -> OpaquePointer {
        let owned = pointer!
        pointer = nil
        return owned
    }

    private func set(_ attribute: UInt16, _ value: UInt32) { nftnl_expr_set_u32(pointer, attribute, value) }

    /// Registers as nf_tables numbers them: 32-bit registers 0...15 (NFT_REG32_00 + n).
    public struct Register: Sendable {
        public let raw: UInt32
        public static func r32(_ n: UInt32) -> Register { Register(raw: c32(NFT_REG32_00) + n) }
    }

    /// Loads `length` bytes at `offset` of the link-layer (Ethernet) header into `register`.
    public static func loadLinkLayer(offset: UInt32, length: UInt32, into register: Register) -> NFTExpression {
        let e = NFTExpression("payload")
        e.set(c16(NFTNL_EXPR_PAYLOAD_BASE), c32(NFT_PAYLOAD_LL_HEADER))
        e.set(c16(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
        e.set(c16(NFTNL_EXPR_PAYLOAD_LEN), length)
        e.set(c16(NFTNL_EXPR_PAYLOAD_DREG), register.raw)
        return e
    }

    /// Writes `length` bytes from `register` over the link-layer header at `offset` (no checksum:
    /// nothing in Ethernet or PPPoE headers carries one).
    public static func storeLinkLayer(offset: UInt32, length: UInt32, from register: Register) -> NFTExpression {
        let e = NFTExpression("payload")
        e.set(c16(NFTNL_EXPR_PAYLOAD_BASE), c32(NFT_PAYLOAD_LL_HEADER))
        e.set(c16(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
        e.set(c16(NFTNL_EXPR_PAYLOAD_LEN), length)
        e.set(c16(NFTNL_EXPR_PAYLOAD_SREG), register.raw)
        e.set(c16(NFTNL_EXPR_PAYLOAD_CSUM_TYPE), c32(NFT_PAYLOAD_CSUM_NONE))
        return e
    }

    /// Loads the packet's length as the kernel counts it here (skb->len: at netdev ingress, the
    /// frame after its Ethernet header, a VLAN tag in metadata not included) into `register`,
    /// as a host-order u32.
    public static func loadLength(into register: Register) -> NFTExpression {
        let e = NFTExpression("meta")
        e.set(c16(NFTNL_EXPR_META_KEY), c32(NFT_META_LEN))
        e.set(c16(NFTNL_EXPR_META_DREG), register.raw)
        return e
    }

    /// Continues only when `register` holds exactly `bytes`.
    public static func equals(_ register: Register, _ bytes: [UInt8]) -> NFTExpression {
        compare(register, c32(NFT_CMP_EQ), bytes)
    }

    /// Continues only when `register` does not hold `bytes`.
    public static func notEquals(_ register: Register, _ bytes: [UInt8]) -> NFTExpression {
        compare(register, c32(NFT_CMP_NEQ), bytes)
    }

    private static func compare(_ register: Register, _ operation: UInt32, _ bytes: [UInt8]) -> NFTExpression {
        let e = NFTExpression("cmp")
        e.set(c16(NFTNL_EXPR_CMP_SREG), register.raw)
        e.set(c16(NFTNL_EXPR_CMP_OP), operation)
        bytes.withUnsafeBytes { _ = nftnl_expr_set(e.pointer, c16(NFTNL_EXPR_CMP_DATA), $0.baseAddress, UInt32($0.count)) }
        return e
    }

    /// `register` = `register` & `mask` (xor 0), over `mask.count` bytes.
    public static func and(_ register: Register, _ mask: [UInt8]) -> NFTExpression {
        let e = NFTExpression("bitwise")
        e.set(c16(NFTNL_EXPR_BITWISE_SREG), register.raw)
        e.set(c16(NFTNL_EXPR_BITWISE_DREG), register.raw)
        e.set(c16(NFTNL_EXPR_BITWISE_LEN), UInt32(mask.count))
        mask.withUnsafeBytes { _ = nftnl_expr_set(e.pointer, c16(NFTNL_EXPR_BITWISE_MASK), $0.baseAddress, UInt32($0.count)) }
        let zero = [UInt8](repeating: 0, count: mask.count)
        zero.withUnsafeBytes { _ = nftnl_expr_set(e.pointer, c16(NFTNL_EXPR_BITWISE_XOR), $0.baseAddress, UInt32($0.count)) }
        return e
    }

    /// Ends the chain with "accept": the frame goes on to the normal receive path.
    public static func accept() -> NFTExpression {
        let e = NFTExpression("immediate")
        e.set(c16(NFTNL_EXPR_IMM_DREG), c32(NFT_REG_VERDICT))
        e.set(c16(NFTNL_EXPR_IMM_VERDICT), pr_nf_accept)
        return e
    }

    /// Looks the key at `key` up in map `set`, loading its data into `data`; a miss ends the rule.
    public static func lookup(set: String, setID: UInt32, key: Register, data: Register) -> NFTExpression {
        let e = NFTExpression("lookup")
        e.set(c16(NFTNL_EXPR_LOOKUP_SREG), key.raw)
        e.set(c16(NFTNL_EXPR_LOOKUP_DREG), data.raw)
        nftnl_expr_set_str(e.pointer, c16(NFTNL_EXPR_LOOKUP_SET), set)
        e.set(c16(NFTNL_EXPR_LOOKUP_SET_ID), setID)
        return e
    }

    /// Continues only when the key at `key` is an element of set `set`.
    public static func member(of set: String, setID: UInt32, key: Register) -> NFTExpression {
        let e = NFTExpression("lookup")
        e.set(c16(NFTNL_EXPR_LOOKUP_SREG), key.raw)
        nftnl_expr_set_str(e.pointer, c16(NFTNL_EXPR_LOOKUP_SET), set)
        e.set(c16(NFTNL_EXPR_LOOKUP_SET_ID), setID)
        return e
    }

    /// Transmits the frame as it now is on the device whose ifindex is in `register`.
    public static func forward(toDeviceIn register: Register) -> NFTExpression {
        let e = NFTExpression("fwd")
        e.set(c16(NFTNL_EXPR_FWD_SREG_DEV), register.raw)
        return e
    }

    /// Ends the chain with "drop".
    public static func drop() -> NFTExpression {
        let e = NFTExpression("immediate")
        e.set(c16(NFTNL_EXPR_IMM_DREG), c32(NFT_REG_VERDICT))
        e.set(c16(NFTNL_EXPR_IMM_VERDICT), pr_nf_drop)
        return e
    }

    /// Puts `bytes` into `register`.
    public static func immediate(_ bytes: [UInt8], into register: Register) -> NFTExpression {
        let e = NFTExpression("immediate")
        e.set(c16(NFTNL_EXPR_IMM_DREG), register.raw)
        bytes.withUnsafeBytes { _ = nftnl_expr_set(e.pointer, c16(NFTNL_EXPR_IMM_DATA), $0.baseAddress, UInt32($0.count)) }
        return e
    }

    /// A packet-rate token bucket: `packets` per `seconds`, `burst` more at once. With `over`
    /// the rule goes on only for packets beyond the rate (nft's "limit rate over").
    public static func limit(packets: UInt64, perSeconds seconds: UInt64, burst: UInt32, over: Bool) -> NFTExpression {
        let e = NFTExpression("limit")
        nftnl_expr_set_u64(e.pointer, c16(NFTNL_EXPR_LIMIT_RATE), packets)
        nftnl_expr_set_u64(e.pointer, c16(NFTNL_EXPR_LIMIT_UNIT), seconds)
        e.set(c16(NFTNL_EXPR_LIMIT_BURST), burst)
        e.set(c16(NFTNL_EXPR_LIMIT_TYPE), c32(NFT_LIMIT_PKTS))
        e.set(c16(NFTNL_EXPR_LIMIT_FLAGS), over ? c32(NFT_LIMIT_F_INV) : 0)
        return e
    }

    /// Adds `key` to the dynamic set `set` (or refreshes it) and runs `expression`, kept per
    /// element: with a limit, one token bucket per key. The rule goes on when the expression
    /// does; a full set ends the rule.
    public static func update(set: String, setID: UInt32, key: Register, with expression: consuming NFTExpression) -> NFTExpression {
        let e = NFTExpression("dynset")
        e.set(c16(NFTNL_EXPR_DYNSET_SREG_KEY), key.raw)
        e.set(c16(NFTNL_EXPR_DYNSET_OP), c32(NFT_DYNSET_OP_UPDATE))
        nftnl_expr_set_str(e.pointer, c16(NFTNL_EXPR_DYNSET_SET_NAME), set)
        e.set(c16(NFTNL_EXPR_DYNSET_SET_ID), setID)
        nftnl_expr_add_expr(e.pointer, c32(NFTNL_EXPR_DYNSET_EXPRESSIONS), expression.release())
        return e
    }
}
