import Libc

/// A descriptor closed exactly once, when its owner goes: a local one is closed on every path
/// out of a throwing init, a stored one when the daemon ends.
struct OwnedDescriptor: ~Copyable {
    let fd: Int32

    init(_ fd: Int32) { self.fd = fd }

    deinit { if fd >= 0 { close(fd) } }
}
