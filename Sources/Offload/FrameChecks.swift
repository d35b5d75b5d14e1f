import Netlink
import PPPoEWire
import UserspaceRelay

/// Two constant sets the ingress rules consult, shared by every device's chain: which frames
/// the kernel may forward whole, and which IPv6 frames must reach the daemon's clamping.
///
/// nftables has no arithmetic between a packet's fields, so "the PPPoE length fits in the frame"
/// cannot be a comparison. It is a lookup instead: the PPPoE length and the frame's length
/// (meta len, which at netdev ingress counts from after the Ethernet header) as one key, in a
/// set of every pair the kernel may forward. A frame outside the set goes on to the daemon,
/// which relays or drops it exactly as the userspace dataplane does, so both dataplanes treat
/// every frame alike. The pairs are:
///   - the length fills the frame exactly (PPPoE length + 6 = meta len), up to the longest
///     frame the userspace loop relays;
///   - frames of at most 60 bytes (Ethernet's minimum, padded by the sender), with any length
///     that fits.
/// A frame whose length runs past its end never matches; one with bytes after its payload
/// that is not minimum-size padding (rare: a NIC that keeps the FCS, say) takes the daemon's
/// path, which cuts them off.
enum FrameChecks {
    static let lengthSet = "session_lengths"
    static let lengthSetID: UInt32 = 0x5052_4C00
    static let ipv6ExtensionSet = "ipv6_extension_headers"
    static let ipv6ExtensionSetID: UInt32 = 0x5052_4C01

    /// Hop-by-hop, routing, fragment, destination options: the extension headers the daemon
    /// walks to find TCP. An IPv6 frame whose next header is one of these goes to the daemon.
    static let ipv6ExtensionHeaders: [UInt8] = [0, 43, 44, 60]

    /// The set key: PPPoE length (bytes 18-19, big-endian) padded to a register, then meta len
    /// as the host-order u32 the meta expression writes.
    static func lengthKey(pppoeLength: Int, metaLength: Int) -> [UInt8] {
        [UInt8(pppoeLength >> 8), UInt8(pppoeLength & 0xFF), 0, 0]
            + withUnsafeBytes(of: UInt32(metaLength)) { Array($0) }
    }

    /// Every (PPPoE length, meta len) pair the forwarding rule accepts.
    static func forwardableLengths(largestFrame: Int = RelayEngine.largestSessionFrame) -> [[UInt8]] {
        let ethernet = PPPoEHeader.ethernetHeaderLength, pppoe = PPPoEHeader.frameHeaderLength - ethernet
        let minimumFrame = 60 - ethernet
        var keys = (0...(largestFrame - PPPoEHeader.frameHeaderLength)).map {
            lengthKey(pppoeLength: $0, metaLength: $0 + pppoe)
        }
        for metaLength in pppoe...minimumFrame {
            for length in 0..<(metaLength - pppoe) { keys.append(lengthKey(pppoeLength: length, metaLength: metaLength)) }
        }
        return keys
    }

    /// Both sets with their elements, in the transaction that creates the table.
    static func addSets(table: String, to batch: inout NFTBatch) {
        let lengths = NFTSet(table: table, name: lengthSet, keyLength: 8, id: lengthSetID)
        batch.add(lengths, name: "\(table)/\(lengthSet)")
        // 128 elements (about 3 KiB) a message: libnftnl's batch silently loses a message
        // larger than its 4 KiB page.
        let keys = forwardableLengths()
        for start in stride(from: 0, to: keys.count, by: 128) {
            let chunk = NFTSet(table: table, name: lengthSet)
            for key in keys[start..<min(start + 128, keys.count)] { chunk.add(key: key) }
            batch.addElements(chunk, name: "\(table)/\(lengthSet)")
        }
        let extensions = NFTSet(table: table, name: ipv6ExtensionSet, keyLength: 1, id: ipv6ExtensionSetID)
        batch.add(extensions, name: "\(table)/\(ipv6ExtensionSet)")
        let elements = NFTSet(table: table, name: ipv6ExtensionSet)
        for header in ipv6ExtensionHeaders { elements.add(key: [header]) }
        batch.addElements(elements, name: "\(table)/\(ipv6ExtensionSet)")
    }
}
