import PPPoEWire

/// The relay's decisions, without sockets: which discovery frames to send where, which
/// sessions exist, how a session frame is rewritten. The engine feeds it frames and sends
/// what it returns; tests feed it crafted frames.
public struct RelayCore: ~Copyable {
    /// Where a session frame goes after `forwardSession` rewrote it in place.
    public struct Forward: Sendable, Equatable {
        public var egress: UInt8
        public var length: Int

        public init(egress: UInt8, length: Int) {
            self.egress = egress
            self.length = length
        }
    }

    public private(set) var interfaces: [RelayInterface]
    public let idleTimeout: Int64
    /// TCP MSS clamping; `setMSS` changes it for every session at once.
    public private(set) var mss: MSSSetting
    public internal(set) var table: SessionTable
    public internal(set) var counters = RelayCounters()
    /// Unique per relay instance; the first 4 bytes of every Relay-Session-Id we add.
    public let instance: UInt32
    /// What discovery lets through: per-client limits, AC policy, PADI rates.
    public let policy: DiscoveryPolicy
    var discovery: PendingRequests
    private var padiLimiter: PADILimiter
    /// The kernel's last reading of policed PADIs.
    private var policedReading: (perClient: UInt64, overall: UInt64) = (0, 0)
    /// Live sessions per client MAC, kept only when the policy limits them.
    private var sessionsPerClient: [MACAddress: Int] = [:]
    /// Sessions created and ended since the engine last asked, in order.
    private var events: [SessionEvent] = []
    /// Sessions opened, closed and refused since the daemon last asked, for its log; bounded
    /// (`recordLimit`), with what did not fit counted in `recordsLost`.
    private var records: [SessionRecord] = []
    /// Records before this index already carry the kernel's final counters.
    private var settledRecords = 0
    public private(set) var recordsLost: UInt64 = 0
    /// The last `expireIdle` left sessions that were due: the daemon calls again soon.
    public private(set) var expiryPending = false
    /// With `notesDiscovery` (`--verbose`), one line per discovery decision, bounded likewise.
    private let notes = DiscoveryNotes()
    /// Interface MACs by slot, in plain memory for the per-packet path.
    private let macs: UnsafeMutablePointer<MACAddress>

    /// - Parameters:
    ///   - interfaces: slot 0 the WAN, then the LANs.
    ///   - idleTimeout: seconds without a session frame before both sides get PADT; 0 = never.
    public init(interfaces: [RelayInterface], maxSessions: Int, idleTimeout: Int64, instance: UInt32,
                mss: MSSSetting = .auto, policy: DiscoveryPolicy = .standard) {
        precondition(interfaces.first?.role == .wan && interfaces.dropFirst().allSatisfy { $0.role == .lan },
                     "slot 0 is the WAN and every other slot a LAN")
        self.interfaces = interfaces
        self.idleTimeout = idleTimeout
        self.instance = instance
        self.mss = mss
        table = SessionTable(capacity: maxSessions)
        self.policy = policy
        discovery = PendingRequests(capacity: min(max(Self.minimumPendingRequests, maxSessions), Self.maximumPendingRequests),
                                    offersPerClient: policy.offersPerClient)
        padiLimiter = PADILimiter(policy: policy, maxSessions: maxSessions)
        macs = .allocate(capacity: interfaces.count)
        for (slot, interface) in interfaces.enumerated() { macs[slot] = interface.mac }
    }

    deinit { macs.deallocate() }

    /// Discovery records: as many as sessions, within bounds that keep a flood cycling through
    /// a table large enough for a mass redial and small enough to scan once a second.
    static let minimumPendingRequests = 1024
    static let maximumPendingRequests = 16_384

    var wanMAC: MACAddress { macs[0] }

    // MARK: Session stage, per packet

