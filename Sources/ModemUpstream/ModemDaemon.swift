import CShim
import ControlProtocol
import HDLCFraming
import Libc
import PPPoEWire
import RelayLog
import RelayDaemon
import UserspaceRelay

/// `relayctl modem`: the access concentrator for a serial PPP modem. One thread, one poll
/// loop over the LAN's two packet sockets, the serial line, the control socket and a signalfd:
/// discovery is answered while the chat script runs, and session frames never wait behind a
/// status query. One session at a time: the modem has one line.
public struct ModemDaemon: ~Copyable {
    /// A client that got its PADS and has said nothing for this long is not coming.
    static let silentClientMilliseconds: Int64 = 30_000
    /// How long the modem's PPP gets to acknowledge our Terminate-Request before DTR drops.
    static let terminateWaitMilliseconds: Int64 = 2_000
    /// DTR stays down this long before the modem is dialled again.
    static let restMilliseconds: Int64 = 1_000

    private let configuration: RelayConfiguration
    private let modem: ModemConfiguration
    private let script: ChatScript?
    private let lan: LANInterface
    private let discovery: ModemDiscovery
    /// The relay's PADI limits, checked before any PADO.
    private var padiGate: ModemPADIGate
    private let discoveryFD: Int32
    private let sessionFD: Int32
    private let signalFD: Int32
    private var control: ControlEndpoint
    private let log: Logger
    private var bridge: SessionBridge
    private var port: SerialPort?
    private var chat: ChatRunner?
    private var session: ModemSession?
    private var phase: ModemPhase = .idle
    private var phaseSince = MonotonicClock.milliseconds()
    private var counters = ModemCounters()
    private var lastHangup: String?
    private var connectLine: String?
    /// DCD was seen raised during this connection: its fall is a hang-up (a port whose DCD is
    /// never raised, unwired or unreported, is not watched).
    private var carrierSeen = false
    /// DCD is asked of the device four times a second, not at every wake-up of the loop.
    private var nextCarrierCheck: Int64 = 0
    private var nextSessionID: UInt16
    private var terminateIdentifier: UInt8 = 0x50
    private let startedAt = MonotonicClock.seconds()
    /// `--verbose` discovery lines, at most `noteBudget` a second (a PADI flood is not logged line by line).
    private var notesThisSecond = 0
    private var noteSecond: Int64 = 0
    private static let noteBudget = 10
    private let receive: UnsafeMutableRawBufferPointer
    private let lineInput: UnsafeMutableRawBufferPointer

