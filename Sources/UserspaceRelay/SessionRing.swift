import CShim

/// A session socket's receive ring: the kernel writes each frame into shared memory and flips
/// its status word, and the loop reads frames where they lie. Compared with recvmmsg this takes
/// away, per frame, the queued clone of the packet, the copy out through a msghdr and the free
/// charged to our syscall; per batch, the syscall itself.
///
/// TPACKET_V2 rather than V3: V3 hands over whole blocks, and a block that is not full is
/// handed over only when its retire timer fires (a millisecond at the least). A lone LCP echo
/// or a game's packet would wait for that timer; with V2 every frame is ours at once.
///
/// A plain value: `SocketSet` owns the mapping and the descriptor, and unmaps it.
struct SessionRing {
    /// One frame per slot, the kernel's 66 bytes of header and padding included: room for a
    /// 1,982-byte frame, baby jumbo (RFC 4638) with margin. Longer frames arrive truncated and
    /// are counted as malformed.
    static let frameSize: UInt32 = 2048
    /// The longest frame a slot holds whole: the kernel puts the frame 66 bytes in (its
    /// 32-byte header and a sockaddr_ll, aligned so the network header lands on 16 bytes).
    static let largestFrame = Int(frameSize) - 66
    /// 2 MiB per interface when the loop forwards sessions: two milliseconds of frames at a
    /// million per second.
    static let frameCount: UInt32 = 1024
    /// 128 KiB per interface when the kernel forwards sessions: the loop then sees only SYNs to
    /// clamp and the frames the kernel leaves to it (not ours, lengths it cannot check, VLAN
    /// tags), and a full-size ring would be 4 MiB of a router's memory held for nothing.
    static let kernelDataplaneFrameCount: UInt32 = 64
    static let blockSize: UInt32 = 16384

    var map = pr_rx_ring()
    /// The next slot the kernel will fill: frames are handed over strictly in ring order.
    var head: UInt32 = 0

    /// The frame at `head + offset`, if the kernel has handed it over: its bytes (in place,
    /// writable), whether the kernel had to cut it to fit the slot, and whether it may have
    /// arrived with a VLAN tag (`pr_rx_ring_maybe_tagged`).
    @inline(__always)
    mutating func frame(at offset: UInt32) -> (bytes: UnsafeMutableRawBufferPointer, truncated: Bool, maybeTagged: Bool)? {
        guard let header = pr_rx_ring_ready(&map, index(offset)) else { return nil }
        let start = UnsafeMutableRawPointer(header) + Int(header.pointee.tp_mac)
        let length = Int(header.pointee.tp_snaplen)
        return (UnsafeMutableRawBufferPointer(start: start, count: length), length < Int(header.pointee.tp_len),
                pr_rx_ring_maybe_tagged(header) != 0)
    }

    /// Gives the first `count` frames back to the kernel and moves past them.
    @inline(__always)
    mutating func release(_ count: UInt32) {
        for offset in 0..<count { pr_rx_ring_release(&map, index(offset)) }
        head = index(count)
    }

    @inline(__always)
    private func index(_ offset: UInt32) -> UInt32 {
        let slot = head &+ offset
        return slot >= map.frame_count ? slot &- map.frame_count : slot
    }
}