    /// Rewrites a session frame received on `slot` for its other side; nil when it is dropped
    /// (and counted). No allocation, no reference counting.
    @inline(__always)
    public mutating func forwardSession(_ frame: UnsafeMutableRawBufferPointer, from slot: UInt8, now: Int64) -> Forward? {
        let view: SessionFrame.View
        do { view = try SessionFrame.read(UnsafeRawBufferPointer(frame)) } catch {
            counters.droppedMalformed &+= 1
            return nil
        }
        guard view.destination == macs[Int(slot)] else {
            counters.droppedNotForUs &+= 1
            return nil
        }
        let base = frame.baseAddress!
        if slot == SessionTable.wanSlot {
            guard let index = table.find(ac: SessionKey(slot: slot, mac: view.source, sessionID: view.sessionID)) else {
                counters.droppedUnknownSession &+= 1
                return nil
            }
            let session = table.session(at: index)
            SessionFrame.rewrite(base, destination: session.pointee.clientMAC, source: macs[Int(session.pointee.lanSlot)],
                                 sessionID: session.pointee.clientSessionID)
            session.pointee.packetsToClient &+= 1
            session.pointee.bytesToClient &+= UInt64(view.frameLength)
            session.pointee.lastActivity = now
            counters.sessionFramesToClient &+= 1
            if Self.clampsSYN(base, view.frameLength, session) { counters.mssClampedToClient &+= 1 }
            return Forward(egress: session.pointee.lanSlot, length: view.frameLength)
        } else {
            guard let index = table.find(client: SessionKey(slot: slot, mac: view.source, sessionID: view.sessionID)) else {
                counters.droppedUnknownSession &+= 1
                return nil
            }
            let session = table.session(at: index)
            SessionFrame.rewrite(base, destination: session.pointee.acMAC, source: macs[0],
                                 sessionID: session.pointee.acSessionID)
            session.pointee.packetsToAC &+= 1
            session.pointee.bytesToAC &+= UInt64(view.frameLength)
            session.pointee.lastActivity = now
            counters.sessionFramesToAC &+= 1
            if Self.clampsSYN(base, view.frameLength, session) { counters.mssClampedToAC &+= 1 }
            return Forward(egress: SessionTable.wanSlot, length: view.frameLength)
        }
    }

    /// Lowers the MSS of a SYN in the frame to the session's limits; true when it did.
    @inline(__always)
    private static func clampsSYN(_ frame: UnsafeMutableRawPointer, _ length: Int,
                                  _ session: UnsafeMutablePointer<Session>) -> Bool {
        guard session.pointee.mssIPv4 != 0 else { return false }
        if case .clamped = MSSClamp.clamp(frame: frame, length: length, ipv4: session.pointee.mssIPv4,
                                          ipv6: session.pointee.mssIPv6) {
            return true
        }
        return false
    }

    // MARK: Discovery stage

    /// Decides what a discovery frame received on `slot` becomes. Malformed or unwanted
    /// frames are counted and produce nothing. A PADI over its rate is refused from its
    /// header alone, before any parsing: a flood costs a few compares per frame.
    public mutating func handleDiscovery(_ frame: UnsafeRawBufferPointer, from slot: UInt8, now: Int64) -> [OutgoingFrame] {
        guard Int(slot) < interfaces.count else { return [] }
        if frame.count >= PPPoEHeader.frameHeaderLength, let base = frame.baseAddress {
            let source = MACAddress(reading: base, at: Self.sourceOffset)
            guard source != .zero, !source.isGroup else {
                counters.droppedBadSource &+= 1
                return []
            }
            if slot != SessionTable.wanSlot, base.load(fromByteOffset: Self.codeOffset, as: UInt8.self) == DiscoveryCode.padi.rawValue,
               base.load(fromByteOffset: PPPoEHeader.ethernetHeaderLength, as: UInt8.self) == PPPoEHeader.versionType {
                switch padiLimiter.admit(source, now: now) {
                case .pass: break
                case .perClient:
                    counters.droppedPADIRateClient &+= 1
                    return []
                case .overall:
                    counters.droppedPADIRateOverall &+= 1
                    return []
                }
            }
        }
        if slot == SessionTable.wanSlot, answersNothing(frame, now: now) {
            counters.droppedUnsolicitedAnswer &+= 1
            return []
        }
        let packet: DiscoveryPacket
        do { packet = try DiscoveryPacket(parsing: frame) } catch {
            counters.droppedMalformed &+= 1
            return []
        }
        let out = slot == SessionTable.wanSlot
            ? fromAccessConcentrator(packet, now: now)
            : fromClient(packet, lanSlot: slot, now: now)
        counters.discoveryRelayed &+= UInt64(out.count)
        return out
    }

