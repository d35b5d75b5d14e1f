import PPPoEWire
import UserspaceRelay

/// The byte layout of map keys and data, chosen so the rule needs one load and one write.
///
/// The key is the 12 bytes at offset 6 of a session frame: source MAC, then `88 64 11 00`
/// (ethertype, version/type, code), then session id. Only PPPoE session frames can match it,
/// so no separate ethertype check is needed. The data is the 18 bytes that replace offsets
/// 0-17 (new destination MAC, new source MAC, the same four constant bytes, new session id),
/// two bytes of padding to the next 32-bit register, then the egress ifindex as the host-order
/// u32 `fwd` reads.
enum OffloadLayout {
    static let keyLength = 12

    /// A session's kernel counter as the relay counts it: nf_tables counts bytes from the
    /// network header at ingress, the relay whole frames. Saturating: a table the daemon takes
    /// over may hold any count (`nft` creates counters with whatever values it is given), and
    /// one that overflowed here would trap every daemon that starts and reads it.
    static func frameCount(packets: UInt64, bytes: UInt64) -> ForwardedCount {
        let (headers, overflow) = packets.multipliedReportingOverflow(by: UInt64(PPPoEHeader.ethernetHeaderLength))
        return ForwardedCount(packets: packets, bytes: overflow ? .max : bytes.saturatingAdding(headers))
    }
    static let dataLength = 24
    /// Bytes the rule rewrites, from offset 0.
    static let rewriteLength = 18
    /// Register (32-bit, counted from the data register) holding the egress ifindex.
    static let egressRegisterOffset: UInt32 = 5

    private static let sessionMarker: [UInt8] = [0x88, 0x64, 0x11, 0x00]

    static func key(mac: MACAddress, session: UInt16) -> [UInt8] {
        mac.bytes + sessionMarker + [UInt8(session >> 8), UInt8(session & 0xFF)]
    }

    static func parseKey(_ key: [UInt8]) -> (MACAddress, UInt16)? {
        guard key.count == keyLength, Array(key[6..<10]) == sessionMarker,
              let mac = MACAddress(bytes: key[0..<6]) else { return nil }
        return (mac, UInt16(key[10]) << 8 | UInt16(key[11]))
    }

    static func element(from source: MACAddress, session: UInt16, to destination: MACAddress, as newSource: MACAddress,
                        session newSession: UInt16, via egressIndex: Int32) -> (key: [UInt8], data: [UInt8]) {
        let index = withUnsafeBytes(of: UInt32(bitPattern: egressIndex)) { Array($0) }
        let data = destination.bytes + newSource.bytes + sessionMarker
            + [UInt8(newSession >> 8), UInt8(newSession & 0xFF), 0, 0] + index
        return (key(mac: source, session: session), data)
    }
}
