#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON as relayctl writes it, on the control socket and for `--json`: stable key order, so
/// people and diffs can read it.
public enum ControlJSON {
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
