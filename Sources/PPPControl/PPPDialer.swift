/// What a dial-up is given: the account, and the values that would otherwise be random (so the
/// dialer stays pure and its tests exact).
public struct DialConfiguration: Sendable {
    public var user: [UInt8]
    public var password: [UInt8]
    public var mru: UInt16
    public var magicNumber: UInt32
    /// 16 random bytes for MS-CHAPv2's Peer-Challenge.
    public var peerChallenge: [UInt8]
    /// 8 random bytes, not all zero, for IPv6CP.
    public var interfaceIdentifier: [UInt8]
    /// How long after IPCP opens the dialer waits for IPv6CP before it counts it as not offered.
    public var ipv6Grace: Double = 3
    public var restartInterval: Double = 3
    /// The authentication methods the AC may have; any other is refused and its client never
    /// runs, so the password is not sent for it (PAP's would go in clear).
    public var allowed: [AuthenticationProtocol] = AuthenticationProtocol.all

    public init(user: [UInt8], password: [UInt8], mru: UInt16, magicNumber: UInt32, peerChallenge: [UInt8],
                interfaceIdentifier: [UInt8]) {
        self.user = user
        self.password = password
        self.mru = mru
        self.magicNumber = magicNumber
        self.peerChallenge = peerChallenge
        self.interfaceIdentifier = interfaceIdentifier
    }
}

/// The PPP phase a dial-up is in (RFC 1661 §3.2).
public enum DialPhase: String, Sendable {
    case link, authentication, network, terminating
}

/// What happened, in order, for the report. Bytes from the wire stay bytes: the caller escapes.
public enum DialEvent: Equatable, Sendable {
    /// `nakkedMRU`: an MRU the AC asked for first, which the link cannot carry, and we Nakked.
    case linkOpened(mru: UInt16?, authentication: AuthenticationProtocol?, nakkedMRU: UInt16?)
    /// The AC asked for an authentication method `allowed` leaves out and LCP did not open: the
    /// method, and what was allowed. No password was sent.
    case authenticationNotAllowed(AuthenticationProtocol, allowed: [AuthenticationProtocol])
    case authenticated(AuthenticationProtocol, message: [UInt8])
    case authenticationFailed(AuthenticationProtocol, message: [UInt8])
    case ipv4Configured(address: [UInt8], peer: [UInt8]?, dns: [[UInt8]])
    case ipv6Configured(local: [UInt8], peer: [UInt8]?)
    case ipv6NotOffered
    /// A phase could not complete: negotiation gave up, the AC rejected the protocol, the time ran out.
    case failed(DialPhase, reason: String)
    /// The AC sent LCP Terminate-Request; its data (often a reason in text).
    case peerTerminated(DialPhase, message: [UInt8])
    /// LCP is down after our Terminate-Request: the link may be ended (PADT).
    case hungUp
}

public enum DialOutput: Equatable, Sendable {
    case send(PPPProtocol, [UInt8])
    case event(DialEvent)
}

/// One dial-up from LCP to LCP Terminate: LCP (with the RFC 2516 rules), the authentication
/// the AC asks for, IPCP and IPv6CP, then a clean hang-up. Events in (frames, the clock), frames
/// and events out; `nextDeadline` says when to call `advance` next.
public struct PPPDialer {
    public private(set) var phase: DialPhase = .link
    public private(set) var finished = false
    /// Whether anything failed; a dial-up that succeeded still hangs up, then finishes.
    public private(set) var failed = false

    private let configuration: DialConfiguration
    private var lcp: NegotiationAutomaton<LCPPolicy>
    private var ipcp: NegotiationAutomaton<IPCPPolicy>
    private var ipv6cp: NegotiationAutomaton<IPv6CPPolicy>
    private var pap: PAPClient?
    private var chap: CHAPClient?
    private var ipv6Settled = false
    private var ipv4Settled = false
    private var deadlines: [Timer: Double] = [:]
    private var outputs: [DialOutput] = []

    private enum Timer: Hashable { case lcp, authentication, ipcp, ipv6cp, ipv6Grace }

    public init(configuration: DialConfiguration) {
        self.configuration = configuration
        lcp = NegotiationAutomaton(protocolNumber: .lcp,
                                   policy: LCPPolicy(mru: configuration.mru, magicNumber: configuration.magicNumber,
                                                     allowed: configuration.allowed))
        ipcp = NegotiationAutomaton(protocolNumber: .ipcp, policy: IPCPPolicy())
        ipv6cp = NegotiationAutomaton(protocolNumber: .ipv6cp,
                                      policy: IPv6CPPolicy(interfaceIdentifier: configuration.interfaceIdentifier))
        lcp.restartInterval = configuration.restartInterval
        ipcp.restartInterval = configuration.restartInterval
        ipv6cp.restartInterval = configuration.restartInterval
    }

