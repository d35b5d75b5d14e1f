import CShim
import Netlink
import PPPControl
import PPPoEWire
import Libc

/// What one check is asked to do.
public struct LineCheckOptions: Sendable {
    public var interface: String
    public var user: [UInt8]
    public var password: [UInt8]
    public var service: String
    public var acName: String?
    /// The whole check, discovery to hang-up, in seconds.
    public var timeout: Double
    /// The authentication methods the check may use (`--allow`); the AC asking for another is
    /// refused (code 34) and the password is not sent.
    public var allowed: [AuthenticationProtocol]

    public init(interface: String, user: [UInt8], password: [UInt8], service: String = "", acName: String? = nil,
                timeout: Double = 30, allowed: [AuthenticationProtocol] = AuthenticationProtocol.all) {
        self.interface = interface
        self.user = user
        self.password = password
        self.service = service
        self.acName = acName
        self.timeout = timeout
        self.allowed = allowed
    }
}

/// `relayctl check`: dials once on an interface with its own Host-Uniq, reports each step, and
/// hangs up (LCP Terminate, then PADT). The PPP logic is PPPControl's; this is the I/O around it.
public enum LineCheck {
    public static func run(_ options: LineCheckOptions) -> CheckReport {
        var run = Run(options: options)
        run.execute()
        return CheckReport(interface: options.interface, steps: run.steps)
    }
}

private struct Run {
    let options: LineCheckOptions
    var steps: [CheckStepReport] = []
    private var timedOut = false
    /// The time ran out while the AC insisted on options we refuse: the dialer's failure says so.
    private var refusalReported = false

    init(options: LineCheckOptions) { self.options = options }

    private mutating func add(_ step: CheckStep, _ text: String, _ fill: (inout CheckStepReport) -> Void = { _ in }) {
        var report = CheckStepReport(step, text)
        fill(&report)
        steps.append(report)
    }

    mutating func execute() {
        let lock: CheckLock
        do { lock = try CheckLock(interface: options.interface) } catch {
            if case .held = error {
                add(.alreadyRunning, "another check is running on \(options.interface)")
            } else if case let .failed(code) = error {
                add(.localError, "cannot take the check lock: \(String(cString: strerror(code)))")
            } else if case let .unsafeDirectory(reason) = error {
                add(.localError, "cannot take the check lock: \(reason)")
            } else if case .notAnInterfaceName = error {
                check()
            }
            return
        }
        check()
        // Held to here: the lock is free again only once the check has hung up.
        _ = consume lock
    }

