import Libc

/// Bytes waiting for the serial line, in storage allocated once. A modem drains at its line
/// rate, far below the LAN's: what does not fit is refused whole (a frame is sent entirely or
/// not at all), the way a router's queue drops, and the queue is kept short: half a second of
/// the line at a 3G stick's rate rather than minutes. Its floor of one whole frame (3,200 bytes)
/// is longer at slow rates: about 3.3 s of the line at 9600 baud.
public struct ByteRing: ~Copyable {
    private let storage: UnsafeMutableRawBufferPointer
    private var head = 0
    public private(set) var count = 0
    public var capacity: Int { storage.count }
    public var free: Int { storage.count - count }

    public init(capacity: Int) {
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Appends all of `bytes`, or nothing when they do not fit.
    @discardableResult
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= free else { return false }
        var tail = (head + count) % storage.count
        var from = 0
        while from < bytes.count {
            let run = min(bytes.count - from, storage.count - tail)
            (storage.baseAddress! + tail).copyMemory(from: bytes.baseAddress! + from, byteCount: run)
            from += run
            tail = (tail + run) % storage.count
        }
        count += bytes.count
        return true
    }

    public mutating func removeAll() {
        head = 0
        count = 0
    }

    /// Writes what `fd` takes now without blocking; returns false on an error other than
    /// "would block" (the line is gone).
    public mutating func drain(to fd: Int32) -> Bool {
        while count > 0 {
            let run = min(count, storage.count - head)
            let n = write(fd, storage.baseAddress! + head, run)
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK
            }
            if n == 0 { return true }
            head = (head + n) % storage.count
            count -= n
            if count == 0 { head = 0 }
        }
        return true
    }
}