    /// A PADO or PADS to us whose first Relay-Session-Id is ours but names no request waiting
    /// for it (a PADS: no PADR unanswered, or not from the AC it went to): found in place,
    /// before anything is parsed or allocated, so that forged answers from the WAN cost little.
    /// Anything else (malformed frames included) takes the full path.
    private func answersNothing(_ frame: UnsafeRawBufferPointer, now: Int64) -> Bool {
        guard frame.count >= PPPoEHeader.frameHeaderLength, let base = frame.baseAddress else { return false }
        let code = base.load(fromByteOffset: Self.codeOffset, as: UInt8.self)
        guard code == DiscoveryCode.pado.rawValue || code == DiscoveryCode.pads.rawValue,
              MACAddress(reading: base, at: 0) == wanMAC,
              let payloadLength = frame.readBigEndianUInt16(at: PPPoEHeader.frameHeaderLength - 2) else { return false }
        let end = min(frame.count, PPPoEHeader.frameHeaderLength + Int(payloadLength))
        var offset = PPPoEHeader.frameHeaderLength
        while offset + 4 <= end {
            let type = frame.readBigEndianUInt16(at: offset)!
            let length = Int(frame.readBigEndianUInt16(at: offset + 2)!)
            guard offset + 4 + length <= end else { return false }
            if type == TagType.relaySessionID.rawValue {
                guard length == RelaySessionTag.length else { return false }
                let value = UnsafeRawBufferPointer(rebasing: frame[(offset + 4)..<(offset + 4 + length)])
                guard value.readBigEndianUInt32(at: 0)! == instance else { return false }
                let request = Int(value.readBigEndianUInt16(at: 4)!)
                let nonce = UInt64(value.readBigEndianUInt16(at: 6)!) << 32 | UInt64(value.readBigEndianUInt32(at: 8)!)
                guard let record = discovery.record(request), record.nonce == nonce else { return true }
                return code == DiscoveryCode.pado.rawValue
                    ? record.padiUntil <= now
                    : !record.awaitsConfirmation(now: now) || MACAddress(reading: base, at: Self.sourceOffset) != record.padrAC
            }
            offset += 4 + length
        }
        return false
    }

    static let sourceOffset = 6
    static let codeOffset = PPPoEHeader.ethernetHeaderLength + 1

    private mutating func fromClient(_ packet: DiscoveryPacket, lanSlot: UInt8, now: Int64) -> [OutgoingFrame] {
        let client = ClientRef(lanSlot: lanSlot, mac: packet.source)
        let addressedToUs = packet.destination == macs[Int(lanSlot)]
        switch packet.code {
        case .padi:
            guard packet.destination.isBroadcast || addressedToUs else { return notForUs() }
            return relayRequest(packet, from: client, to: nil, now: now)
        case .padr:
            guard addressedToUs else { return notForUs() }
            guard let offer = discovery.offer(for: client, cookie: packet.tag(.acCookie)?.value, now: now) else {
                counters.droppedWithoutOffer &+= 1
                note("PADR from \(packet.source) on \(interfaces[Int(lanSlot)].name) dropped: no offer seen for it")
                return []
            }
            return relayRequest(packet, from: client, to: offer.acMAC, now: now)
        case .padt:
            guard addressedToUs else { return notForUs() }
            guard let index = table.find(client: SessionKey(slot: lanSlot, mac: packet.source, sessionID: packet.sessionID)),
                  let session = endSession(at: index, reason: .padtFromClient, now: now) else {
                counters.droppedUnmatchedPADT &+= 1
                return []
            }
            return [retarget(packet, to: session.acMAC, from: wanMAC, sessionID: session.acSessionID, slot: SessionTable.wanSlot)]
        case .padm, .padn:
            // Messages flow from the access concentrator; a client has no business sending them.
            counters.droppedWrongDirection &+= 1
            return []
        case .pado, .pads:
            counters.droppedWrongDirection &+= 1
            return []
        }
    }

    /// PADI (to every AC: `acMAC` nil) or PADR towards the WAN. Whatever Relay-Session-Id tags
    /// the client sent are set aside and replaced by one of ours naming this very request; the
    /// client gets its own back on the answer. So no value a LAN host chooses ever routes an
    /// answer, and a client behind another relay still sees its tags echoed (RFC 2516 §5 asks
    /// a relay to use an existing tag instead; doing that would let a LAN host steer answers).
    private mutating func relayRequest(_ packet: DiscoveryPacket, from client: ClientRef, to acMAC: MACAddress?,
                                       now: Int64) -> [OutgoingFrame] {
        guard packet.sessionID == 0 else {
            counters.droppedMalformed &+= 1
            return []
        }
        let clientTags = packet.tags.filter { $0.type == .relaySessionID }.map { $0.value }
        guard clientTags.count <= PendingRequests.foreignTagCountLimit,
              clientTags.reduce(0, { $0 + 4 + $1.count }) <= PendingRequests.foreignTagLimit else {
            counters.droppedNoRoomForRelayTag &+= 1
            return []
        }
        // The size with our tag is known before the tag is: nothing is recorded for a frame that cannot go.
        var request = Self.replacingRelayTags(of: packet, with: [Array(repeating: 0, count: RelaySessionTag.length)])
        guard request.frameLength <= PPPoEHeader.ethernetHeaderLength + Int(interfaces[0].mtu) else {
            counters.droppedNoRoomForRelayTag &+= 1
            return []
        }
        let hostUniq = packet.tag(.hostUniq)?.value
        let (index, nonce) = if let acMAC {
            discovery.request(from: client, to: acMAC, hostUniq: hostUniq, relayTags: clientTags, now: now)
        } else {
            discovery.discover(from: client, hostUniq: hostUniq, relayTags: clientTags, now: now)
        }
        let tag = RelaySessionTag(instance: instance, request: UInt16(index), nonce: nonce)
        request = Self.replacingRelayTags(of: packet, with: [tag.value])
        request.destination = acMAC ?? .broadcast
        request.source = wanMAC
        note("\(packet.code == .padi ? "PADI" : "PADR") from \(client.mac) on \(interfaces[Int(client.lanSlot)].name) "
            + "relayed to \(acMAC.map { "AC \($0)" } ?? "every AC") on \(interfaces[0].name)")
        return [OutgoingFrame(slot: SessionTable.wanSlot, bytes: request.serialized())]
    }