    private mutating func check() {
        let link: LinkInfo
        do {
            var socket = try RouteSocket()
            link = try socket.link(named: options.interface)
        } catch {
            add(.localError, "no such interface: \(options.interface)")
            return
        }
        guard let mac = MACAddress(bytes: link.hardwareAddress), mac != .zero, !mac.isGroup else {
            add(.localError, "interface \(options.interface) has no Ethernet address")
            return
        }
        var packets: PacketLink
        do { packets = try PacketLink(interfaceIndex: link.index) } catch {
            add(.localError, error.description)
            return
        }
        var random = SystemRandomNumberGenerator()
        let hostUniq = (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }
        let maxPayload: UInt16? = link.mtu >= 1508 ? UInt16(min(link.mtu - 8, 65535)) : nil
        var discovery = DiscoveryExchange(ourMAC: mac, hostUniq: hostUniq, service: options.service,
                                          acName: options.acName, maxPayload: maxPayload)
        let deadline = Clock.now() + options.timeout
        guard let (sessionID, pads) = discover(&discovery, &packets, deadline: deadline) else { return }
        let offer = discovery.offer!
        // The MRU the session allows: 1492, or what the AC granted with PPP-Max-Payload (RFC 4638).
        let mru = pads.tag(.pppMaxPayload)?.maxPayload.map { min($0, maxPayload ?? 1492) } ?? 1492
        var configuration = DialConfiguration(
            user: options.user, password: options.password, mru: mru,
            magicNumber: UInt32.random(in: 1...UInt32.max, using: &random),
            peerChallenge: (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) },
            interfaceIdentifier: (0..<8).map { index in index == 0 ? 0x02 : UInt8.random(in: 0...255, using: &random) })
        configuration.allowed = options.allowed
        // The options and the configuration share the caller's password buffer (arrays are copied
        // only on write), and the caller zeroes it when the check is over. The dialer does make
        // copies: PAP's Authenticate-Request holds the password in the packet it resends (and in
        // each frame built from it), and the CHAP-MD5 and MS-CHAPv2 hash inputs hold it briefly.
        // Those hash inputs (and PAP's trimmed copy) are zeroed after use; the PAP request, its
        // frames, the digests' own padded working copies and the String MS-CHAPv2 decodes the
        // password into are not, and stay in this short-lived process's memory until it exits.
        var dialer = PPPDialer(configuration: configuration)
        let terminatedByAC = dial(&dialer, &packets, ac: offer.source, ourMAC: mac, sessionID: sessionID, deadline: deadline)
        if !terminatedByAC, let padt = discovery.padt(sessionID: sessionID) {
            try? packets.send(padt.serialized(), on: packets.discovery)
        }
        if let index = steps.lastIndex(where: { $0.code == CheckStep.hungUp.rawValue }) {
            steps[index].text += terminatedByAC ? "" : ", PADT sent"
        } else if !terminatedByAC {
            add(.hungUp, "PADT sent")
        }
    }

    // MARK: discovery

    private mutating func discover(_ discovery: inout DiscoveryExchange, _ packets: inout PacketLink,
                                   deadline: Double) -> (UInt16, DiscoveryPacket)? {
        // PADI, then PADR: each resent with its wait doubled (RFC 2516 §7), 1 s up to 8 s.
        var frame = discovery.padi().serialized()
        var probe = discovery.probePADI()?.serialized()
        var anyService: DiscoveryPacket?
        var interval = 1.0
        var resend = Clock.now()
        while true {
            let now = Clock.now()
            if now >= deadline {
                if discovery.offer == nil, let other = anyService {
                    let service = options.service
                    let name = other.tag(.acName)?.text ?? ""
                    let offered = other.tags.filter { $0.type == .serviceName }.map { "\"\($0.text)\"" }
                    add(.serviceNameError, "no access concentrator offers service \"\(options.service)\"; \"\(name)\" "
                        + "(\(other.source)) answers for any service" + (offered.isEmpty ? "" : ", offering "
                        + offered.joined(separator: " "))) { step in
                        step.acName = name
                        step.acMAC = other.source.description
                        step.service = service
                    }
                } else if discovery.offer == nil {
                    add(.noServer, "no access concentrator answered in \(Self.seconds(options.timeout))"
                        + (options.acName.map { " (none named \"\($0)\")" } ?? "")
                        + (options.service.isEmpty ? "" : " for service \"\(options.service)\""))
                } else {
                    add(.noSession, "the AC offered a session but sent no PADS in \(Self.seconds(options.timeout))")
                }
                return nil
            }
            if now >= resend {
                do {
                    try packets.send(frame, on: packets.discovery)
                    if let probe { try packets.send(probe, on: packets.discovery) }
                } catch {
                    add(.localError, error.description)
                    return nil
                }
                resend = now + interval
                interval = min(interval * 2, 8)
            }
            let arrival: PacketLink.Arrival
            do { arrival = try packets.receive(within: min(resend, deadline) - now) } catch {
                add(.localError, error.description)
                return nil
            }
            guard case let .discovery(bytes) = arrival else { continue }
            switch discovery.receive(bytes) {
            case .ignored, .terminated: continue
            case let .anyServiceOffer(pado):
                anyService = anyService ?? pado
            case let .offer(pado):
                probe = nil
                let name = pado.tag(.acName)?.text ?? ""
                add(.serverFound, "found access concentrator \"\(name)\" (\(pado.source))") { step in
                    step.acName = name
                    step.acMAC = pado.source.description
                    step.service = pado.tag(.serviceName)?.text
                }
                frame = discovery.padr()!.serialized()
                interval = 1
                resend = Clock.now()
            case let .refused(step, tag, message, packet):
                let service = options.service
                let what = packet.code == .pado ? "PADO" : "PADS"
                add(step, "the AC refused (\(what) with \(tag)): \(message)") { report in
                    report.message = message
                    report.acMAC = packet.source.description
                    report.acName = packet.tag(.acName)?.text
                    report.service = service
                }
                return nil
            case let .unusable(step, pads):
                steps.append(CheckNarration.unusableSession(step, pads: pads, service: options.service))
                return nil
            case let .confirmed(sessionID, pads):
                add(.sessionOpened, "session \(sessionID) with \(pads.source)") { $0.sessionID = Int(sessionID) }
                return (sessionID, pads)
            }
        }
    }

    // MARK: PPP

    /// Runs the dialer until it has hung up; true when the AC ended the session with PADT.
    private mutating func dial(_ dialer: inout PPPDialer, _ packets: inout PacketLink, ac: MACAddress,
                               ourMAC: MACAddress, sessionID: UInt16, deadline: Double) -> Bool {
        var lastChance = deadline + 3
        handle(dialer.start(now: Clock.now()), &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
        while !dialer.finished {
            let now = Clock.now()
            if now >= lastChance {
                handle(dialer.giveUp(now: now), &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
                handle(dialer.giveUp(now: now), &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
                break
            }
            if now >= deadline, !timedOut {
                timedOut = true
                if dialer.refusingProtocol != nil {
                    // The AC answered all along, insisting on what we refuse: not "no answer".
                    refusalReported = true
                } else {
                    add(.timedOut, "no answer from the AC in \(Self.seconds(options.timeout)) (\(dialer.phase.rawValue) phase)")
                }
                handle(dialer.giveUp(now: now), &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
                lastChance = now + 3
                continue
            }
            if let due = dialer.nextDeadline, due <= now {
                handle(dialer.advance(now: now), &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
                continue
            }
            let wake = min(dialer.nextDeadline ?? lastChance, timedOut ? lastChance : deadline)
            let arrival: PacketLink.Arrival
            do { arrival = try packets.receive(within: wake - now) } catch {
                add(.localError, error.description)
                return false
            }
            switch arrival {
            case .timeout: continue
            case let .discovery(bytes):
                if let packet = try? DiscoveryPacket(parsing: bytes), packet.code == .padt, packet.source == ac,
                   packet.destination == ourMAC, packet.sessionID == sessionID {
                    let message = [TagType.genericError, .acSystemError].compactMap { packet.tag($0)?.text }.first
                    add(.acTerminated, "the AC ended the session with PADT" + (message.map { ": \($0)" } ?? "")) {
                        $0.message = message
                    }
                    return true
                }
            case let .session(bytes):
                guard bytes.count >= 22,
                      let view = bytes.withUnsafeBytes({ raw in try? SessionFrame.read(raw) }),
                      view.source == ac, view.destination == ourMAC, view.sessionID == sessionID,
                      view.frameLength >= 22 else { continue }
                let number = UInt16(bytes[20]) << 8 | UInt16(bytes[21])
                handle(dialer.receive(protocol: number, payload: Array(bytes[22..<view.frameLength]), now: Clock.now()),
                       &packets, ac: ac, ourMAC: ourMAC, sessionID: sessionID)
            }
        }
        return false
    }

    private mutating func handle(_ outputs: [DialOutput], _ packets: inout PacketLink, ac: MACAddress,
                                 ourMAC: MACAddress, sessionID: UInt16) {
        for output in outputs {
            switch output {
            case let .send(proto, payload):
                var frame = ac.bytes + ourMAC.bytes + [0x88, 0x64, PPPoEHeader.versionType, 0]
                let length = payload.count + 2
                frame += [UInt8(sessionID >> 8), UInt8(sessionID & 0xff), UInt8(length >> 8), UInt8(length & 0xff)]
                frame += [UInt8(proto.rawValue >> 8), UInt8(proto.rawValue & 0xff)] + payload
                try? packets.send(frame, on: packets.session)
            case let .event(event):
                report(event)
            }
        }
    }

    private mutating func report(_ event: DialEvent) {
        // After the time limit, the dialer's own "no answer" failure repeats what timed_out said.
        if case .failed = event, timedOut, !refusalReported { return }
        if let step = CheckNarration.step(for: event) { steps.append(step) }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// Monotonic seconds: deadlines must not move with the wall clock.
enum Clock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
