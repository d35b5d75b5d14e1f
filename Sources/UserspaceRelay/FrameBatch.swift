import CShim

/// Buffers and message headers for one recvmmsg(2) call, allocated once and reused for every
/// batch: the receive side of the forwarding loop never allocates.
struct ReceiveBatch: ~Copyable {
    let capacity: Int
    let frameSize: Int
    let messages: UnsafeMutablePointer<pr_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let storage: UnsafeMutableRawPointer

    init(capacity: Int, frameSize: Int) {
        self.capacity = capacity
        self.frameSize = frameSize
        messages = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        storage = .allocate(byteCount: capacity * frameSize, alignment: 64)
        // No source addresses: the relay judges a frame by its own header (the destination MAC),
        // so asking the kernel to copy a sockaddr_ll per frame would be work for nothing.
        for i in 0..<capacity {
            pr_mmsg_init(messages, vectors, nil, UInt32(i), storage + i * frameSize, frameSize)
        }
    }

    deinit {
        messages.deallocate()
        vectors.deallocate()
        storage.deallocate()
    }

    @inline(__always)
    func frame(_ i: Int) -> UnsafeMutableRawPointer { storage + i * frameSize }

    /// Bytes received into frame `i`, and whether the kernel had to cut it to fit.
    @inline(__always)
    func received(_ i: Int) -> (length: Int, truncated: Bool) {
        (Int(messages[i].msg_len), messages[i].msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0)
    }
}

/// Per-egress sendmmsg(2) queues whose vectors point straight into a `ReceiveBatch`: a
/// forwarded frame is sent from the buffer it arrived in, never copied.
struct TransmitQueues: ~Copyable {
    let slots: Int
    let capacity: Int
    private let messages: UnsafeMutablePointer<pr_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let pending: UnsafeMutablePointer<Int>

    init(slots: Int, capacity: Int) {
        self.slots = slots
        self.capacity = capacity
        messages = .allocate(capacity: slots * capacity)
        vectors = .allocate(capacity: slots * capacity)
        pending = .allocate(capacity: slots)
        pending.initialize(repeating: 0, count: slots)
        for i in 0..<(slots * capacity) {
            pr_mmsg_init(messages, vectors, nil, UInt32(i), nil, 0)
        }
    }

    deinit {
        messages.deallocate()
        vectors.deallocate()
        pending.deallocate()
    }

    @inline(__always)
    func enqueue(slot: Int, frame: UnsafeMutableRawPointer, length: Int) {
        let i = slot * capacity + pending[slot]
        vectors[i].iov_base = frame
        vectors[i].iov_len = length
        pending[slot] += 1
    }

    /// Sends every queue on its slot's socket; returns how many frames the kernel refused.
    @inline(__always)
    func flush(sockets: borrowing SocketSet) -> Int {
        var refused = 0
        for slot in 0..<slots where pending[slot] > 0 {
            let count = pending[slot]
            var sent = 0
            while sent < count {
                let result = pr_sendmmsg(sockets.session(slot), messages + slot * capacity + sent, UInt32(count - sent))
                if result <= 0 { break }
                sent += Int(result)
            }
            refused += count - sent
            pending[slot] = 0
        }
        return refused
    }
}