    /// The earliest time `advance` has work to do, nil when nothing is timed.
    public var nextDeadline: Double? { deadlines.values.min() }

    /// The session exists (PADS): LCP starts.
    public mutating func start(now: Double) -> [DialOutput] {
        apply(lcp: lcp.open(), now: now)
        apply(lcp: lcp.up(), now: now)
        return flush()
    }

    /// Runs every timer due at `now`.
    public mutating func advance(now: Double) -> [DialOutput] {
        for (timer, deadline) in deadlines where deadline <= now {
            deadlines[timer] = nil
            switch timer {
            case .lcp: apply(lcp: lcp.timeout(), now: now)
            case .ipcp: apply(ipcp: ipcp.timeout(), now: now)
            case .ipv6cp: apply(ipv6cp: ipv6cp.timeout(), now: now)
            case .authentication:
                if var client = pap {
                    let actions = client.timeout()
                    pap = client
                    apply(authentication: actions, algorithm: .pap, now: now)
                }
            case .ipv6Grace:
                if !ipv6Settled { settleIPv6(now: now) }
            }
        }
        return flush()
    }

    /// The caller's own time limit ran out: the current phase fails, and the link is closed
    /// (or, already closing, given up).
    public mutating func giveUp(now: Double) -> [DialOutput] {
        guard !finished else { return [] }
        if phase == .terminating {
            finish()
        } else if let refusing = refusingProtocol {
            // It answered, and kept asking for what we refuse: that is the failure, not silence.
            refusalFailure(refusing)
            hangUp(now: now)
        } else {
            fail(phase, "no answer from the access concentrator in time")
            hangUp(now: now)
        }
        return flush()
    }

    /// The phase whose negotiation is stuck on the AC's options: LCP (link) or IPCP (network)
    /// has refused the AC's last Configure-Request and is not open. Nil when nothing is refused,
    /// so that a time limit running out then means the AC fell silent.
    public var refusingProtocol: DialPhase? {
        guard phase != .terminating, !finished else { return nil }
        if !lcp.isOpened, lcp.refusalsInARow > 0 { return .link }
        if phase == .network, !ipcp.isOpened, ipcp.refusalsInARow > 0 { return .network }
        return nil
    }

    /// Reports a negotiation the AC keeps failing with options we refuse, naming them; an
    /// authentication method left out of `allowed` is its own event.
    private mutating func refusalFailure(_ phase: DialPhase) {
        if phase == .link, let method = lcp.policy.refusedAuthentication {
            failed = true
            outputs.append(.event(.authenticationNotAllowed(method, allowed: lcp.policy.allowed)))
        } else if phase == .link {
            fail(.link, "LCP did not open: the access concentrator insists on "
                 + lcp.policy.describe(lcp.refusedOptions) + Self.refusals(lcp.refusalsInARow))
        } else {
            fail(.network, "IPCP did not open: the access concentrator insists on "
                 + ipcp.policy.describe(ipcp.refusedOptions) + Self.refusals(ipcp.refusalsInARow))
        }
    }

    private static func refusals(_ count: Int) -> String {
        ", which the check refuses (" + (count == 1 ? "its Configure-Request" : "\(count) Configure-Requests in a row")
            + " refused)"
    }

    /// The protocols this dialer speaks or carries: never Protocol-Rejected, even when malformed.
    static let knownProtocols: Set<PPPProtocol> = [.lcp, .pap, .chap, .ipcp, .ipv6cp, .ipv4, .ipv6]

    /// A PPP frame from the AC: its protocol field and what follows it.
    public mutating func receive(protocol number: UInt16, payload: [UInt8], now: Double) -> [DialOutput] {
        guard !finished else { return [] }
        let proto = PPPProtocol(rawValue: number)
        guard let packet = try? ControlPacket(parsing: payload) else {
            // A malformed packet of a protocol we speak is dropped silently (RFC 1661 5.); only a
            // protocol we do not speak at all earns a Protocol-Reject.
            if lcp.isOpened, !Self.knownProtocols.contains(proto) { protocolReject(number, payload) }
            return flush()
        }
        switch proto {
        case .lcp: receiveLCP(packet, now: now)
        case .pap where phase == .authentication:
            if var client = pap {
                let actions = client.receive(packet)
                pap = client
                apply(authentication: actions, algorithm: .pap, now: now)
            }
        case .chap where phase == .authentication:
            if var client = chap {
                let actions = client.receive(packet)
                chap = client
                apply(authentication: actions, algorithm: client.algorithm, now: now)
            }
        case .ipcp where phase == .network:
            apply(ipcp: ipcp.receive(packet), now: now)
            if ipcp.peerInsists, refusingProtocol == .network {
                refusalFailure(.network)
                hangUp(now: now)
            }
        case .ipv6cp where phase == .network:
            apply(ipv6cp: ipv6cp.receive(packet), now: now)
            // IPv6 is optional: an AC insisting on IPv6CP options we refuse has not offered it.
            if ipv6cp.peerInsists, !ipv6cp.isOpened, !ipv6Settled {
                apply(ipv6cp: ipv6cp.close(), now: now)
                settleIPv6(now: now)
            }
        case .pap, .chap, .ipcp, .ipv6cp, .ipv4, .ipv6: break
        default:
            if lcp.isOpened { protocolReject(number, payload) }
        }
        return flush()
    }

