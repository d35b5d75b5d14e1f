import PPPoEWire

/// The lab the relay sits in: its own three interfaces, two clients, two access concentrators,
/// and the addresses no peer may have. Scripts name them by one byte.
enum Hosts {
    static let wan = MACAddress(value: 0x0200_0000_000A)
    static let lan1 = MACAddress(value: 0x0200_0000_0001)
    static let lan2 = MACAddress(value: 0x0200_0000_0002)
    static let clientA = MACAddress(value: 0x0E00_0000_00C1)
    static let clientB = MACAddress(value: 0x0E00_0000_00C2)
    static let acA = MACAddress(value: 0x0E00_0000_00AC)
    static let acB = MACAddress(value: 0x0E00_0000_00AD)
    static let multicast = MACAddress(value: 0x0180_C200_0001)

    static let interfaces = [wan, lan1, lan2]
    private static let palette: [MACAddress] = [wan, lan1, lan2, .broadcast, clientA, clientB, acA, acB, multicast, .zero]

    /// One of the hosts, or nil (for 6 of 16 values): keep whatever the frame or the exchange says.
    static func pick(_ byte: UInt8) -> MACAddress? {
        let index = Int(byte % 16)
        return index < palette.count ? palette[index] : nil
    }
}
