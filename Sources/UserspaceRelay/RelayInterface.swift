import PPPoEWire

/// A device the relay speaks on, as resolved at start: slot 0 is the WAN, LANs follow.
public struct RelayInterface: Sendable, Equatable {
    public enum Role: String, Sendable { case wan, lan }

    public var name: String
    public var index: Int32
    public var mac: MACAddress
    public var mtu: UInt32
    public var role: Role

    public init(name: String, index: Int32, mac: MACAddress, mtu: UInt32, role: Role) {
        self.name = name
        self.index = index
        self.mac = mac
        self.mtu = mtu
        self.role = role
    }
}

/// A discovery frame the relay wants sent, and where.
public struct OutgoingFrame: Sendable, Equatable {
    public var slot: UInt8
    public var bytes: [UInt8]

    public init(slot: UInt8, bytes: [UInt8]) {
        self.slot = slot
        self.bytes = bytes
    }
}