    // MARK: LCP

    private mutating func receiveLCP(_ packet: ControlPacket, now: Double) {
        switch packet.code {
        case ControlCode.protocolReject:
            guard packet.data.count >= 2 else { return }
            let rejected = PPPProtocol(rawValue: UInt16(packet.data[0]) << 8 | UInt16(packet.data[1]))
            if rejected == .ipv6cp { apply(ipv6cp: ipv6cp.protocolRejected(), now: now) }
            if rejected == .ipcp { apply(ipcp: ipcp.protocolRejected(), now: now) }
        case ControlCode.echoRequest:
            guard lcp.isOpened else { return }
            let magic = ConfigurationOption.number(type: 0, lcp.policy.magicNumber, width: 4).data
            outputs.append(.send(.lcp, ControlPacket(code: ControlCode.echoReply, identifier: packet.identifier,
                                                     data: magic + packet.data.dropFirst(4)).serialized()))
        case ControlCode.echoReply, ControlCode.discardRequest:
            break
        case ControlCode.terminateRequest:
            if phase != .terminating {
                // An AC that hangs up because we refused its authentication: the refusal comes first.
                if refusingProtocol == .link, lcp.policy.refusedAuthentication != nil { refusalFailure(.link) }
                outputs.append(.event(.peerTerminated(phase, message: packet.data)))
                failed = true
                phase = .terminating
            }
            apply(lcp: lcp.receive(packet), now: now)
        default:
            apply(lcp: lcp.receive(packet), now: now)
            if lcp.peerInsists, refusingProtocol == .link {
                refusalFailure(.link)
                hangUp(now: now)
            }
        }
    }

    private mutating func apply(lcp actions: [NegotiationAutomaton<LCPPolicy>.Action], now: Double) {
        for action in actions {
            switch action {
            case let .send(packet): outputs.append(.send(.lcp, packet.serialized()))
            case .armTimer: deadlines[.lcp] = now + lcp.restartInterval
            case .layerUp: linkOpened(now: now)
            case .layerFinished:
                if phase == .terminating {
                    outputs.append(.event(.hungUp))
                } else if refusingProtocol == .link {
                    refusalFailure(.link)
                } else {
                    fail(.link, "LCP negotiation did not converge (\(lcp.maxConfigure) Configure-Requests)")
                }
                finish()
            case .layerDown, .layerStarted: break
            }
        }
        if !lcp.timerRunning { deadlines[.lcp] = nil }
    }

    private mutating func linkOpened(now: Double) {
        let policy = lcp.policy
        outputs.append(.event(.linkOpened(mru: policy.peerMRU, authentication: policy.authentication,
                                          nakkedMRU: policy.nakkedPeerMRU)))
        if let method = policy.authentication, !policy.allowed.contains(method) {
            // The policy never acknowledges such a method; should it ever, no client starts.
            failed = true
            outputs.append(.event(.authenticationNotAllowed(method, allowed: policy.allowed)))
            hangUp(now: now)
            return
        }
        switch policy.authentication {
        case nil:
            startNetwork(now: now)
        case .pap?:
            phase = .authentication
            var client = PAPClient(user: configuration.user, password: configuration.password)
            let actions = client.start()
            pap = client
            apply(authentication: actions, algorithm: .pap, now: now)
        case let algorithm?:
            phase = .authentication
            chap = CHAPClient(algorithm: algorithm, user: configuration.user, password: configuration.password,
                              peerChallenge: configuration.peerChallenge)
        }
    }

    // MARK: authentication

