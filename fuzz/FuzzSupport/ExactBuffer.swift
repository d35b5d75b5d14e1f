/// Hands code under test a heap buffer of exactly the frame's size. An Array's storage usually
/// has spare capacity behind its last element, where AddressSanitizer cannot see a read one
/// byte too far; a buffer allocated to the byte puts its redzone right there.
public func withExactBuffer<R>(_ bytes: [UInt8], _ body: (UnsafeMutableRawBufferPointer) -> R) -> (result: R, bytes: [UInt8]) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
    defer { buffer.deallocate() }
    let exact = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
    exact.copyBytes(from: bytes)
    let result = body(exact)
    return (result, Array(exact))
}