    public init(configuration: RelayConfiguration, log: Logger) throws(DaemonError) {
        try configuration.validate()
        guard let modem = configuration.modem else { throw .usage("no modem is configured") }
        var script: ChatScript?
        do throws(ModemError) { script = try Self.loadScript(modem.chat) } catch { throw .usage(error.description) }
        let lan: LANInterface
        do throws(ModemError) { lan = try LANInterface(named: configuration.lanInterfaces[0]) } catch {
            throw .failure(error.description)
        }
        guard SerialPort.speeds[modem.baud] != nil else { throw .usage("--baud \(modem.baud) is not a rate the tty layer knows") }
        let control = try ControlEndpoint(runtimeDirectory: configuration.runtimeDirectory,
                                          controlGroup: configuration.controlGroup)
        let discoveryFD = pr_packet_socket_open(lan.index, PPPoEEtherType.discovery)
        guard discoveryFD >= 0 else { throw .failed("packet socket on \(lan.name)", errno: -discoveryFD) }
        let sessionFD = pr_packet_socket_open(lan.index, PPPoEEtherType.session)
        guard sessionFD >= 0 else {
            close(discoveryFD)
            throw .failed("packet socket on \(lan.name)", errno: -sessionFD)
        }
        let signalFD = pr_termination_signalfd()
        guard signalFD >= 0 else {
            close(discoveryFD)
            close(sessionFD)
            throw .failed("signalfd", errno: -signalFD)
        }
        for fd in [discoveryFD, sessionFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        self.configuration = configuration
        self.modem = modem
        self.script = script
        self.lan = lan
        self.discoveryFD = discoveryFD
        self.sessionFD = sessionFD
        self.signalFD = signalFD
        self.control = control
        self.log = log
        discovery = ModemDiscovery(localMAC: lan.mac, acName: modem.acName, serviceNames: modem.serviceNames)
        padiGate = ModemPADIGate(policy: configuration.policy)
        bridge = SessionBridge(localMAC: lan.mac, maxPayload: min(lan.mtu - 6, 1494),
                               queueBytes: Self.queueBytes(baud: modem.baud))
        nextSessionID = UInt16.random(in: 1...0xFFFE)
        receive = .allocate(byteCount: 2048, alignment: 16)
        lineInput = .allocate(byteCount: 4096, alignment: 16)
    }

    deinit {
        close(discoveryFD)
        close(sessionFD)
        close(signalFD)
        receive.deallocate()
        lineInput.deallocate()
    }

    /// The serial queue holds half a second of the line, but never less than 3,200 bytes so that
    /// one whole frame (escaped) always fits: from 64,000 baud up that is half a second (a 3G
    /// stick at 115200 baud queues 5.6 KB); below it the floor rules, about 3.3 s of the line at
    /// 9600 baud. Either way, not the minutes of delay a LAN-sized buffer would add.
    static func queueBytes(baud: Int) -> Int {
        max(3200, baud / 10 / 2)
    }

    /// The chat script to run: nil for none.
    static func loadScript(_ chat: String?) throws(ModemError) -> ChatScript? {
        guard let chat else {
            do { return try ChatScript(parsing: ChatScript.builtIn) } catch { throw .failure(error.description) }
        }
        if chat == "none" { return nil }
        let fd = open(chat, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("chat script \(chat)", errno: errno) }
        defer { close(fd) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            text += chunk[0..<n]
            guard text.count < 65536 else { throw .usage("chat script \(chat) is too long") }
        }
        do { return try ChatScript(parsing: String(decoding: text, as: UTF8.self)) } catch {
            throw .usage("\(chat): \(error.description)")
        }
    }

    public var readyLine: String {
        "serving PPPoE: lan \(lan.name) <-> modem \(modem.device) at \(modem.baud) baud, "
            + "ac-name \(modem.acName), control \(control.paths.controlSocket)"
    }

    // MARK: The loop

    public mutating func run() {
        log.info("started, pid \(getpid()): lan \(TerminalText.escaped(lan.name)) <-> modem \(TerminalText.escaped(modem.device)) at \(modem.baud) baud, ac-name \(TerminalText.escaped(modem.acName)), services \(modem.serviceNames.map(TerminalText.escaped).joined(separator: ",")), chat \(script == nil ? "none" : modem.chat.map(TerminalText.escaped) ?? "built-in")")
        let fixed = 5
        var fds = [pollfd](repeating: pollfd(fd: -1, events: 0, revents: 0), count: fixed + ControlEndpoint.capacity)
        control.fill(&fds, from: fixed, always: true)
        var lastSecond = MonotonicClock.seconds()
        var running = true
        while running {
            fds[0] = pollfd(fd: discoveryFD, events: Int16(POLLIN), revents: 0)
            fds[1] = pollfd(fd: phase == .connected ? sessionFD : -1, events: Int16(POLLIN), revents: 0)
            fds[2] = pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)
            let nowSeconds = MonotonicClock.seconds()
            fds[3] = pollfd(fd: nowSeconds < control.acceptResumes ? -1 : control.listenFD, events: Int16(POLLIN), revents: 0)
            fds[4] = pollfd(fd: port?.fd ?? -1,
                            events: Int16(POLLIN) | (bridge.toModem.count > 0 ? Int16(POLLOUT) : 0), revents: 0)
            control.fill(&fds, from: fixed)
            let count = nfds_t(fixed + control.pollSlots)
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, 100) }
            let now = MonotonicClock.milliseconds()
            if ready > 0 {
                if fds[2].revents != 0 { running = !TerminationSignals.drain(signalFD) }
                if fds[1].revents != 0 { serviceSession(now: now) }
                if fds[4].revents != 0 { serviceLine(fds[4].revents, now: now) }
                if fds[0].revents != 0 { serviceDiscovery(now: now) }
                for slot in 0..<control.pollSlots where fds[fixed + slot].revents != 0 {
                    if let request = control.service(slot) { control.answer(slot, reply(to: request)) }
                }
                if fds[3].revents != 0 { control.acceptAll(now: nowSeconds) }
            }
            tick(now: now)
            if nowSeconds != lastSecond {
                lastSecond = nowSeconds
                for line in control.expire(now: nowSeconds) { log.notice(line) }
            }
        }
        if session != nil {
            log.info("stopping: the session ends with PADT and the modem hangs up")
            if phase == .connected {
                bridge.queueTerminateRequest(identifier: nextTerminateIdentifier())
                if let fd = port?.fd { _ = bridge.toModem.drain(to: fd) }
            }
            endSession(reason: "pppoe-relay: relay stopped", padt: true, now: MonotonicClock.milliseconds())
        }
        closePort()
        log.info("stopped after \(MonotonicClock.seconds() - startedAt) s")
    }

    // MARK: Discovery

    private mutating func serviceDiscovery(now: Int64) {
        for _ in 0..<64 {
            let n = recv(discoveryFD, receive.baseAddress, receive.count, 0)
            guard n > 0 else { return }
            let frame = UnsafeRawBufferPointer(rebasing: receive[0..<n])
            guard let packet = try? DiscoveryPacket(parsing: frame) else {
                counters.malformedDiscovery &+= 1
                continue
            }
            guard packet.source != lan.mac else { continue }
            let minute = UInt32(truncatingIfNeeded: MonotonicClock.seconds() / 60)
            switch packet.code {
            case .padi:
                counters.padiReceived &+= 1
                switch padiGate.answer(packet, discovery: discovery, minute: minute, now: MonotonicClock.seconds()) {
                case .overClientRate:
                    counters.padiOverClientRate &+= 1
                    note("PADI from \(packet.source) over its rate: ignored")
                case .overOverallRate:
                    counters.padiOverOverallRate &+= 1
                    note("PADI from \(packet.source) over the overall PADI rate: ignored")
                case .unknownService:
                    counters.unknownService &+= 1
                    note("PADI from \(packet.source) for a service not offered: ignored")
                case .offer(let offer):
                    note("PADI from \(packet.source): PADO")
                    transmit(offer)
                    counters.padoSent &+= 1
                }
            case .padr where packet.destination == lan.mac:
                counters.padrReceived &+= 1
                answer(padr: packet, minute: minute, now: now)
            case .padt where packet.destination == lan.mac:
                guard let current = session, current.client == packet.source, current.sessionID == packet.sessionID else { continue }
                counters.padtReceived &+= 1
                log.notice("\(Self.sessionText(current)): client sent PADT: hanging up the modem")
                clientLeft(reason: "client sent PADT", now: now)
            default:
                continue
            }
        }
    }

    private mutating func answer(padr: DiscoveryPacket, minute: UInt32, now: Int64) {
        guard discovery.cookieIsGood(padr, minute: minute) else {
            counters.badCookies &+= 1
            note("PADR from \(padr.source) without a good AC-Cookie: ignored")
            return
        }
        guard let service = discovery.service(for: padr) else {
            counters.unknownService &+= 1
            refuse(padr, .serviceNameError, "service not offered")
            return
        }
        if var current = session, current.client == padr.source {
            // A retry: held while the modem dials (with the newest Host-Uniq), answered again once it is up.
            current.padr = padr
            current.service = service
            session = current
            if current.confirmed {
                transmit(discovery.confirm(padr, sessionID: current.sessionID, service: current.service))
                counters.padsSent &+= 1
            } else {
                counters.padrHeld &+= 1
                note("PADR from \(padr.source) held: the modem is still dialling")
            }
            return
        }
        guard session == nil else {
            refuse(padr, .acSystemError, "modem busy: it serves another client")
            log.notice("refused \(padr.source): the modem serves \(session!.client)")
            return
        }
        guard phase == .idle else {
            refuse(padr, .acSystemError, "modem hanging up: try again")
            return
        }
        startSession(padr: padr, service: service, now: now)
    }

    private mutating func refuse(_ padr: DiscoveryPacket, _ error: TagType, _ reason: String) {
        transmit(discovery.refuse(padr, error: error, reason: reason))
        counters.padsRefused &+= 1
    }

    private mutating func startSession(padr: DiscoveryPacket, service: String, now: Int64) {
        let id = nextSessionID
        nextSessionID = nextSessionID >= 0xFFFE ? 1 : nextSessionID + 1
        session = ModemSession(client: padr.source, sessionID: id, service: service, padr: padr, createdAt: now)
        do throws(ModemError) {
            port = try SerialPort(path: modem.device, baud: modem.baud)
        } catch {
            log.error("\(Self.sessionText(session!)): \(TerminalText.escaped(error.description))")
            refuse(padr, .acSystemError, "modem unavailable")
            lastHangup = error.description
            session = nil
            return
        }
        carrierSeen = false
        bridge.toModem.removeAll()
        counters.chatsStarted &+= 1
        if let script {
            chat = ChatRunner(script: script, now: now)
            setPhase(.dialling, now: now)
            log.info("\(Self.sessionText(session!)): chat running on \(TerminalText.escaped(modem.device)) for \(padr.source), its PADRs held")
            advanceChat(now: now)
        } else {
            connected(line: "no chat", leftover: nil, now: now)
        }
    }

    private func transmit(_ packet: DiscoveryPacket) {
        let bytes = packet.serialized()
        _ = bytes.withUnsafeBytes { send(discoveryFD, $0.baseAddress, $0.count, 0) }
    }

    // MARK: The chat

    /// Writes what the chat wants written and checks how it stands.
    private mutating func advanceChat(now: Int64) {
        guard var runner = chat else { return }
        runner.tick(now: now)
        let output = runner.pendingOutput
        if !output.isEmpty, let fd = port?.fd {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { runner.wrote(n, now: now) }
        }
        chat = runner
        checkChat(leftover: nil, now: now)
    }

    private mutating func checkChat(leftover: UnsafeRawBufferPointer?, now: Int64) {
        guard let runner = chat else { return }
        switch runner.status {
        case .running:
            break
        case var .connected(line):
            chat = nil
            // "CONNECT" was the expect; the rest of its line (the speed, "150000000") came with it.
            if let leftover {
                line += String(decoding: leftover.prefix { $0 != 0x0D && $0 != 0x0A && $0 != HDLC.flag }.prefix(80),
                               as: UTF8.self)
            }
            let rest = runner.pendingOutput
            if !rest.isEmpty { _ = rest.withUnsafeBytes { bridge.toModem.append($0) } }
            connected(line: line, leftover: leftover, now: now)
        case let .failed(reason):
            chat = nil
            counters.chatsFailed &+= 1
            guard let current = session else { return }
            log.warning("\(Self.sessionText(current)): chat failed: \(TerminalText.escaped(reason)); PADS refuses the client")
            refuse(current.padr, .acSystemError, "modem did not connect: \(reason)")
            lastHangup = "chat failed: \(reason)"
            session = nil
            hangUp(now: now)
        }
    }

    private mutating func connected(line: String, leftover: UnsafeRawBufferPointer?, now: Int64) {
        guard var current = session else { return }
        connectLine = line
        setPhase(.connected, now: now)
        bridge.begin(client: current.client, sessionID: current.sessionID, now: MonotonicClock.seconds())
        transmit(discovery.confirm(current.padr, sessionID: current.sessionID, service: current.service))
        counters.padsSent &+= 1
        counters.sessionsOpened &+= 1
        current.confirmed = true
        current.confirmedAt = now
        session = current
        let elapsed = Double(now - current.createdAt) / 1000
        log.info("\(Self.sessionText(current)): modem connected after \(elapsed) s (\(TerminalText.escaped(line))): session opened for \(current.client), service \(TerminalText.escaped(current.service))")
        if let leftover, !leftover.isEmpty { fromLine(leftover, now: now) }
    }

    // MARK: The serial line

    private mutating func serviceLine(_ events: Int16, now: Int64) {
        guard let fd = port?.fd else { return }
        if events & Int16(POLLOUT) != 0, !bridge.toModem.drain(to: fd) {
            modemHungUp("write error: \(String(cString: strerror(errno)))", now: now)
            return
        }
        guard events & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
        for _ in 0..<16 {
            let n = read(fd, lineInput.baseAddress, lineInput.count)
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            guard n > 0 else {
                modemHungUp(n == 0 ? "end of file on \(modem.device)" : "read error: \(String(cString: strerror(errno)))", now: now)
                return
            }
            let bytes = UnsafeRawBufferPointer(rebasing: lineInput[0..<n])
            switch phase {
            case .dialling:
                guard var runner = chat else { return }
                let ppp = runner.received(bytes, now: now)
                chat = runner
                checkChat(leftover: ppp.map { UnsafeRawBufferPointer(rebasing: bytes[$0...]) }, now: now)
                if chat != nil { advanceChat(now: now) }
            case .connected:
                fromLine(bytes, now: now)
            case .hangingUp:
                var acknowledged = false
                _ = bridge.fromModem(bytes) { frame in
                    if frame.count >= 26, frame[20] == 0xC0, frame[21] == 0x21, frame[22] == 6 { acknowledged = true }
                }
                if acknowledged {
                    hangUp(now: now)
                    return
                }
            default:
                break
            }
            if n < lineInput.count { return }
        }
    }

    private mutating func fromLine(_ bytes: UnsafeRawBufferPointer, now: Int64) {
        let fd = sessionFD
        let verdict = bridge.fromModem(bytes) { frame in _ = send(fd, frame.baseAddress, frame.count, 0) }
        if verdict == .terminated, let current = session {
            log.notice("\(Self.sessionText(current)): the modem's PPP terminated the link")
            modemHungUp("LCP Terminate-Request from the modem", now: now)
        }
    }

    // MARK: Session frames

    private mutating func serviceSession(now: Int64) {
        let seconds = MonotonicClock.seconds()
        for _ in 0..<64 {
            let n = recv(sessionFD, receive.baseAddress, receive.count, 0)
            guard n > 0 else { break }
            switch bridge.fromClient(receive, length: n, now: seconds) {
            case .notOurs, .queued: break
            case let .replyToClient(length):
                _ = send(sessionFD, bridge.clientReply.baseAddress, length, 0)
            }
        }
        if let fd = port?.fd, bridge.toModem.count > 0, !bridge.toModem.drain(to: fd) {
            modemHungUp("write error: \(String(cString: strerror(errno)))", now: now)
        }
    }

    // MARK: Ending

    /// The modem went away (EOF, read error, DCD, its LCP): PADT to the client, DTR down.
    private mutating func modemHungUp(_ reason: String, now: Int64) {
        counters.modemHangups &+= 1
        lastHangup = reason
        if let current = session {
            log.notice("\(Self.sessionText(current)): modem hung up (\(TerminalText.escaped(reason))): PADT to \(current.client)")
            if !current.confirmed { refuse(current.padr, .acSystemError, "modem hung up while dialling") }
        } else {
            log.notice("modem hung up (\(TerminalText.escaped(reason)))")
        }
        endSession(reason: "pppoe-relay: modem hung up", padt: session?.confirmed ?? false, now: now)
        hangUp(now: now)
    }

    /// The client went away (PADT, silence, the relay stopping): LCP Terminate-Request to the
    /// modem, and DTR drops once it is acknowledged or after a moment.
    private mutating func clientLeft(reason: String, now: Int64) {
        counters.clientHangups &+= 1
        lastHangup = reason
        let wasConnected = phase == .connected
        session = nil
        chat = nil
        if wasConnected {
            bridge.queueTerminateRequest(identifier: nextTerminateIdentifier())
            if let fd = port?.fd { _ = bridge.toModem.drain(to: fd) }
            setPhase(.hangingUp(deadline: now + Self.terminateWaitMilliseconds), now: now)
        } else {
            hangUp(now: now)
        }
    }

    private mutating func endSession(reason: String, padt: Bool, now: Int64) {
        guard let current = session else { return }
        if padt {
            transmit(discovery.terminate(client: current.client, sessionID: current.sessionID, reason: reason))
            counters.padtSent &+= 1
        }
        session = nil
        chat = nil
    }

    /// DTR down (closing the device drops it too, through HUPCL), then a rest.
    private mutating func hangUp(now: Int64) {
        closePort()
        setPhase(.resting(until: now + Self.restMilliseconds), now: now)
    }

    private mutating func closePort() {
        guard let open = port else { return }
        // What is queued (a Terminate-Ack, a Terminate-Request) goes out first, if the line takes it now.
        _ = bridge.toModem.drain(to: open.fd)
        open.setDTR(false)
        port = nil
        bridge.toModem.removeAll()
    }

    private mutating func tick(now: Int64) {
        switch phase {
        case .dialling:
            advanceChat(now: now)
        case .connected:
            guard let current = session else { return }
            if now >= nextCarrierCheck, let carrier = port?.carrier() {
                nextCarrierCheck = now + 250
                if carrier { carrierSeen = true } else if carrierSeen {
                    modemHungUp("DCD dropped", now: now)
                    return
                }
            }
            let seconds = MonotonicClock.seconds()
            if bridge.counters.framesToModem == 0, now - current.confirmedAt > Self.silentClientMilliseconds {
                log.notice("\(Self.sessionText(current)): the client never spoke after PADS: hanging up")
                endSession(reason: "pppoe-relay: no frames from the client", padt: true, now: now)
                clientLeft(reason: "client never spoke after PADS", now: now)
                return
            }
            if configuration.idleTimeout > 0, seconds - bridge.lastClientActivity >= Int64(configuration.idleTimeout) {
                log.notice("\(Self.sessionText(current)): no frame from the client for \(configuration.idleTimeout) s: PADT, hanging up")
                endSession(reason: "pppoe-relay: idle timeout", padt: true, now: now)
                clientLeft(reason: "client idle for \(configuration.idleTimeout) s", now: now)
            }
        case let .hangingUp(deadline):
            if now >= deadline || (port == nil) { hangUp(now: now) }
        case let .resting(until):
            if now >= until { setPhase(.idle, now: now) }
        case .idle:
            break
        }
    }

    private mutating func setPhase(_ next: ModemPhase, now: Int64) {
        if next.name != phase.name { phaseSince = now }
        phase = next
    }

    private mutating func nextTerminateIdentifier() -> UInt8 {
        terminateIdentifier &+= 1
        return terminateIdentifier
    }

    /// A discovery decision, in the log with `--verbose` only, within its budget.
    private mutating func note(_ text: @autoclosure () -> String) {
        guard log.logLevel <= .debug else { return }
        let second = MonotonicClock.seconds()
        if second != noteSecond {
            noteSecond = second
            notesThisSecond = 0
        }
        notesThisSecond += 1
        if notesThisSecond <= Self.noteBudget { log.debug("\(text())") }
    }

    static func sessionText(_ session: ModemSession) -> String {
        "session 0x" + String(session.sessionID, radix: 16)
    }

    // MARK: Control socket

    private mutating func reply(to request: ControlRequest) -> [UInt8] {
        switch request {
        case .status, .reload: return ControlJSON.encode(statusReport())
        case let .keepSessionsOnStop(keep):
            // The serial line closes with the daemon: no session survives a restart here, and the
            // report says so (keeps_sessions_on_stop stays absent).
            if keep { log.notice("restart requested: the modem's session cannot outlive this daemon and ends with PADT") }
            return ControlJSON.encode(statusReport())
        case .sessions: return ControlJSON.encode(SessionsReport(sessions: sessionReports()))
        case .mssShow, .mssSet:
            return ControlJSON.encode(ControlErrorReply(error: "a modem's sessions are not clamped: its PPP negotiates the MRU"))
        case .endSessions:
            if session != nil {
                log.notice("asked to end the session: PADT, hanging up the modem")
                endSession(reason: "pppoe-relay: session ended by request", padt: session?.confirmed ?? false,
                           now: MonotonicClock.milliseconds())
                clientLeft(reason: "ended by request", now: MonotonicClock.milliseconds())
            }
            return ControlJSON.encode(statusReport())
        }
    }

    /// The state as people read it: "hung up" stays after a hang-up until the next dial.
    var stateName: String {
        if phase == .idle, lastHangup != nil { return "hung up" }
        return phase.name
    }

    func statusReport() -> StatusReport {
        let now = MonotonicClock.milliseconds()
        var fields = [
            ("padi_received", counters.padiReceived), ("pado_sent", counters.padoSent),
            ("dropped_padi_rate_client", counters.padiOverClientRate), ("dropped_padi_rate_overall", counters.padiOverOverallRate),
            ("padr_received", counters.padrReceived), ("padr_held", counters.padrHeld),
            ("pads_sent", counters.padsSent), ("pads_refused", counters.padsRefused),
            ("padt_received", counters.padtReceived), ("padt_sent", counters.padtSent),
            ("bad_cookies", counters.badCookies), ("unknown_service", counters.unknownService),
            ("malformed_discovery", counters.malformedDiscovery), ("chats_started", counters.chatsStarted),
            ("chats_failed", counters.chatsFailed), ("modem_hangups", counters.modemHangups),
            ("client_hangups", counters.clientHangups), ("sessions_opened", counters.sessionsOpened),
        ]
        let b = bridge.counters
        fields += [("frames_to_modem", b.framesToModem), ("frames_to_client", b.framesToClient),
                   ("bytes_to_modem", b.bytesToModem), ("bytes_to_client", b.bytesToClient),
                   ("modem_queue_full", b.modemQueueFull), ("modem_frames_too_long", b.modemFramesTooLong),
                   ("lcp_options_rejected", b.lcpOptionsRejected), ("lcp_options_stripped", b.lcpOptionsStripped),
                   ("hdlc_bad_fcs", bridge.decoder.badFCS), ("hdlc_aborted", bridge.decoder.aborted),
                   ("hdlc_too_long", bridge.decoder.tooLong)]
        // Each name once (the first), built by hand: Dictionary(_:uniquingKeysWith:) casts
        // dynamically, which Embedded Swift cannot.
        var counterValues: [String: UInt64] = [:]
        for (name, value) in fields where counterValues[name] == nil { counterValues[name] = value }
        let interface = StatusReport.Interface(name: lan.name, role: "lan", index: lan.index, mac: lan.mac.description,
                                               mtu: UInt32(lan.mtu), state: "up", operstate: "unknown", carrier: true)
        var report = StatusReport(
            pid: getpid(), dataplane: "modem", dataplaneReason: "modem \(stateName) on \(modem.device) at \(modem.baud) baud",
            uptimeSeconds: MonotonicClock.seconds() - startedAt, interfaces: [interface],
            sessionCount: session == nil ? 0 : 1, maxSessions: 1, idleTimeoutSeconds: configuration.idleTimeout,
            counters: counterValues, configuration: configuration, mss: "off",
            kernelError: nil)
        report.modem = ModemStatus(device: modem.device, state: stateName, stateSeconds: (now - phaseSince) / 1000,
                                   lastHangup: lastHangup.map(TerminalText.escaped),
                                   connectLine: connectLine.map(TerminalText.escaped), carrier: port?.carrier())
        return report
    }

    func sessionReports() -> [SessionReport] {
        guard let current = session else { return [] }
        let now = MonotonicClock.milliseconds()
        let b = bridge.counters
        let idle = phase == .connected ? max(0, MonotonicClock.seconds() - bridge.lastClientActivity) : 0
        return [SessionReport(
            lanInterface: lan.name, clientMAC: current.client.description, clientSessionID: current.sessionID,
            wanInterface: modem.device, acMAC: lan.mac.description, acSessionID: current.sessionID,
            acName: modem.acName, serviceName: current.service, uptimeSeconds: (now - current.createdAt) / 1000,
            idleSeconds: idle, packetsToAC: b.framesToModem, bytesToAC: b.bytesToModem,
            packetsToClient: b.framesToClient, bytesToClient: b.bytesToClient,
            kernelPacketsToAC: 0, kernelPacketsToClient: 0, modemState: stateName)]
    }
}