    private mutating func apply(authentication actions: [AuthenticationAction], algorithm: AuthenticationProtocol,
                                now: Double) {
        for action in actions {
            switch action {
            case let .send(proto, packet): outputs.append(.send(proto, packet.serialized()))
            case .armTimer: deadlines[.authentication] = now + configuration.restartInterval
            case let .succeeded(message):
                deadlines[.authentication] = nil
                outputs.append(.event(.authenticated(algorithm, message: message)))
                startNetwork(now: now)
            case let .failed(message):
                deadlines[.authentication] = nil
                failed = true
                outputs.append(.event(.authenticationFailed(algorithm, message: message)))
                hangUp(now: now)
            }
        }
    }

    // MARK: network

    private mutating func startNetwork(now: Double) {
        phase = .network
        apply(ipcp: ipcp.open(), now: now)
        apply(ipcp: ipcp.up(), now: now)
        apply(ipv6cp: ipv6cp.open(), now: now)
        apply(ipv6cp: ipv6cp.up(), now: now)
    }

    private mutating func apply(ipcp actions: [NegotiationAutomaton<IPCPPolicy>.Action], now: Double) {
        for action in actions {
            switch action {
            case let .send(packet): outputs.append(.send(.ipcp, packet.serialized()))
            case .armTimer: deadlines[.ipcp] = now + ipcp.restartInterval
            case .layerUp:
                let policy = ipcp.policy
                outputs.append(.event(.ipv4Configured(address: policy.address, peer: policy.peerAddress,
                                                      dns: policy.dnsServers)))
                ipv4Settled = true
                if !ipv6Settled { deadlines[.ipv6Grace] = now + configuration.ipv6Grace }
                networkSettled(now: now)
            case .layerFinished where phase == .network:
                fail(.network, "IPCP did not open: the access concentrator gave no IPv4 configuration")
                hangUp(now: now)
            case .layerFinished, .layerDown, .layerStarted: break
            }
        }
        if !ipcp.timerRunning { deadlines[.ipcp] = nil }
    }

    private mutating func apply(ipv6cp actions: [NegotiationAutomaton<IPv6CPPolicy>.Action], now: Double) {
        for action in actions {
            switch action {
            case let .send(packet): outputs.append(.send(.ipv6cp, packet.serialized()))
            case .armTimer: deadlines[.ipv6cp] = now + ipv6cp.restartInterval
            case .layerUp:
                outputs.append(.event(.ipv6Configured(local: ipv6cp.policy.interfaceIdentifier,
                                                      peer: ipv6cp.policy.peerInterfaceIdentifier)))
                ipv6Settled = true
                deadlines[.ipv6Grace] = nil
                networkSettled(now: now)
            case .layerFinished where phase == .network && !ipv6Settled:
                settleIPv6(now: now)
            case .layerFinished, .layerDown, .layerStarted: break
            }
        }
        if !ipv6cp.timerRunning { deadlines[.ipv6cp] = nil }
    }

    private mutating func settleIPv6(now: Double) {
        ipv6Settled = true
        deadlines[.ipv6Grace] = nil
        deadlines[.ipv6cp] = nil
        outputs.append(.event(.ipv6NotOffered))
        networkSettled(now: now)
    }

    /// Both network protocols have their answer: the check is done, hang up.
    private mutating func networkSettled(now: Double) {
        if ipv4Settled && ipv6Settled && phase == .network { hangUp(now: now) }
    }

    // MARK: ending

    private mutating func hangUp(now: Double) {
        guard phase != .terminating else { return }
        phase = .terminating
        deadlines[.authentication] = nil
        deadlines[.ipcp] = nil
        deadlines[.ipv6cp] = nil
        deadlines[.ipv6Grace] = nil
        apply(lcp: lcp.close(), now: now)
        if !lcp.timerRunning, !finished {
            outputs.append(.event(.hungUp))
            finish()
        }
    }

    private mutating func fail(_ phase: DialPhase, _ reason: String) {
        failed = true
        outputs.append(.event(.failed(phase, reason: reason)))
    }

    private mutating func finish() {
        finished = true
        deadlines = [:]
    }

    private mutating func protocolReject(_ number: UInt16, _ payload: [UInt8]) {
        // The rejected packet, cut so the reject fits the peer's MRU (RFC 1661 §5.7).
        let data = [UInt8(number >> 8), UInt8(number & 0xff)] + payload.prefix(1400)
        outputs.append(.send(.lcp, ControlPacket(code: ControlCode.protocolReject, identifier: nextRejectIdentifier(),
                                                 data: data).serialized()))
    }

    private var rejectIdentifier: UInt8 = 0x80
    private mutating func nextRejectIdentifier() -> UInt8 {
        rejectIdentifier &+= 1
        return rejectIdentifier
    }

    private mutating func flush() -> [DialOutput] {
        defer { outputs = [] }
        return outputs
    }
}
