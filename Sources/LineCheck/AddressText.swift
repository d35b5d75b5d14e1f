/// Addresses from IPCP and IPv6CP as people write them.
public enum AddressText {
    public static func ipv4(_ bytes: [UInt8]) -> String { bytes.map(String.init).joined(separator: ".") }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The link-local address fe80::/64 with this interface identifier, written as RFC 5952 says:
    /// lower-case hex, the longest run of two or more zero groups as "::".
    public static func linkLocal(_ identifier: [UInt8]) -> String {
        let groups: [UInt16] = [0xfe80, 0, 0, 0] + stride(from: 0, to: identifier.count - 1, by: 2).map { index in
            UInt16(identifier[index]) << 8 | UInt16(identifier[index + 1])
        }
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::"
            + text[(best.start + best.length)...].joined(separator: ":")
    }
}
