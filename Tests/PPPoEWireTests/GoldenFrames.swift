/// A real discovery, captured in a network namespace between rp-pppoe 3.15's `pppoe -U`
/// client (ca:50:3c:c3:35:be) and `pppoe-server -C TestAC -S isp` (2a:e7:f4:80:25:12).
enum GoldenFrames {
    static let padi = hex("ffffffffffffca503cc335be886311090000000b010100000103000339366 3")
    static let pado = hex("""
        ca503cc335be2ae7f4802512886311070000003001020006546573744143010100036973700104001\
        49c8302a447e3ff5325ae303d231ea4044f09000001030003393663
        """)
    static let padr = hex("""
        2ae7f4802512ca503cc335be886311190000002301010000010300033936630104001\
        49c8302a447e3ff5325ae303d231ea4044f090000
        """)
    static let pads = hex("ca503cc335be2ae7f48025128863116500020 00e010100036973700103000339366 3")

    static let all = [padi, pado, padr, pads]

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter(\.isHexDigit)
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
