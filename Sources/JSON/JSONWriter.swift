/// Prints a `JSONValue` as bytes, laid out as Foundation's JSONEncoder lays it out: strings
/// escaped as it escapes them (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, other C0
/// controls as `\u00xx` in lower case, everything else raw UTF-8), empty containers in pretty
/// output as an opening line, an empty line and the closing bracket. Numbers are printed as
/// their text.
public struct JSONWriter {
    public let format: JSONFormat
    public private(set) var bytes: [UInt8] = []
    private var indent = 0

    public init(format: JSONFormat) { self.format = format }

    /// `value`, printed in `format`.
    public static func write(_ value: JSONValue, format: JSONFormat) -> [UInt8] {
        var writer = JSONWriter(format: format)
        writer.write(value)
        return writer.bytes
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case let .bool(flag): append(flag ? "true" : "false")
        case let .number(text): bytes += text.utf8
        case let .string(text): writeString(text)
        case let .array(elements): writeArray(elements)
        case let .object(members): writeObject(members)
        }
    }

    private mutating func writeArray(_ elements: [JSONValue]) {
        bytes.append(UInt8(ascii: "["))
        open()
        for (index, element) in elements.enumerated() {
            if index > 0 { separate() }
            if format.prettyPrinted { writeIndent() }
            write(element)
        }
        close()
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func writeObject(_ members: [JSONMember]) {
        bytes.append(UInt8(ascii: "{"))
        open()
        let ordered = format.sortedKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
        for (index, member) in ordered.enumerated() {
            if index > 0 { separate() }
            if format.prettyPrinted { writeIndent() }
            writeString(member.key)
            append(format.prettyPrinted ? " : " : ":")
            write(member.value)
        }
        close()
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func open() {
        guard format.prettyPrinted else { return }
        bytes.append(UInt8(ascii: "\n"))
        indent += 1
    }

    private mutating func separate() {
        bytes.append(UInt8(ascii: ","))
        if format.prettyPrinted { bytes.append(UInt8(ascii: "\n")) }
    }

    /// Closes a container: in pretty output a line break, even after no element at all, as
    /// Foundation writes it.
    private mutating func close() {
        guard format.prettyPrinted else { return }
        bytes.append(UInt8(ascii: "\n"))
        indent -= 1
        writeIndent()
    }

    private mutating func writeIndent() {
        for _ in 0..<indent { append("  ") }
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes += $0 }
    }

    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "/") where format.escapesSlashes: append("\\/")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x00..<0x20:
                append("\\u00")
                bytes.append(JSONText.hexDigit(byte >> 4))
                bytes.append(JSONText.hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
