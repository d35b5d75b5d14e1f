#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Libc

// The relay links FoundationEssentials only: full Foundation (with ICU) would add about 6 MB of
// resident memory to a daemon that has no use for locales. These are the few conveniences of
// Foundation's the code uses, in one place that every module may import.

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, carriage returns and newlines.
    public var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// A file operation's error in the system's own words ("Permission denied"), for a one-line
/// message: a CocoaError's description is a dump of its user-info dictionary.
public func fileErrorText(_ error: any Error) -> String {
    if let cocoa = error as? CocoaError, let posix = cocoa.underlying as? POSIXError {
        return String(cString: strerror(posix.code.rawValue))
    }
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    return "\(error)"
}

/// The whole file at `path`, or nil when it cannot be read.
public func fileContents(atPath path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}
