#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ControlJSON {
    /// One value without pretty-printing (keys still sorted): a piece of a document the daemon
    /// sends in slices, which the client decodes and prints its own way.
    public static func compact<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