    /// The packet with every Relay-Session-Id removed and `values` put where the first one was
    /// (or in front of End-Of-List, or at the end).
    static func replacingRelayTags(of packet: DiscoveryPacket, with values: [[UInt8]]) -> DiscoveryPacket {
        var copy = packet
        let position = copy.tags.firstIndex { $0.type == .relaySessionID }
            ?? copy.tags.firstIndex { $0.type == .endOfList } ?? copy.tags.count
        let before = copy.tags[..<position].filter { $0.type != .relaySessionID }
        let after = copy.tags[position...].filter { $0.type != .relaySessionID }
        copy.tags = before + values.map { Tag(.relaySessionID, $0) } + after
        return copy
    }

    private mutating func fromAccessConcentrator(_ packet: DiscoveryPacket, now: Int64) -> [OutgoingFrame] {
        switch packet.code {
        case .padi, .padr:
            // Other hosts' requests on the WAN segment: not for a relay to answer.
            counters.droppedWrongDirection &+= 1
            return []
        default:
            break
        }
        guard packet.destination == wanMAC else { return notForUs() }
        switch packet.code {
        case .pado:
            guard let index = recipient(of: packet, now: now) else { return [] }
            guard policy.allows(acName: packet.tag(.acName)?.value,
                                serviceNames: packet.tags.filter { $0.type == .serviceName }.map { $0.value }) else {
                counters.droppedACPolicy &+= 1
                note("PADO from AC \(packet.source) dropped by policy: AC-Name \(Self.quoted(packet.tag(.acName)?.value))")
                return []
            }
            guard discovery.noteOffer(acMAC: packet.source, cookie: packet.tag(.acCookie)?.value,
                                      acName: packet.tag(.acName)?.value, at: index, now: now) == .kept else {
                counters.droppedOfferLimit &+= 1
                return []
            }
            let record = discovery.record(index)!
            note("PADO from AC \(packet.source) (AC-Name \(Self.quoted(packet.tag(.acName)?.value))) relayed to "
                + "\(record.client.mac) on \(interfaces[Int(record.client.lanSlot)].name)")
            return [deliver(packet, to: record.client, restoring: record.padiRelayTags, sessionID: 0)]
        case .pads:
            guard let index = recipient(of: packet, now: now) else { return [] }
            return sessionConfirmed(packet, request: index, now: now)
        case .padt:
            guard let index = table.find(ac: SessionKey(slot: SessionTable.wanSlot, mac: packet.source, sessionID: packet.sessionID)),
                  let session = endSession(at: index, reason: .padtFromAC, now: now) else {
                counters.droppedUnmatchedPADT &+= 1
                return []
            }
            return [retarget(packet, to: session.clientMAC, from: macs[Int(session.lanSlot)],
                             sessionID: session.clientSessionID, slot: session.lanSlot)]
        case .padm, .padn:
            guard let index = table.find(ac: SessionKey(slot: SessionTable.wanSlot, mac: packet.source, sessionID: packet.sessionID)) else {
                return notOurs()
            }
            let session = table.session(at: index).pointee
            return [retarget(packet, to: session.clientMAC, from: macs[Int(session.lanSlot)],
                             sessionID: session.clientSessionID, slot: session.lanSlot)]
        case .padi, .padr:
            return []
        }
    }

