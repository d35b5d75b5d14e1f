/// The option negotiation automaton of RFC 1661 §4, for LCP and the NCPs: events in, actions
/// out. Time is an event like any other: the caller runs the restart timer (it arms it when an
/// action says so, disarms it when `timerRunning` turns false) and reports its expiry with
/// `timeout()`. The restart counter counts Configure- and Terminate-Requests as §4.6 says.
public struct NegotiationAutomaton<Policy: ConfigurationPolicy> {
    public enum State: Int, Sendable {
        case initial, starting, closed, stopped, closing, stopping, requestSent, ackReceived, ackSent, opened
    }

    /// What the caller must do, in order.
    public enum Action: Equatable, Sendable {
        case send(ControlPacket)
        /// (Re)start the restart timer with `restartInterval`.
        case armTimer
        case layerUp
        case layerDown
        case layerStarted
        case layerFinished
    }

    public let protocolNumber: PPPProtocol
    public private(set) var state: State = .initial
    public var policy: Policy
    public var restartInterval: Double = 3
    public var maxConfigure = 10
    public var maxTerminate = 2
    /// RFC 1661 §4.6 Max-Failure: after this many Naks of ours in a row, reject instead.
    public var maxFailure = 5
    /// After this many of the peer's Configure-Requests in a row refused (Nak or Reject), the
    /// negotiation has failed: the peer answers, but insists on what we will not accept, and
    /// RFC 1661 sets no limit of its own for that (an Ack of ours resets the restart counter).
    public var maxRefusals = 10
    /// How many of the peer's Configure-Requests in a row we have refused; 0 after an Ack.
    public private(set) var refusalsInARow = 0
    /// The options of the peer's last Configure-Request that our answer refused, as the peer
    /// sent them (a Nak carries our counter-proposal, not what was asked); empty after an Ack.
    public private(set) var refusedOptions: [ConfigurationOption] = []

    /// The peer has insisted on what we refuse `maxRefusals` times in a row.
    public var peerInsists: Bool { refusalsInARow >= maxRefusals }

    private var restartCounter = 0
    private var nextIdentifier: UInt8 = 1
    private var outstanding: ControlPacket?
    private var naksSent = 0

    public init(protocolNumber: PPPProtocol, policy: Policy) {
        self.protocolNumber = protocolNumber
        self.policy = policy
    }

    /// Whether a restart timer belongs to this state (§4.2: it runs only while something is asked).
    public var timerRunning: Bool { [.closing, .stopping, .requestSent, .ackReceived, .ackSent].contains(state) }
    public var isOpened: Bool { state == .opened }

    // MARK: administrative and lower-layer events

    public mutating func up() -> [Action] {
        switch state {
        case .initial: state = .closed; return []
        case .starting:
            initializeRestartCount(maxConfigure)
            state = .requestSent
            return sendConfigureRequest()
        default: return []
        }
    }

    public mutating func down() -> [Action] {
        switch state {
        case .closed, .closing: state = .initial; return []
        case .stopped: state = .starting; return [.layerStarted]
        case .stopping, .requestSent, .ackReceived, .ackSent: state = .starting; return []
        case .opened: state = .starting; return [.layerDown]
        default: return []
        }
    }

    public mutating func open() -> [Action] {
        switch state {
        case .initial: state = .starting; return [.layerStarted]
        case .closed:
            initializeRestartCount(maxConfigure)
            state = .requestSent
            return sendConfigureRequest()
        case .closing: state = .stopping; return []
        default: return []
        }
    }

    public mutating func close() -> [Action] {
        switch state {
        case .starting: state = .initial; return [.layerFinished]
        case .stopped: state = .closed; return []
        case .stopping: state = .closing; return []
        case .requestSent, .ackReceived, .ackSent:
            initializeRestartCount(maxTerminate)
            state = .closing
            return sendTerminateRequest()
        case .opened:
            initializeRestartCount(maxTerminate)
            state = .closing
            return [.layerDown] + sendTerminateRequest()
        default: return []
        }
    }

