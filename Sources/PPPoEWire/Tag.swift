/// One discovery tag, its value kept byte for byte (unknown types included).
public struct Tag: Equatable, Sendable {
    public var type: TagType
    public var value: [UInt8]

    public init(_ type: TagType, _ value: [UInt8] = []) {
        self.type = type
        self.value = value
    }

    public init(_ type: TagType, text: String) { self.init(type, Array(text.utf8)) }

    /// The value as UTF-8 text, invalid bytes written `\xNN`: for names shown to people (who
    /// see it through `TerminalText.escaped`: it may hold any control character).
    public var text: String { TerminalText.decoding(value) }

    /// The PPP-Max-Payload value (RFC 4638) when this tag is one and well formed.
    public var maxPayload: UInt16? {
        guard type == .pppMaxPayload, value.count == 2 else { return nil }
        return UInt16(value[0]) << 8 | UInt16(value[1])
    }

    var encodedLength: Int { 4 + value.count }
}