    /// The pending request a PADO or PADS answers, or nil (counted): our tag must name a request
    /// still waiting for this kind of answer (a PADS: from the AC its PADR went to); an answer
    /// without our tag is routed by the fallback; one with only other relays' tags is not ours.
    private mutating func recipient(of packet: DiscoveryPacket, now: Int64) -> Int? {
        let relayTags = packet.tags.filter { $0.type == .relaySessionID }
        let instance = instance
        let ours = relayTags.lazy.compactMap { RelaySessionTag(value: $0.value, instance: instance) }.first
        if ours == nil && !relayTags.isEmpty {
            counters.droppedDiscoveryNotOurs &+= 1
            return nil
        }
        let routing = packet.code == .pado
            ? discovery.offerRecipient(tag: ours, untagged: packet, now: now)
            : discovery.confirmationRecipient(tag: ours, untagged: packet, now: now)
        switch routing {
        case let .to(index):
            guard let record = discovery.record(index), Int(record.client.lanSlot) < interfaces.count else { return nil }
            guard packet.code == .pads else { return index }
            // One PADS per PADR: a second, forged or repeated, finds none unanswered.
            discovery.confirmationTaken(at: index)
            // Only a PADS answering a real PADR marks its AC as one that echoes: it came from
            // the MAC the PADR went to, while that PADR was unanswered. A PADO, which anyone
            // who saw the broadcast PADI can forge, must not make the untagged fallback
            // distrust an AC that strips tags.
            if ours != nil { discovery.noteEcho(from: packet.source, now: now) }
            return index
        case .unsolicited: counters.droppedUnsolicitedAnswer &+= 1
        case .ambiguous: counters.droppedAmbiguousAnswer &+= 1
        case .notOurs: counters.droppedDiscoveryNotOurs &+= 1
        }
        return nil
    }

    /// PADS: the session exists from here on. It is entered in the table before the PADS is
    /// passed on, so the client's first LCP frame already finds it.
    private mutating func sessionConfirmed(_ packet: DiscoveryPacket, request index: Int, now: Int64) -> [OutgoingFrame] {
        let record = discovery.record(index)!
        let client = record.client
        guard packet.sessionID != 0 else {
            // The AC refused (Service-Name-Error and friends): pass the refusal on.
            note("PADS from AC \(packet.source) refuses \(client.mac) on \(interfaces[Int(client.lanSlot)].name): "
                + "\(Self.quoted((packet.tags.first { $0.type.rawValue & 0xFF00 == 0x0200 })?.value))")
            return [deliver(packet, to: client, restoring: record.padrRelayTags, sessionID: 0)]
        }
        let acKey = SessionKey(slot: SessionTable.wanSlot, mac: packet.source, sessionID: packet.sessionID)
        if let existing = table.find(ac: acKey) {
            // A retransmitted PADS for a session we already hold: repeat it with the same mapping.
            let session = table.session(at: existing).pointee
            guard session.lanSlot == client.lanSlot && session.clientMAC == client.mac else { return notOurs() }
            return [deliver(packet, to: client, restoring: record.padrRelayTags, sessionID: session.clientSessionID)]
        }
        if policy.maxSessionsPerClient > 0, sessionsPerClient[client.mac, default: 0] >= policy.maxSessionsPerClient {
            counters.refusedClientLimit &+= 1
            noteRefusal(.clientLimit, packet, for: client, now: now)
            return refuse(packet, for: client, restoring: record.padrRelayTags,
                          reason: "pppoe-relay: session limit for this client reached")
        }
        guard !table.isFull,
              let clientID = table.clientSessionID(lanSlot: client.lanSlot, clientMAC: client.mac, preferred: packet.sessionID)
        else {
            counters.refusedTableFull &+= 1
            noteRefusal(.tableFull, packet, for: client, now: now)
            return refuse(packet, for: client, restoring: record.padrRelayTags, reason: "pppoe-relay: session table full")
        }
        let offer = discovery.offer(at: index, from: packet.source)
        var session = Session(lanSlot: client.lanSlot, clientMAC: client.mac, clientSessionID: clientID,
                              acMAC: packet.source, acSessionID: packet.sessionID, createdAt: now, lastActivity: now)
        let labels = SessionLabels(acName: offer?.acName ?? packet.tag(.acName)?.text ?? "",
                                   serviceName: packet.tag(.serviceName)?.text ?? "",
                                   maxPayload: packet.tag(.pppMaxPayload)?.maxPayload)
        (session.mssIPv4, session.mssIPv6) = mss.limits(maxPayload: labels.maxPayload)
        guard table.insert(session, labels: labels) != nil else { return notOurs() }
        counters.sessionsCreated &+= 1
        if policy.maxSessionsPerClient > 0 { sessionsPerClient[client.mac, default: 0] += 1 }
        events.append(.created(session))
        keep(SessionRecord(kind: .opened, session: session, labels: labels, at: now))
        discovery.sessionEstablished(at: index)
        return [deliver(packet, to: client, restoring: record.padrRelayTags, sessionID: clientID)]
    }

