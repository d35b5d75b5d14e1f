import Libc

/// The process's environment as `NAME=value` strings, in the order the C library keeps them:
/// what a child is started with.
public func environmentEntries() -> [String] {
    var entries: [String] = []
    guard var entry = pr_libc_environment() else { return entries }
    while let pointer = entry.pointee {
        entries.append(String(cString: pointer))
        entry += 1
    }
    return entries
}
