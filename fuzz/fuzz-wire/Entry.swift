import FuzzSupport

/// libFuzzer's entry point: every input is read as a discovery frame and as a session frame
/// (the ethertype decides which parser accepts it; the clamp reads any frame from byte 20 on).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkDiscovery(bytes)
    checkSessionFrame(bytes)
    checkClamp(bytes)
    return 0
}

#if !FUZZING
@main
enum ReplayWire {
    static func main() {
        replay(arguments: Array(CommandLine.arguments.dropFirst()), name: "fuzz-wire") { bytes in
            _ = bytes.withUnsafeBufferPointer { fuzzWire($0.baseAddress, $0.count) }
        }
    }
}
#endif