    /// No session for this PADS: the client gets it back with Generic-Error and no session id,
    /// the AC a PADT for the session it just opened.
    private func refuse(_ packet: DiscoveryPacket, for client: ClientRef, restoring tags: [[UInt8]],
                        reason: String) -> [OutgoingFrame] {
        var refusal = packet
        refusal.setTag(Tag(.genericError, text: reason))
        let toClient = deliver(refusal, to: client, restoring: tags, sessionID: 0)
        let toAC = makePADT(to: packet.source, from: wanMAC, sessionID: packet.sessionID,
                            slot: SessionTable.wanSlot, reason: reason)
        return [toClient, toAC]
    }

    /// An answer on its way to the client: from our LAN MAC, with the client's own
    /// Relay-Session-Id tags in place of ours.
    private func deliver(_ packet: DiscoveryPacket, to client: ClientRef, restoring tags: [[UInt8]],
                         sessionID: UInt16) -> OutgoingFrame {
        retarget(Self.replacingRelayTags(of: packet, with: tags), to: client.mac, from: macs[Int(client.lanSlot)],
                 sessionID: sessionID, slot: client.lanSlot)
    }

    // MARK: Devices coming and going

    /// A device came back, perhaps with a new ifindex or MAC: frames are addressed with it from now.
    public mutating func updateInterface(_ interface: RelayInterface, slot: UInt8) {
        interfaces[Int(slot)] = interface
        macs[Int(slot)] = interface.mac
    }

    /// A device went away: its sessions end, with PADT to the side that is still there (all
    /// clients when the WAN went, the AC when a LAN did).
    public mutating func endSessions(onSlot slot: UInt8, reason: String,
                                     now: Int64 = MonotonicClock.seconds()) -> [OutgoingFrame] {
        var out: [OutgoingFrame] = []
        for index in table.liveSlots {
            let session = table.session(at: index).pointee
            guard slot == SessionTable.wanSlot || session.lanSlot == slot,
                  let ended = endSession(at: index, reason: .deviceGone, now: now) else { continue }
            counters.padtSent &+= 1
            out.append(slot == SessionTable.wanSlot
                ? makePADT(to: ended.clientMAC, from: macs[Int(ended.lanSlot)], sessionID: ended.clientSessionID,
                           slot: ended.lanSlot, reason: reason)
                : makePADT(to: ended.acMAC, from: wanMAC, sessionID: ended.acSessionID,
                           slot: SessionTable.wanSlot, reason: reason))
        }
        return out
    }

    // MARK: Sessions a previous daemon held

    /// Takes over a session a previous daemon of this relay held (from its journal): same ids,
    /// counters and start, no discovery, no record, no event (the caller installs it in the
    /// kernel with the rest). False when the table is full or either key is taken.
    public mutating func adopt(_ session: Session, labels: SessionLabels) -> Bool {
        var session = session
        (session.mssIPv4, session.mssIPv6) = mss.limits(maxPayload: labels.maxPayload)
        guard table.insert(session, labels: labels) != nil else { return false }
        if policy.maxSessionsPerClient > 0 { sessionsPerClient[session.clientMAC, default: 0] += 1 }
        return true
    }

    /// A session a previous daemon held that this one cannot carry on (its LAN is no longer
    /// configured, or not there): PADT to each side this relay still reaches (`lanSlot` nil: only
    /// the AC; `toAC` false: only the client).
    /// A side whose address or id no session can have (a journal's values are checked, but this
    /// is the last step before a frame leaves) gets nothing: a PADT to a group address would end
    /// sessions that are not this one's.
    public mutating func endUnadopted(_ session: Session, lanSlot: UInt8?, toAC: Bool, reason: String) -> [OutgoingFrame] {
        var out: [OutgoingFrame] = []
        if let lanSlot, Int(lanSlot) > 0, Int(lanSlot) < interfaces.count,
           SessionJournal.isPeer(session.clientMAC), SessionJournal.isSessionID(session.clientSessionID) {
            out.append(makePADT(to: session.clientMAC, from: macs[Int(lanSlot)], sessionID: session.clientSessionID,
                                slot: lanSlot, reason: reason))
        }
        if toAC, SessionJournal.isPeer(session.acMAC), SessionJournal.isSessionID(session.acSessionID) {
            out.append(makePADT(to: session.acMAC, from: wanMAC, sessionID: session.acSessionID,
                                slot: SessionTable.wanSlot, reason: reason))
        }
        counters.padtSent &+= UInt64(out.count)
        return out
    }

    // MARK: Settings

    /// Changes MSS clamping for every session; the next SYN of each sees the new limits.
    public mutating func setMSS(_ setting: MSSSetting) {
        mss = setting
        for index in table.liveSlots {
            let limits = setting.limits(maxPayload: table.labels(at: index).maxPayload)
            table.session(at: index).pointee.mssIPv4 = limits.ipv4
            table.session(at: index).pointee.mssIPv6 = limits.ipv6
        }
    }

