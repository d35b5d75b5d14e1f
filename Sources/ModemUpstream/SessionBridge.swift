import HDLCFraming
import PPPControl
import PPPoEWire

/// One PPPoE session bridged to the modem's asynchronous-HDLC PPP: LAN frames are checked,
/// unwrapped, run past the LCP option filter and framed for the serial line into a ring;
/// bytes from the line are unframed and wrapped for the LAN. Every buffer is allocated once,
/// here, so a frame in either direction allocates nothing.
public struct SessionBridge: ~Copyable {
    public struct Counters: Sendable {
        public var framesToModem: UInt64 = 0
        public var bytesToModem: UInt64 = 0
        public var framesToClient: UInt64 = 0
        public var bytesToClient: UInt64 = 0
        /// The serial queue was full: the frame was dropped.
        public var modemQueueFull: UInt64 = 0
        /// A PPP frame from the modem larger than a PPPoE session carries.
        public var modemFramesTooLong: UInt64 = 0
        /// Configure-Requests answered here with Configure-Reject (RFC 2516's forbidden options).
        public var lcpOptionsRejected: UInt64 = 0
        /// Configure-Naks and -Rejects the filter shortened or dropped.
        public var lcpOptionsStripped: UInt64 = 0
        public init() {}
    }

    /// What a client's frame asks of the loop.
    public enum ClientVerdict: Equatable {
        /// Not this session's (another host, another session ID, malformed): ignored.
        case notOurs
        /// Queued for the modem (or dropped there, counted).
        case queued
        /// Send `clientReply` (this many bytes) back to the client.
        case replyToClient(length: Int)
    }

    public enum ModemVerdict: Equatable {
        case carrying
        /// The modem's PPP asked to terminate: its Terminate-Request went to the client and an Ack
        /// to the modem; the session ends.
        case terminated
    }

    public let localMAC: MACAddress
    public var clientMAC = MACAddress(value: 0)
    public var sessionID: UInt16 = 0
    /// Largest PPP frame a session frame carries (the LAN MTU less PPPoE's six bytes).
    public let maxPayload: Int
    public var counters = Counters()
    public private(set) var lastClientActivity: Int64 = 0

    public var toModem: ByteRing
    public var decoder: HDLCDecoder
    private let encoded: UnsafeMutableRawBufferPointer
    private let lcpReply: UnsafeMutableRawBufferPointer
    private let frameOut: UnsafeMutableRawBufferPointer
    /// A client-bound frame the loop sends when a verdict says so.
    public var clientReply: UnsafeRawBufferPointer { UnsafeRawBufferPointer(frameOut) }

    public init(localMAC: MACAddress, maxPayload: Int = PPPoEHeader.standardMaxPayload, queueBytes: Int = 8192) {
        self.localMAC = localMAC
        self.maxPayload = maxPayload
        toModem = ByteRing(capacity: max(queueBytes, HDLCEncoder.worstCase(maxPayload)))
        decoder = HDLCDecoder(capacity: 2048 + 4)
        encoded = .allocate(byteCount: HDLCEncoder.worstCase(2048), alignment: 16)
        lcpReply = .allocate(byteCount: 2048, alignment: 16)
        frameOut = .allocate(byteCount: PPPoEHeader.frameHeaderLength + 2048, alignment: 16)
    }

    deinit {
        encoded.deallocate()
        lcpReply.deallocate()
        frameOut.deallocate()
    }

    /// A new session: who, and a line that has only just started speaking PPP.
    public mutating func begin(client: MACAddress, sessionID: UInt16, now: Int64) {
        clientMAC = client
        self.sessionID = sessionID
        counters = Counters()
        lastClientActivity = now
        decoder.resynchronise()
    }

    /// One Ethernet frame from the LAN's session socket, `length` bytes of `frame`.
    public mutating func fromClient(_ frame: UnsafeMutableRawBufferPointer, length: Int, now: Int64) -> ClientVerdict {
        guard length >= PPPoEHeader.frameHeaderLength + 2, let base = frame.baseAddress else { return .notOurs }
        guard MACAddress(reading: base, at: 0) == localMAC, MACAddress(reading: base, at: 6) == clientMAC,
              frame[12] == 0x88, frame[13] == 0x64, frame[14] == PPPoEHeader.versionType, frame[15] == 0,
              UInt16(frame[16]) << 8 | UInt16(frame[17]) == sessionID else { return .notOurs }
        let declared = Int(frame[18]) << 8 | Int(frame[19])
        guard declared >= 2, declared <= length - PPPoEHeader.frameHeaderLength else { return .notOurs }
        lastClientActivity = now
        var payloadLength = declared
        let payload = UnsafeMutableRawBufferPointer(rebasing: frame[PPPoEHeader.frameHeaderLength...])
        switch LCPOptionFilter.filter(payload, length: &payloadLength, reply: lcpReply) {
        case let .reply(replyLength):
            counters.lcpOptionsRejected &+= 1
            return .replyToClient(length: wrapForClient(UnsafeRawBufferPointer(rebasing: lcpReply[0..<replyLength])))
        case .drop:
            counters.lcpOptionsStripped &+= 1
            return .queued
        case .forward, .terminateRequest, .terminateAck:
            if payloadLength != declared { counters.lcpOptionsStripped &+= 1 }
            queueForModem(UnsafeRawBufferPointer(rebasing: payload[0..<payloadLength]))
            return .queued
        }
    }

