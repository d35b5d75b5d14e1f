/// Numbers between their JSON text and Swift's types.
enum JSONNumber {
    /// The text Foundation's JSONEncoder writes for a Double: Swift's shortest round-trip
    /// `description`, less a trailing ".0" (`1`, `-0`, `0.1`, `1e+16`, `5e-324`).
    /// nil for NaN and the infinities, which JSON has no way to write.
    static func text(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// The integer `text` (a number that passed the reader's grammar) names exactly, if it
    /// fits `T`. As Foundation's decoder does, a fraction or exponent is fine when the value is
    /// whole (`1.0`, `1e3`); `1.5` and anything outside `T`'s range are refused.
    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
        var negative = false
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var exponentNegative = false
        var part = 0 // 0: integer part, 1: fraction, 2: exponent
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"):
                if part == 2 { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): part = 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"): part = 2
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = byte - UInt8(ascii: "0")
                if part == 2 {
                    // Past any exponent that matters: kept from growing without bound.
                    exponent = min(exponent * 10 + Int(digit), 100_000)
                } else {
                    digits.append(digit)
                    if part == 1 { fractionDigits += 1 }
                }
            default: return nil
            }
        }
        // Leading zeros carry nothing; without any other digit the value is zero.
        guard let firstNonZero = digits.firstIndex(where: { $0 != 0 }) else { return 0 }
        digits.removeFirst(firstNonZero)
        // The value is digits × 10^scale.
        var scale = (exponentNegative ? -exponent : exponent) - fractionDigits
        while scale < 0 {
            guard let last = digits.last, last == 0 else { return nil }
            digits.removeLast()
            scale += 1
        }
        guard digits.count + scale <= 40 else { return nil }
        digits += repeatElement(0, count: scale)
        var value: T = 0
        for digit in digits {
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = negative ? shifted.subtractingReportingOverflow(T(digit))
                : shifted.addingReportingOverflow(T(digit))
            guard !overflowShift, !overflowAdd else { return nil }
            value = next
        }
        return value
    }

    /// How a refusal names an integer type: "a 16-bit unsigned integer".
    static func typeName<T: FixedWidthInteger>(_ type: T.Type) -> String {
        "a \(T.bitWidth)-bit \(T.isSigned ? "signed" : "unsigned") integer"
    }
}