    // MARK: Ending sessions

    /// Sessions idle longer than the timeout get PADT on both sides and leave the table, at most
    /// `limit` of them; `expiryPending` says whether more were due.
    public mutating func expireIdle(now: Int64, limit: Int = .max) -> [OutgoingFrame] {
        discovery.prune(now: now)
        expiryPending = false
        guard idleTimeout > 0 else { return [] }
        var out: [OutgoingFrame] = []
        var ended = 0
        for index in table.liveSlots where now - table.session(at: index).pointee.lastActivity >= idleTimeout {
            guard ended < limit else {
                expiryPending = true
                break
            }
            out += terminate(at: index, reason: "pppoe-relay: idle timeout", cause: .idleTimeout, now: now)
            ended += 1
        }
        return out
    }

    /// Every session ends with PADT to both sides: the relay is stopping (or the WAN went down:
    /// `cause` says which, for the log; `reason` goes in the PADTs).
    public mutating func terminateAll(reason: String, cause: SessionEndReason = .relayStopped,
                                      now: Int64 = MonotonicClock.seconds()) -> [OutgoingFrame] {
        table.liveSlots.flatMap { terminate(at: $0, reason: reason, cause: cause, now: now) }
    }

    private mutating func terminate(at index: Int32, reason: String, cause: SessionEndReason, now: Int64) -> [OutgoingFrame] {
        guard let session = endSession(at: index, reason: cause, now: now) else { return [] }
        counters.padtSent &+= 2
        return [
            makePADT(to: session.clientMAC, from: macs[Int(session.lanSlot)], sessionID: session.clientSessionID,
                     slot: session.lanSlot, reason: reason),
            makePADT(to: session.acMAC, from: wanMAC, sessionID: session.acSessionID,
                     slot: SessionTable.wanSlot, reason: reason),
        ]
    }

    private mutating func endSession(at index: Int32, reason: SessionEndReason, now: Int64) -> Session? {
        let labels = table.labels(at: index)
        guard let session = table.remove(at: index) else { return nil }
        keep(SessionRecord(kind: .closed(reason), session: session, labels: labels, at: now))
        counters.sessionsEnded &+= 1
        if let held = sessionsPerClient[session.clientMAC] {
            sessionsPerClient[session.clientMAC] = held > 1 ? held - 1 : nil
        }
        events.append(.ended(session))
        return session
    }

