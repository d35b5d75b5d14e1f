// The C library for every module, in both builds: one `import Libc` instead of choosing between
// Glibc, Musl and Embedded Swift in each file.
//
// The ordinary build re-exports the platform's Swift module, whose overlay already provides
// `errno` and Swift versions of the variadic `open`, `fcntl` and `ioctl`. Embedded Swift has no
// such module: there the headers come through CLibc, and this file declares the same names with
// the same shapes over CLibc's helpers, so the code that calls them is one code.

#if hasFeature(Embedded)
@_exported import CLibc

/// The calling thread's errno, as Glibc's overlay spells it.
public var errno: Int32 {
    get { pr_libc_errno() }
    set { pr_libc_set_errno(newValue) }
}

public func open(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    pr_libc_open(path, flags, 0)
}

public func open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    pr_libc_open(path, flags, UInt32(mode))
}

public func openat(_ directory: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    pr_libc_openat(directory, path, flags, 0)
}

public func openat(_ directory: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    pr_libc_openat(directory, path, flags, UInt32(mode))
}

public func fcntl(_ fd: Int32, _ command: Int32) -> Int32 {
    pr_libc_fcntl(fd, command, 0)
}

public func fcntl(_ fd: Int32, _ command: Int32, _ value: Int32) -> Int32 {
    pr_libc_fcntl(fd, command, value)
}

public func ioctl(_ fd: Int32, _ request: UInt, _ pointer: UnsafeMutableRawPointer) -> Int32 {
    pr_libc_ioctl(fd, request, pointer)
}
#elseif canImport(Glibc)
@_exported import Glibc
@_exported import CLibc
#elseif canImport(Musl)
@_exported import Musl
@_exported import CLibc
#endif
