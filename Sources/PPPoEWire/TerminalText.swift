/// Strings that came off the wire (AC-Name, Service-Name, error tags), made safe to show.
///
/// Any host on the WAN can answer a PADI, so these bytes are chosen by strangers. Printed
/// raw, an AC-Name holding `ESC [ 2 J` clears the operator's terminal, a newline forges
/// a line of `relayctl sessions`, and a right-to-left override reorders what follows. Every
/// character a terminal acts on is therefore shown as a visible escape: the escapes protect
/// the reader and are not meant to be decoded (a name holding a backslash shows it as it is).
public enum TerminalText {
    /// `bytes` as UTF-8, with every byte that is not part of a valid sequence written `\xNN`
    /// (rather than U+FFFD, so that names differing only in such bytes still look different).
    public static func decoding<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var text = ""
        var index = 0
        while index < bytes.count {
            if let (scalar, length) = scalar(in: bytes, at: index) {
                text.unicodeScalars.append(scalar)
                index += length
            } else {
                text += "\\x" + hex(UInt32(bytes[index]), digits: 2)
                index += 1
            }
        }
        return text
    }

    /// `text` with C0 and C1 controls, DEL, the Unicode line and paragraph separators, and every
    /// format character and default-ignorable code point (bidirectional overrides and isolates,
    /// zero-width spaces and joiners, the byte order mark, tags, variation selectors, fillers)
    /// written as visible escapes: `\e`, `\n`, `\r`, `\t`, `\xNN` (other C0, DEL) and `\u{NN}`.
    /// The invisible ones matter as much as the controls: "LabAC" and "Lab\u{200B}AC" must not
    /// look alike to someone choosing between two ACs.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x1B: out += "\\e"
            case 0x00..<0x20, 0x7F: out += "\\x" + hex(scalar.value, digits: 2)
            case _ where isInvisibleControl(scalar): out += "\\u{" + hex(scalar.value, digits: 1) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Valid JSON (as relayctl writes it, which escapes only C0 controls) with DEL, C1 controls
    /// and the characters `escaped` shows as `\u{...}` written as JSON `\uXXXX` escapes: the same
    /// JSON to a parser, plain text to a terminal. JSON's own syntax is ASCII, so these can only
    /// be inside strings.
    public static func escapingJSON(_ json: [UInt8]) -> [UInt8] {
        guard json.contains(where: { $0 >= 0x7F }) else { return json }
        var out = ""
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            if scalar.value > 0xFFFF, isInvisibleControl(scalar) {
                // JSON's \u takes four digits: a scalar past U+FFFF is written as its UTF-16 pair.
                let offset = scalar.value - 0x10000
                out += "\\u" + hex(0xD800 + (offset >> 10), digits: 4) + "\\u" + hex(0xDC00 + (offset & 0x3FF), digits: 4)
            } else if scalar.value == 0x7F || isInvisibleControl(scalar) {
                out += "\\u" + hex(scalar.value, digits: 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return Array(out.utf8)
    }

    /// C1 controls (a terminal may take U+009B for CSI), the line and paragraph separators, and
    /// what a terminal draws as nothing or as a change to its neighbours: Unicode's format
    /// characters (general category Cf) and default-ignorable code points. The ranges are written
    /// out, not read from `Unicode.Scalar.Properties`, so that the router build (Embedded Swift,
    /// whose Unicode tables are optional) and the test build escape exactly the same; the tests
    /// compare them with the standard library's tables for every scalar.
    private static func isInvisibleControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F,                   // C1 controls
             0xAD,                          // soft hyphen
             0x34F,                         // combining grapheme joiner
             0x600...0x605, 0x61C, 0x6DD, 0x70F, 0x890...0x891, 0x8E2,   // Arabic, Syriac marks
             0x115F...0x1160, 0x17B4...0x17B5, 0x180B...0x180F,          // fillers, Mongolian selectors
             0x200B...0x200F,               // zero-width space, joiners, LRM, RLM
             0x2028...0x202E,               // separators, embeddings, overrides
             0x2060...0x206F,               // word joiner, invisible operators, isolates
             0x3164, 0xFE00...0xFE0F, 0xFEFF, 0xFFA0, 0xFFF0...0xFFFB,  // filler, variation selectors, BOM
             0x110BD, 0x110CD, 0x13430...0x1343F, 0x1BCA0...0x1BCA3, 0x1D173...0x1D17A,
             0xE0000...0xE0FFF:             // tags, variation selectors supplement
            true
        default: false
        }
    }

    /// The scalar encoded at `index` and its length in bytes, or nil where the bytes there are
    /// no well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
    private static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int, minimum: UInt32
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), 1)
        case 0xC2...0xDF: (length, minimum, value) = (2, 0x80, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, minimum, value) = (3, 0x800, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, minimum, value) = (4, 0x10000, UInt32(lead & 0x07))
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