    /// The sessions created and ended since the last call, in the order they happened.
    public mutating func takeSessionEvents() -> [SessionEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: What the daemon logs

    /// Records kept between two `takeSessionRecords`: a whole table ending at once, plus room
    /// for what discovery opens meanwhile.
    var recordLimit: Int { table.capacity + 4096 }
    static let decisionLimit = 256

    private mutating func keep(_ entry: SessionRecord) {
        guard records.count < recordLimit else {
            recordsLost &+= 1
            return
        }
        records.append(entry)
    }

    private mutating func noteRefusal(_ refusal: SessionRefusal, _ packet: DiscoveryPacket, for client: ClientRef,
                                      now: Int64) {
        let session = Session(lanSlot: client.lanSlot, clientMAC: client.mac, clientSessionID: 0, acMAC: packet.source,
                              acSessionID: packet.sessionID, createdAt: now, lastActivity: now)
        let labels = SessionLabels(acName: packet.tag(.acName)?.text ?? "", serviceName: packet.tag(.serviceName)?.text ?? "")
        keep(SessionRecord(kind: .refused(refusal), session: session, labels: labels, at: now))
    }

    /// The kernel dataplane's counters as read just before it removes ended sessions: added to
    /// the closed records not settled yet, so that a closed session's bytes include the last
    /// second the kernel forwarded.
    public mutating func settleClosedRecords(_ counts: [SessionKey: ForwardedCount]) {
        for i in settledRecords..<records.count {
            guard case .closed = records[i].kind else { continue }
            var session = records[i].session
            _ = Self.fold(counts[session.clientKey], into: &session.offloadedToAC, last: &session.kernelReadingToAC)
            _ = Self.fold(counts[session.acKey], into: &session.offloadedToClient, last: &session.kernelReadingToClient)
            records[i].session = session
        }
        settledRecords = records.count
    }

    /// Sessions opened, closed and refused since the last call, in order.
    public mutating func takeSessionRecords() -> [SessionRecord] {
        defer {
            records.removeAll(keepingCapacity: true)
            settledRecords = 0
        }
        return records
    }

    /// One line per discovery decision, for `--verbose`.
    public var notesDiscovery: Bool {
        get { notes.enabled }
        set { notes.enabled = newValue }
    }

    /// Decisions not noted because the daemon had not taken the earlier ones.
    public var decisionsLost: UInt64 { notes.lost }

    /// Discovery decisions since the last call (only with `notesDiscovery`).
    public mutating func takeDiscoveryNotes() -> [String] {
        defer { notes.lines.removeAll(keepingCapacity: true) }
        return notes.lines
    }

    /// Builds the line only when someone reads it: without `--verbose`, a decision costs a compare.
    private func note(_ text: @autoclosure () -> String) {
        guard notes.enabled else { return }
        guard notes.lines.count < Self.decisionLimit else {
            notes.lost &+= 1
            return
        }
        notes.lines.append(text())
    }

    /// A name from the wire, quoted and escaped for a log line.
    static func quoted(_ value: [UInt8]?) -> String {
        guard let value else { return "(none)" }
        return "\"" + TerminalText.escaped(TerminalText.decoding(value.prefix(64))) + "\""
    }

    /// Folds a kernel dataplane's counters into the sessions: traffic the kernel forwarded
    /// counts for the session's statistics and keeps it from idling out.
    /// - Parameter slots: the sessions that were read (nil: all of them).
    public mutating func applyForwardedCounts(_ counts: [SessionKey: ForwardedCount], now: Int64, slots: [Int32]? = nil) {
        for index in slots ?? table.liveSlots {
            var session = table.session(at: index).pointee
            let toAC = Self.fold(counts[session.clientKey], into: &session.offloadedToAC, last: &session.kernelReadingToAC)
            let toClient = Self.fold(counts[session.acKey], into: &session.offloadedToClient,
                                     last: &session.kernelReadingToClient)
            guard toAC != 0 || toClient != 0 else { continue }
            counters.kernelFramesToAC &+= toAC
            counters.kernelFramesToClient &+= toClient
            session.lastActivity = now
            table.session(at: index).pointee = session
        }
    }

    /// Adds what a kernel counter gained since `last` to `total`; returns the packets gained.
    /// A reading below the last one means the counter restarted with a rebuilt table: all of it
    /// is new. Without that, a busy session would look idle until it passed its old count.
    private static func fold(_ reading: ForwardedCount?, into total: inout ForwardedCount,
                             last: inout ForwardedCount) -> UInt64 {
        guard let reading else { return 0 }
        let restarted = reading.packets < last.packets || reading.bytes < last.bytes
        let packets = restarted ? reading.packets : reading.packets - last.packets
        let bytes = restarted ? reading.bytes : reading.bytes - last.bytes
        total.packets = total.packets.saturatingAdding(packets)
        total.bytes = total.bytes.saturatingAdding(bytes)
        last = reading
        return packets
    }

    mutating func noteOffloadFailure() { counters.offloadInstallFailed &+= 1 }

    /// Folds the kernel's running counts of policed PADIs into the counters; counts that went
    /// down started again with a rebuilt table.
    public mutating func notePolicedPADIs(perClient: UInt64, overall: UInt64) {
        counters.kernelPolicedPADIClient &+= perClient >= policedReading.perClient ? perClient - policedReading.perClient : perClient
        counters.kernelPolicedPADIOverall &+= overall >= policedReading.overall ? overall - policedReading.overall : overall
        policedReading = (perClient, overall)
    }

    // MARK: Frame helpers

    private func retarget(_ packet: DiscoveryPacket, to destination: MACAddress, from source: MACAddress,
                          sessionID: UInt16, slot: UInt8) -> OutgoingFrame {
        var copy = packet
        copy.destination = destination
        copy.source = source
        copy.sessionID = sessionID
        return OutgoingFrame(slot: slot, bytes: copy.serialized())
    }

    private func makePADT(to destination: MACAddress, from source: MACAddress, sessionID: UInt16,
                          slot: UInt8, reason: String) -> OutgoingFrame {
        let padt = DiscoveryPacket(destination: destination, source: source, code: .padt, sessionID: sessionID,
                                   tags: [Tag(.genericError, text: reason)])
        return OutgoingFrame(slot: slot, bytes: padt.serialized())
    }

    private mutating func notForUs() -> [OutgoingFrame] {
        counters.droppedNotForUs &+= 1
        return []
    }

    private mutating func notOurs() -> [OutgoingFrame] {
        counters.droppedDiscoveryNotOurs &+= 1
        return []
    }
}

/// Discovery decisions for `--verbose`. A class, so that a decision deep inside a mutating
/// method can be noted with a line built from the core's own state.
private final class DiscoveryNotes {
    var enabled = false
    var lines: [String] = []
    var lost: UInt64 = 0
}
