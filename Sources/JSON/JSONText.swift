/// Hex digits, as the writer's `\u00xx` escapes and the refusals' quoted text spell them:
/// lower case, as Foundation's JSONEncoder wrote them.
enum JSONText {
    /// The ASCII digit for a value of 0 to 15.
    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Four lower-case hex digits (`\u` escapes).
    static func hex4(_ value: UInt32) -> String {
        var text = ""
        for shift in stride(from: 12, through: 0, by: -4) {
            text.unicodeScalars.append(Unicode.Scalar(hexDigit(UInt8((value >> UInt32(shift)) & 0xF))))
        }
        return text
    }
}