    /// Frames a PPP frame (protocol field first) for the serial line and queues it.
    public mutating func queueForModem(_ ppp: UnsafeRawBufferPointer) {
        guard let length = HDLCEncoder.encode(ppp, into: encoded), toModem.append(UnsafeRawBufferPointer(rebasing: encoded[0..<length])) else {
            counters.modemQueueFull &+= 1
            return
        }
        counters.framesToModem &+= 1
        counters.bytesToModem &+= UInt64(ppp.count)
    }

    /// Queues an LCP Terminate-Request for the modem (the client left).
    public mutating func queueTerminateRequest(identifier: UInt8) {
        let length = LCPOptionFilter.write(ControlCode.terminateRequest, identifier: identifier, into: lcpReply)
        queueForModem(UnsafeRawBufferPointer(rebasing: lcpReply[0..<length]))
    }

    /// Bytes the serial line delivered; each whole frame in them goes to `send` as an Ethernet
    /// frame for the client (valid during the call only).
    public mutating func fromModem(_ bytes: UnsafeRawBufferPointer, send: (UnsafeRawBufferPointer) -> Void) -> ModemVerdict {
        var offset = 0
        var verdict = ModemVerdict.carrying
        while let frame = decoder.next(bytes, offset: &offset) {
            let ppp = frame.bytes
            guard ppp.count <= maxPayload, ppp.count <= lcpReply.count else {
                counters.modemFramesTooLong &+= 1
                continue
            }
            // The filter works in place: the frame is copied where the PPPoE header goes in front.
            let payload = UnsafeMutableRawBufferPointer(rebasing: frameOut[PPPoEHeader.frameHeaderLength...])
            payload.baseAddress!.copyMemory(from: ppp.baseAddress!, byteCount: ppp.count)
            var length = ppp.count
            switch LCPOptionFilter.filter(payload, length: &length, reply: lcpReply) {
            case let .reply(replyLength):
                counters.lcpOptionsRejected &+= 1
                queueForModem(UnsafeRawBufferPointer(rebasing: lcpReply[0..<replyLength]))
                continue
            case .drop:
                counters.lcpOptionsStripped &+= 1
                continue
            case let .terminateRequest(identifier):
                let ack = LCPOptionFilter.write(ControlCode.terminateAck, identifier: identifier, into: lcpReply)
                queueForModem(UnsafeRawBufferPointer(rebasing: lcpReply[0..<ack]))
                verdict = .terminated
            case .forward, .terminateAck:
                if length != ppp.count { counters.lcpOptionsStripped &+= 1 }
            }
            send(UnsafeRawBufferPointer(rebasing: frameOut[0..<writeHeader(payloadLength: length)]))
            counters.framesToClient &+= 1
            counters.bytesToClient &+= UInt64(length)
        }
        return verdict
    }

    /// Puts a payload already in `lcpReply` (or anywhere) behind a session header in `frameOut`.
    private func wrapForClient(_ payload: UnsafeRawBufferPointer) -> Int {
        (frameOut.baseAddress! + PPPoEHeader.frameHeaderLength).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        return writeHeader(payloadLength: payload.count)
    }

    private func writeHeader(payloadLength: Int) -> Int {
        let base = frameOut.baseAddress!
        clientMAC.write(to: base, at: 0)
        localMAC.write(to: base, at: 6)
        frameOut[12] = 0x88
        frameOut[13] = 0x64
        frameOut[14] = PPPoEHeader.versionType
        frameOut[15] = 0
        frameOut[16] = UInt8(truncatingIfNeeded: sessionID >> 8)
        frameOut[17] = UInt8(truncatingIfNeeded: sessionID)
        frameOut[18] = UInt8(truncatingIfNeeded: payloadLength >> 8)
        frameOut[19] = UInt8(truncatingIfNeeded: payloadLength)
        return PPPoEHeader.frameHeaderLength + payloadLength
    }
}
