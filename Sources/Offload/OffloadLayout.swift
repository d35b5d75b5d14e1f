import PPPoEWire

/// The byte layout of map keys and data. nf_tables registers are 32-bit and every component of a
/// concatenation starts on a register boundary, zero-padded, so a MAC takes 8 bytes and a
/// session id 4; the egress ifindex is a host-order u32, as `fwd` reads it.
enum OffloadLayout {
    static let keyLength = 12
    static let dataLength = 24

    static func key(mac: MACAddress, session: UInt16) -> [UInt8] {
        mac.bytes + [0, 0] + [UInt8(session >> 8), UInt8(session & 0xFF), 0, 0]
    }

    static func parseKey(_ key: [UInt8]) -> (MACAddress, UInt16)? {
        guard key.count == keyLength, let mac = MACAddress(bytes: key[0..<6]) else { return nil }
        return (mac, UInt16(key[8]) << 8 | UInt16(key[9]))
    }

    static func element(from source: MACAddress, session: UInt16, to destination: MACAddress, as newSource: MACAddress,
                        session newSession: UInt16, via egressIndex: Int32) -> (key: [UInt8], data: [UInt8]) {
        let index = withUnsafeBytes(of: UInt32(bitPattern: egressIndex)) { Array($0) }
        let data = destination.bytes + [0, 0] + newSource.bytes + [0, 0]
            + [UInt8(newSession >> 8), UInt8(newSession & 0xFF), 0, 0] + index
        return (key(mac: source, session: session), data)
    }
}
