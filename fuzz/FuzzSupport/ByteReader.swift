/// The fuzz input read front to back as a stream of small decisions. Running out of bytes is
/// never an error: every read has a default, so every input decodes to some run.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func byte(default value: UInt8 = 0) -> UInt8 {
        guard offset < bytes.count else { return value }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    /// Up to `count` bytes: fewer when the input ends first.
    public mutating func bytes(upTo count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(0, count))
        defer { offset = max(offset, end) }
        return offset < end ? Array(bytes[offset..<end]) : []
    }
}
