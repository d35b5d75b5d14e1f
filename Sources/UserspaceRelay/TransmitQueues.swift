import CShim

/// Per-egress sendmmsg(2) queues whose vectors point straight into the receive rings: a
/// forwarded frame is sent from the ring slot it arrived in, never copied by us, and the slot
/// goes back to the kernel only after the send.
///
/// Not a PACKET_TX_RING: that ring lends the skb the bytes past the Ethernet header as page
/// references and frees the slot when the skb is orphaned, which veth (and some drivers) do
/// before the receiver has read those bytes, so a slot could be rewritten under a frame still in
/// flight. sendmmsg copies; the copy is a small part of the per-frame cost (see the README's
/// send floor).
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
            pr_mmsg_init(messages, vectors, UInt32(i), nil, 0)
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
        flush { slot, messages, count in pr_sendmmsg(sockets.session(slot), messages, count) }
    }

    /// Sends every queue through `send` (slot, first message, count; sendmmsg's result). A
    /// kernel that takes part of a batch is asked again for the rest, from the first frame it
    /// did not take, until it refuses (-1: EAGAIN, ENOBUFS) or takes nothing; what it never
    /// took is counted, and every queue starts empty again, since the ring slots the frames lie
    /// in go back to the kernel after this.
    @inline(__always)
    func flush(_ send: (Int, UnsafeMutablePointer<pr_mmsghdr>, UInt32) -> Int32) -> Int {
        var refused = 0
        for slot in 0..<slots where pending[slot] > 0 {
            let count = pending[slot]
            var sent = 0
            while sent < count {
                let result = send(slot, messages + slot * capacity + sent, UInt32(count - sent))
                if result <= 0 { break }
                sent += Int(result)
            }
            refused += count - sent
            pending[slot] = 0
        }
        return refused
    }
}
