/// How much a document may ask of the reader. Its input comes from local clients, daemons and
/// configuration files a person edits: bounded, so that no document can exhaust the stack
/// (nesting is read recursively) or memory.
public struct JSONLimits: Sendable, Equatable {
    /// The longest document, in bytes. The control client reads replies of up to 64 MiB
    /// (a sessions report for a full table is about 45 MiB).
    public var maxBytes: Int
    /// The deepest nesting of arrays and objects. relayctl's documents need four.
    public var maxDepth: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
}

/// A strict RFC 8259 reader: one value, surrounded by nothing but whitespace (a UTF-8 byte
/// order mark may lead, as RFC 8259 allows a reader to ignore). It refuses what a lenient
/// parser would guess at: trailing commas or garbage, leading zeros, `+1`, `.5`, bad or
/// incomplete escapes, a `\u` escape naming half of a surrogate pair, raw control characters
/// and invalid UTF-8 in strings, duplicate keys in an object (two readers of the same file
/// could otherwise see different values), and anything past `limits`.
public struct JSONReader {
    private let input: [UInt8]
    private let limits: JSONLimits
    private var position = 0
    private var depth = 0

    /// The one value `bytes` holds.
    public static func read(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONValue {
        var reader = JSONReader(input: bytes, limits: limits)
        guard bytes.count <= limits.maxBytes else {
            throw reader.failure("the document is longer than \(limits.maxBytes) bytes")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        reader.skipWhitespace()
        let value = try reader.readValue()
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.failure("unexpected text after the document") }
        return value
    }

    private init(input: [UInt8], limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    private var current: UInt8? { position < input.count ? input[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func readValue() throws(JSONError) -> JSONValue {
        guard let byte = current else { throw failure("the document ends where a value should be") }
        switch byte {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw failure("unexpected \(shown(byte)) where a value should be")
        }
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        guard depth <= limits.maxDepth else { throw failure("arrays and objects nested deeper than \(limits.maxDepth)") }
    }

    private mutating func readObject() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var members: [JSONMember] = []
        var keys = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a key in double quotes") }
            let keyStart = position
            let key = try readString()
            guard keys.insert(key).inserted else {
                position = keyStart
                throw failure("the key \(JSONError.quoted(key)) appears twice in one object")
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected \":\" after a key") }
            position += 1
            skipWhitespace()
            members.append(JSONMember(key, try readValue()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default: throw failure("expected \",\" or \"}\" in an object")
            }
        }
    }

    private mutating func readArray() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default: throw failure("expected \",\" or \"]\" in an array")
            }
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONError) {
        let matches = word.withUTF8Buffer { expected in
            position + expected.count <= input.count && input[position..<position + expected.count].elementsEqual(expected)
        }
        guard matches else { throw failure("unexpected \(shown(input[position])) where a value should be") }
        position += word.utf8CodeUnitCount
    }

    /// The number's text, checked against RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func readNumber() throws(JSONError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw failure("a number needs a digit after \"-\"") }
        position += 1
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
            throw failure("a number cannot start with 0 (leading zeros are not JSON)")
        }
        skipDigits()
        if current == UInt8(ascii: ".") {
            position += 1
            guard let digit = current, isDigit(digit) else { throw failure("a number needs a digit after \".\"") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, isDigit(digit) else { throw failure("a number needs a digit in its exponent") }
            skipDigits()
        }
        return String(decoding: input[start..<position], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    /// A string's contents, escapes resolved. Runs of plain bytes are checked as UTF-8 and
    /// copied at once; escapes are resolved one by one.
    private mutating func readString() throws(JSONError) -> String {
        position += 1
        var text = ""
        var runStart = position
        while true {
            guard let byte = current else { throw failure("a string is not closed before the end of the document") }
            switch byte {
            case UInt8(ascii: "\""):
                text += String(decoding: input[runStart..<position], as: UTF8.self)
                position += 1
                return text
            case UInt8(ascii: "\\"):
                text += String(decoding: input[runStart..<position], as: UTF8.self)
                text.unicodeScalars.append(try readEscape())
                runStart = position
            case 0x00..<0x20:
                throw failure("a control character (\(shown(byte))) in a string must be escaped")
            case 0x20..<0x80:
                position += 1
            default:
                try skipUTF8Sequence()
            }
        }
    }

    /// Moves past one well-formed multi-byte UTF-8 sequence (RFC 3629: no overlong forms, no
    /// surrogates, nothing past U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = input[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw failure("invalid UTF-8 (byte \(shown(lead))) in a string")
        }
        guard position + length <= input.count else { throw failure("invalid UTF-8 at the end of the document") }
        guard secondRange.contains(input[position + 1]) else { throw failure("invalid UTF-8 (byte \(shown(input[position + 1]))) in a string") }
        for offset in 2..<max(2, length) where input[position + offset] & 0xC0 != 0x80 {
            throw failure("invalid UTF-8 (byte \(shown(input[position + offset]))) in a string")
        }
        position += length
    }

    /// One escape (the backslash is at `position`); a `\u` escape of a high surrogate must be
    /// followed by one of a low surrogate, and the pair is one scalar.
    private mutating func readEscape() throws(JSONError) -> Unicode.Scalar {
        position += 1
        guard let byte = current else { throw failure("a string is not closed before the end of the document") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try readHex4()
            switch unit {
            case 0xD800...0xDBFF:
                guard position + 1 < input.count, input[position] == UInt8(ascii: "\\"), input[position + 1] == UInt8(ascii: "u") else {
                    throw failure("\\u\(JSONText.hex4(unit)) is half of a surrogate pair, without the other half")
                }
                position += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("\\u\(JSONText.hex4(unit)) is half of a surrogate pair, without the other half")
                }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00...0xDFFF:
                throw failure("\\u\(JSONText.hex4(unit)) is half of a surrogate pair, without the other half")
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            position -= 1
            throw failure("\\\(shown(byte)) is not a JSON escape")
        }
    }

    private mutating func readHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("a \\u escape needs four hex digits") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// A byte as a refusal shows it: printable ASCII quoted, anything else in hex.
    private func shown(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "\"" + String(Unicode.Scalar(byte)) + "\"" }
        return "0x" + String(Unicode.Scalar(JSONText.hexDigit(byte >> 4))) + String(Unicode.Scalar(JSONText.hexDigit(byte & 0xF)))
    }

    /// A syntax error at the current position, with its line and column (in bytes).
    private func failure(_ reason: String) -> JSONError {
        var line = 1, lineStart = 0
        for index in 0..<min(position, input.count) where input[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONError(.syntax(line: line, column: position - lineStart + 1), path: "", reason: reason)
    }
}
