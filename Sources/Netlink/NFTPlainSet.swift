import CNftnl

extension NFTSet {
    /// A set of keys without data (`keyLength` bytes, each component padded to 4), for
    /// `NFTExpression.member(of:)`; its elements go in with `add(key:)` and `addElements`.
    public init(table: String, name: String, keyLength: UInt32, id: UInt32, family: UInt32 = NFTFamily.netdev) {
        self.init(table: table, name: name, family: family)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_KEY_LEN), keyLength)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_ID), id)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_FLAGS), 0)
    }

    /// A plain set whose elements each carry a packet/byte counter, bumped by every lookup
    /// (`NFTExpression.member(of:)`) that finds them.
    public init(table: String, name: String, countedKeyLength keyLength: UInt32, id: UInt32,
                family: UInt32 = NFTFamily.netdev) {
        self.init(table: table, name: name, keyLength: keyLength, id: id, family: family)
        nftnl_set_set_u32(pointer, c16(NFTNL_SET_FLAGS), c32(NFT_SET_EXPR))
        nftnl_set_add_expr(pointer, nftnl_expr_alloc("counter"))
    }
}