    /// The restart timer expired: TO+ while the counter lasts, TO- when it is spent.
    public mutating func timeout() -> [Action] {
        guard timerRunning else { return [] }
        if restartCounter > 0 {
            switch state {
            case .closing, .stopping: return sendTerminateRequest()
            case .requestSent, .ackReceived: state = .requestSent; return sendConfigureRequest()
            case .ackSent: return sendConfigureRequest()
            default: return []
            }
        }
        switch state {
        case .closing: state = .closed
        default: state = .stopped
        }
        return [.layerFinished]
    }

    // MARK: packets from the peer

    /// A packet of this protocol from the peer. Codes above 7 are not the automaton's: LCP's
    /// caller handles Protocol-Reject, Echo and Discard itself; for the NCPs they are
    /// Code-Rejected here.
    public mutating func receive(_ packet: ControlPacket) -> [Action] {
        switch packet.code {
        case ControlCode.configureRequest: return receiveConfigureRequest(packet)
        case ControlCode.configureAck: return receiveConfigureAck(packet)
        case ControlCode.configureNak, ControlCode.configureReject: return receiveNakOrReject(packet)
        case ControlCode.terminateRequest: return receiveTerminateRequest(packet)
        case ControlCode.terminateAck: return receiveTerminateAck()
        case ControlCode.codeReject: return receiveCodeReject(packet)
        default:
            guard state.rawValue >= State.closed.rawValue else { return [] }
            return [.send(ControlPacket(code: ControlCode.codeReject, identifier: takeIdentifier(),
                                        data: packet.serialized()))]
        }
    }

    /// The peer rejected this whole protocol (an LCP Protocol-Reject naming it): RXJ-.
    public mutating func protocolRejected() -> [Action] { rejectedFatally() }

    private mutating func receiveConfigureRequest(_ packet: ControlPacket) -> [Action] {
        let options: [ConfigurationOption]
        do { options = try ConfigurationOption.parseList(packet.data) } catch { return [] }
        switch state {
        case .closed:
            return [.send(ControlPacket(code: ControlCode.terminateAck, identifier: packet.identifier))]
        case .closing, .stopping, .initial, .starting:
            return []
        default: break
        }
        var actions: [Action] = []
        if state == .stopped {
            initializeRestartCount(maxConfigure)
            actions += sendConfigureRequest()
        } else if state == .opened {
            actions.append(.layerDown)
            actions += sendConfigureRequest()
        }
        var verdict = policy.review(options)
        if case let .nak(nakked) = verdict {
            naksSent += 1
            if naksSent > maxFailure { verdict = .reject(nakked) }
        }
        switch verdict {
        case .acknowledge:
            refusalsInARow = 0
            refusedOptions = []
        case let .nak(refused), let .reject(refused):
            refusalsInARow += 1
            let types = Set(refused.map { $0.type })
            refusedOptions = options.filter { types.contains($0.type) }
        }
        switch verdict {
        case .acknowledge:
            naksSent = 0
            actions.append(.send(ControlPacket(code: ControlCode.configureAck, identifier: packet.identifier,
                                               data: packet.data)))
            if state == .ackReceived {
                state = .opened
                actions.append(.layerUp)
            } else {
                state = .ackSent
            }
        case let .nak(nakked):
            actions.append(.send(ControlPacket(code: ControlCode.configureNak, identifier: packet.identifier,
                                               data: ConfigurationOption.encode(nakked))))
            if state != .ackReceived { state = .requestSent }
        case let .reject(rejected):
            actions.append(.send(ControlPacket(code: ControlCode.configureReject, identifier: packet.identifier,
                                               data: ConfigurationOption.encode(rejected))))
            if state != .ackReceived { state = .requestSent }
        }
        return actions
    }

