/// Reads RFC 1662's asynchronous framing from a byte stream, one chunk at a time as the serial
/// line delivers it: unescapes, drops the control characters the receive ACCM says a DCE may
/// have inserted, checks the FCS, and hands back each good frame from a buffer it allocated
/// once. Frames that are too long, aborted (escape then flag) or fail their FCS are counted
/// and skipped; the stream resynchronises at the next flag.
public struct HDLCDecoder: ~Copyable {
    /// What one good frame is: its bytes without FCS, address and control stripped when present.
    public struct Frame {
        /// Valid until the next call to `next`.
        public let bytes: UnsafeRawBufferPointer
        /// Whether the frame began FF 03 (false: the peer compresses them, ACFC).
        public let hadAddressAndControl: Bool
    }

    public private(set) var goodFrames: UInt64 = 0
    public private(set) var badFCS: UInt64 = 0
    public private(set) var tooLong: UInt64 = 0
    public private(set) var aborted: UInt64 = 0
    /// Frames with fewer than four bytes between flags (the FCS and at least two more), or with
    /// nothing left once the FCS and any address and control are taken off. Two flags with
    /// nothing between them are not a frame and are not counted.
    public private(set) var runts: UInt64 = 0

    /// Control characters received unescaped and in this map are discarded (RFC 1662 §7.1).
    public var receiveACCM: ACCM

    private let buffer: UnsafeMutableRawBufferPointer
    private var length = 0
    private var escaped = false
    private var overflow = false
    /// Until the first flag, bytes are not a frame (a modem's "CONNECT" line, line noise).
    private var hunting = true
    private var fcs = FCS16.initial

    /// `capacity`: the longest frame accepted, FCS included (PPPoE's 1494-byte payload and
    /// more fits in the default).
    public init(capacity: Int = 2048, receiveACCM: ACCM = .none) {
        buffer = .allocate(byteCount: capacity, alignment: 16)
        self.receiveACCM = receiveACCM
    }

    deinit { buffer.deallocate() }

    /// Forgets any partial frame and ignores bytes until the next flag: for a line that was
    /// just connected, or that carried something other than PPP until now.
    public mutating func resynchronise() {
        hunting = true
        reset()
    }

    private mutating func reset() {
        length = 0
        escaped = false
        overflow = false
        fcs = FCS16.initial
    }

    /// The next good frame in `input` from `offset` on, advancing `offset` past it; nil when
    /// `input` ends first (the partial frame is kept for the next chunk).
    public mutating func next(_ input: UnsafeRawBufferPointer, offset: inout Int) -> Frame? {
        FCS16.table.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            while offset < input.count {
                let byte = input[offset]
                offset += 1
                if byte == HDLC.flag {
                    if hunting {
                        hunting = false
                        reset()
                        continue
                    }
                    if let frame = finish() { return frame }
                    continue
                }
                if hunting { continue }
                if byte < 0x20 && receiveACCM.escapes(byte) { continue }
                if byte == HDLC.escape {
                    escaped = true
                    continue
                }
                let value = escaped ? byte ^ HDLC.flip : byte
                escaped = false
                guard length < buffer.count else {
                    overflow = true
                    continue
                }
                buffer[length] = value
                length += 1
                fcs = FCS16.update(fcs, value, table)
            }
            return nil
        }
    }

    /// At a closing flag: the frame, or nil after counting why not.
    private mutating func finish() -> Frame? {
        defer { reset() }
        if escaped {
            aborted += 1
            return nil
        }
        if overflow {
            tooLong += 1
            return nil
        }
        if length == 0 { return nil }
        guard length >= 4 else {
            runts += 1
            return nil
        }
        guard fcs == FCS16.good else {
            badFCS += 1
            return nil
        }
        var start = 0
        let end = length - 2
        let compressed = !(buffer[0] == HDLC.address && buffer[1] == HDLC.control)
        if !compressed { start = 2 }
        guard end > start else {
            runts += 1
            return nil
        }
        goodFrames += 1
        return Frame(bytes: UnsafeRawBufferPointer(rebasing: buffer[start..<end]), hadAddressAndControl: !compressed)
    }
}
