import PPPoEWire

/// The Relay-Session-Id this relay puts in PADI/PADR so that answers find their way back:
/// 4 bytes unique to this relay instance, the LAN slot, and the client's MAC (12 bytes, the
/// room RFC 2516 makes every PADI keep free). Routing a PADO or PADS needs no state at all.
public struct RelaySessionTag: Sendable, Equatable {
    public static let length = 12

    public let instance: UInt32
    public let lanSlot: UInt8
    public let clientMAC: MACAddress

    public init(instance: UInt32, lanSlot: UInt8, clientMAC: MACAddress) {
        self.instance = instance
        self.lanSlot = lanSlot
        self.clientMAC = clientMAC
    }

    /// Decodes a tag value written by the relay instance `instance`; nil for anyone else's.
    public init?(value: [UInt8], instance: UInt32) {
        guard value.count == Self.length else { return nil }
        let seen = value[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard seen == instance, value[4] == 0, let mac = MACAddress(bytes: value[6..<12]) else { return nil }
        self.init(instance: instance, lanSlot: value[5], clientMAC: mac)
    }

    public var value: [UInt8] {
        [UInt8(truncatingIfNeeded: instance >> 24), UInt8(truncatingIfNeeded: instance >> 16),
         UInt8(truncatingIfNeeded: instance >> 8), UInt8(truncatingIfNeeded: instance), 0, lanSlot]
            + clientMAC.bytes
    }
}
