import FuzzSupport

/// libFuzzer's entry point: the input is a script of frames and clock ticks (see `Script`)
/// played against one RelayCore with a WAN and two LANs, every invariant checked after each step.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRelay(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    var script = Script(ByteReader(UnsafeRawBufferPointer(start: data, count: size)))
    var harness = RelayHarness(script.configuration())
    while let step = script.next() { harness.run(step) }
    harness.finish()
    return 0
}

#if !FUZZING
@main
enum ReplayRelay {
    static func main() {
        replay(arguments: Array(CommandLine.arguments.dropFirst()), name: "fuzz-relay") { bytes in
            _ = bytes.withUnsafeBufferPointer { fuzzRelay($0.baseAddress, $0.count) }
        }
    }
}
#endif