    private mutating func receiveConfigureAck(_ packet: ControlPacket) -> [Action] {
        switch state {
        case .closed, .stopped:
            return [.send(ControlPacket(code: ControlCode.terminateAck, identifier: packet.identifier))]
        case .requestSent, .ackReceived, .ackSent, .opened: break
        default: return []
        }
        // An Ack must answer our outstanding request exactly (§5.2), else it is silently dropped.
        guard let outstanding, packet.identifier == outstanding.identifier, packet.data == outstanding.data else { return [] }
        self.outstanding = nil
        switch state {
        case .requestSent:
            policy.acknowledged((try? ConfigurationOption.parseList(packet.data)) ?? [])
            initializeRestartCount(maxConfigure)
            state = .ackReceived
            return []
        case .ackSent:
            policy.acknowledged((try? ConfigurationOption.parseList(packet.data)) ?? [])
            initializeRestartCount(maxConfigure)
            state = .opened
            return [.layerUp]
        case .ackReceived:
            state = .requestSent
            return sendConfigureRequest()
        default:
            state = .requestSent
            return [.layerDown] + sendConfigureRequest()
        }
    }

    private mutating func receiveNakOrReject(_ packet: ControlPacket) -> [Action] {
        switch state {
        case .closed, .stopped:
            return [.send(ControlPacket(code: ControlCode.terminateAck, identifier: packet.identifier))]
        case .requestSent, .ackReceived, .ackSent, .opened: break
        default: return []
        }
        guard let outstanding, packet.identifier == outstanding.identifier,
              let options = try? ConfigurationOption.parseList(packet.data) else { return [] }
        self.outstanding = nil
        if packet.code == ControlCode.configureNak { policy.nakked(options) } else { policy.rejected(options) }
        switch state {
        case .requestSent, .ackSent:
            initializeRestartCount(maxConfigure)
            return sendConfigureRequest()
        case .ackReceived:
            state = .requestSent
            return sendConfigureRequest()
        default:
            state = .requestSent
            return [.layerDown] + sendConfigureRequest()
        }
    }

    private mutating func receiveTerminateRequest(_ packet: ControlPacket) -> [Action] {
        let ack = Action.send(ControlPacket(code: ControlCode.terminateAck, identifier: packet.identifier))
        switch state {
        case .closed, .stopped, .closing, .stopping: return [ack]
        case .requestSent, .ackReceived, .ackSent: state = .requestSent; return [ack]
        case .opened:
            // zrc: wait one restart interval for the peer to go, then finish (§4.4 Stopping).
            restartCounter = 0
            state = .stopping
            return [.layerDown, ack, .armTimer]
        default: return []
        }
    }

    private mutating func receiveTerminateAck() -> [Action] {
        switch state {
        case .closing: state = .closed; return [.layerFinished]
        case .stopping: state = .stopped; return [.layerFinished]
        case .ackReceived: state = .requestSent; return []
        case .opened: state = .requestSent; return [.layerDown] + sendConfigureRequest()
        default: return []
        }
    }

    /// A Code-Reject of one of codes 1-7 is catastrophic (RXJ-); of anything else, acceptable.
    private mutating func receiveCodeReject(_ packet: ControlPacket) -> [Action] {
        let rejectedCode = packet.data.first ?? 0
        if (1...7).contains(rejectedCode) { return rejectedFatally() }
        if state == .ackReceived { state = .requestSent }
        return []
    }

    private mutating func rejectedFatally() -> [Action] {
        switch state {
        case .closed, .closing: state = .closed; return [.layerFinished]
        case .stopped, .stopping, .requestSent, .ackReceived, .ackSent: state = .stopped; return [.layerFinished]
        case .opened:
            initializeRestartCount(maxTerminate)
            state = .stopping
            return [.layerDown] + sendTerminateRequest()
        default: return []
        }
    }

    // MARK: sending

    private mutating func initializeRestartCount(_ count: Int) { restartCounter = count }

    private mutating func takeIdentifier() -> UInt8 {
        defer { nextIdentifier &+= 1 }
        return nextIdentifier
    }

    private mutating func sendConfigureRequest() -> [Action] {
        restartCounter -= 1
        let packet = ControlPacket(code: ControlCode.configureRequest, identifier: takeIdentifier(),
                                   data: ConfigurationOption.encode(policy.request()))
        outstanding = packet
        return [.send(packet), .armTimer]
    }

    private mutating func sendTerminateRequest() -> [Action] {
        restartCounter -= 1
        return [.send(ControlPacket(code: ControlCode.terminateRequest, identifier: takeIdentifier())), .armTimer]
    }
}
