import FuzzSupport
import JSON

/// libFuzzer's entry point: every input is read as a JSON document. The reader must never
/// crash (nor recurse past its depth limit, nor trap on a number); what it accepts must come
/// back as the same value from each of the writer's formats, and every number in it must
/// convert to each integer width or be refused, never wrap; relayctl's own documents must read
/// back as they were written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let value = try? JSONReader.read(bytes, limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 32)) else { return 0 }
    checkRoundTrip(value)
    checkNumbers(value)
    checkTypedDocuments(value)
    return 0
}

#if !FUZZING
@main
enum ReplayJSON {
    static func main() {
        replay(arguments: Array(CommandLine.arguments.dropFirst()), name: "fuzz-json") { bytes in
            _ = bytes.withUnsafeBufferPointer { fuzzJSON($0.baseAddress, $0.count) }
        }
    }
}
#endif
