import CShim
import Glibc
import Netlink
import PPPoEWire
import UserspaceRelay

/// The foreground daemon of `relayctl run`: one thread, one poll loop over the packet
/// sockets, the control socket and a signalfd. Session frames never wait behind anything
/// slower than a status query.
public struct RelayDaemon: ~Copyable {
    private let configuration: RelayConfiguration
    private let selection: DataplaneSelection
    private let paths: RuntimePaths
    private var engine: RelayEngine
    private let controlFD: Int32
    private let signalFD: Int32
    private let linkEvents: LinkEvents
    private let startedAt = MonotonicClock.seconds()
    /// Slots whose device is gone; `reconcile` brings them back when it returns.
    private var absent: Set<Int> = []
    /// Sockets were closed or opened: the poll set must be built again.
    private var descriptorsChanged = false

    /// Sets everything up or fails with nothing left behind: sockets closed, files removed.
    public init(configuration: RelayConfiguration) throws(DaemonError) {
        try configuration.validate()
        // A control client that hangs up before reading its answer must cost an EPIPE, not the relay.
        signal(SIGPIPE, SIG_IGN)
        let interfaces = try InterfaceResolver.resolve(configuration)
        let paths = RuntimePaths(directory: configuration.runtimeDirectory)
        try Self.prepareRuntimeDirectory(paths)
        var engine = try Self.makeEngine(interfaces, configuration)
        // After the sockets: a frame the kernel dataplane does not take must find them open.
        let selection = try DataplaneSelection.choose(configuration.dataplane, interfaces: interfaces,
                                                      policy: configuration.policy)
        engine.offload = selection.offload
        let signalFD = pr_termination_signalfd()
        guard signalFD >= 0 else { throw .failure("signalfd: \(String(cString: strerror(-signalFD)))") }
        let linkEvents: LinkEvents
        do { linkEvents = try LinkEvents() } catch {
            close(signalFD)
            throw .failure("\(error)")
        }
        let controlFD: Int32
        do { controlFD = try UnixSocket.listen(at: paths.controlSocket) } catch {
            close(signalFD)
            throw error
        }
        self.linkEvents = linkEvents
        self.engine = engine
        self.selection = selection
        self.paths = paths
        self.signalFD = signalFD
        self.controlFD = controlFD
        self.configuration = configuration
        _ = Self.writeFile(paths.pidFile, "\(getpid())\n")
    }

    private static func makeEngine(_ interfaces: [RelayInterface],
                                   _ configuration: RelayConfiguration) throws(DaemonError) -> RelayEngine {
        do {
            return try RelayEngine(interfaces: interfaces, maxSessions: configuration.maxSessions,
                                   idleTimeout: Int64(configuration.idleTimeout), mss: configuration.mss,
                                   policy: configuration.policy)
        } catch { throw .failure("\(error)") }
    }

    deinit {
        close(controlFD)
        close(signalFD)
        unlink(paths.controlSocket)
        unlink(paths.pidFile)
    }

    /// One line for people: what now runs.
    public var readyLine: String {
        let lans = engine.core.interfaces.dropFirst().map(\.name).joined(separator: ",")
        return "relaying PPPoE: lan \(lans) <-> wan \(configuration.wanInterface), "
            + "\(selection.name) dataplane (\(selection.reason)), control \(paths.controlSocket)"
    }

    /// Runs until SIGINT or SIGTERM, then sends PADT to both sides of every session.
    public mutating func run() {
        var roles = engine.descriptors
        var fds = pollSet(roles)
        var lastTick = MonotonicClock.seconds()
        var running = true
        while running {
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), 250) }
            if ready > 0 {
                for i in 0..<roles.count where fds[i].revents != 0 {
                    engine.service(roles[i].role, failed: fds[i].revents & Int16(POLLERR) != 0)
                }
                let fixed = roles.count
                if fds[fixed].revents != 0 { serveControl() }
                if fds[fixed + 1].revents != 0 { running = !terminationRequested() }
                if fds[fixed + 2].revents != 0, linkEvents.drain() { reconcile(rebuildKernel: false) }
            }
            if descriptorsChanged {
                roles = engine.descriptors
                fds = pollSet(roles)
                descriptorsChanged = false
            }
            let now = MonotonicClock.seconds()
            if now != lastTick {
                lastTick = now
                engine.tick()
            }
        }
        engine.terminateAll(reason: "pppoe-relay: relay stopped")
        selection.offload?.removeAll()
    }

    /// The packet sockets, then the control socket, the signalfd and the link-event socket.
    private func pollSet(_ roles: [(fd: Int32, role: RelayEngine.Descriptor)]) -> [pollfd] {
        (roles.map(\.fd) + [controlFD, signalFD, linkEvents.descriptor]).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    // MARK: Devices that go and come back

    /// Looks every device up again. One that is gone ends its sessions and loses its sockets;
    /// one that is back (a new ifindex, perhaps a new MAC) gets sockets again; the kernel
    /// dataplane is rebuilt when anything changed, or always with `rebuildKernel` (what
    /// `relayctl reload` asks, to reinstall whatever the kernel lost).
    private mutating func reconcile(rebuildKernel: Bool) {
        var routes: RouteSocket
        do { routes = try RouteSocket() } catch {
            log("cannot look links up: \(error)")
            return
        }
        var changed = false
        for slot in 0..<engine.core.interfaces.count {
            let current = engine.core.interfaces[slot]
            let link = try? routes.link(named: current.name)
            guard let link, let mac = MACAddress(bytes: link.hardwareAddress) else {
                if !absent.contains(slot) {
                    let before = engine.core.table.count
                    engine.interfaceDown(slot: UInt8(slot))
                    absent.insert(slot)
                    changed = true
                    log("\(current.name) went away: \(before - engine.core.table.count) sessions ended")
                }
                continue
            }
            let fresh = RelayInterface(name: current.name, index: link.index, mac: mac, mtu: link.mtu, role: current.role)
            guard absent.contains(slot) || fresh.index != current.index || fresh.mac != current.mac else { continue }
            do throws(RelayError) {
                try engine.interfaceUp(fresh, slot: UInt8(slot))
                absent.remove(slot)
                changed = true
                log("\(current.name) is back (index \(fresh.index), \(fresh.mac))")
            } catch {
                log("\(current.name) is back but unusable: \(error)")
            }
        }
        if changed || rebuildKernel, let offload = selection.offload {
            let sessions = engine.core.table.liveSlots.map { engine.core.table.session(at: $0).pointee }
            do { try offload.rebuild(interfaces: engine.core.interfaces, absent: absent, sessions: sessions) } catch {
                log("kernel dataplane not rebuilt: \(error); sessions go through userspace meanwhile")
            }
        }
        if changed { descriptorsChanged = true }
    }

    private func log(_ line: String) {
        let text = "relayctl: " + line + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    private func terminationRequested() -> Bool {
        var stop = false
        while true {
            let signal = pr_signalfd_read(signalFD)
            guard signal > 0 else { return stop }
            // SIGHUP (a closing terminal or SSH session) does not stop a relay.
            if signal == SIGINT || signal == SIGTERM { stop = true }
        }
    }

    // MARK: Control socket

    private mutating func serveControl() {
        while true {
            let client = accept(controlFD, nil, nil)
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            // The daemon serves control clients inline: a client that connects and says nothing may
            // hold the forwarding loop up for this long, no longer. Real clients ask at once.
            UnixSocket.setTimeouts(client, receiveMilliseconds: 200, sendMilliseconds: 1000)
            if let request = UnixSocket.read(client, limit: 256, stopAtNewline: true) {
                let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") },
                                  as: UTF8.self)
                _ = UnixSocket.writeAll(client, reply(to: ControlRequest(line: line)))
            }
            close(client)
        }
    }

    private mutating func reply(to request: ControlRequest?) -> [UInt8] {
        engine.refreshForwardedCounts()
        switch request {
        case .status: return ControlJSON.encode(statusReport())
        case .sessions: return ControlJSON.encode(sessionReports())
        case .mssShow: return ControlJSON.encode(mssReport())
        case let .mssSet(setting):
            engine.core.setMSS(setting)
            return ControlJSON.encode(mssReport())
        case .reload:
            reconcile(rebuildKernel: true)
            return ControlJSON.encode(statusReport())
        case .endSessions:
            engine.terminateAll(reason: "pppoe-relay: WAN down")
            return ControlJSON.encode(statusReport())
        case nil: return Array("{\"error\":\"unknown request\"}\n".utf8)
        }
    }

    func mssReport() -> MSSReport {
        let limits = engine.core.mss.limits(maxPayload: nil)
        return MSSReport(setting: engine.core.mss.description, ipv4: limits.ipv4, ipv6: limits.ipv6)
    }

    func statusReport() -> StatusReport {
        StatusReport(
            pid: getpid(), dataplane: selection.name, dataplaneReason: selection.reason,
            uptimeSeconds: MonotonicClock.seconds() - startedAt,
            interfaces: engine.core.interfaces.enumerated().map { slot, interface in
                .init(name: interface.name, role: interface.role.rawValue, index: interface.index,
                      mac: interface.mac.description, mtu: interface.mtu, state: absent.contains(slot) ? "down" : "up")
            },
            sessionCount: engine.core.table.count, maxSessions: configuration.maxSessions,
            idleTimeoutSeconds: configuration.idleTimeout,
            counters: Dictionary(uniqueKeysWithValues: engine.core.counters.fields.map { ($0.name, $0.value) }),
            configuration: configuration, mss: engine.core.mss.description,
            kernelError: selection.offload?.lastError?.description)
    }

    func sessionReports() -> [SessionReport] {
        let now = MonotonicClock.seconds()
        let names = engine.core.interfaces.map(\.name)
        return engine.core.table.liveSlots.map { slot in
            let session = engine.core.table.session(at: slot).pointee
            let labels = engine.core.table.labels(at: slot)
            return SessionReport(
                lanInterface: names[Int(session.lanSlot)], clientMAC: session.clientMAC.description,
                clientSessionID: session.clientSessionID, wanInterface: names[0],
                acMAC: session.acMAC.description, acSessionID: session.acSessionID,
                acName: labels.acName, serviceName: labels.serviceName, uptimeSeconds: now - session.createdAt,
                packetsToAC: session.packetsToAC + session.offloadedToAC.packets,
                bytesToAC: session.bytesToAC + session.offloadedToAC.bytes,
                packetsToClient: session.packetsToClient + session.offloadedToClient.packets,
                bytesToClient: session.bytesToClient + session.offloadedToClient.bytes,
                kernelPacketsToAC: session.offloadedToAC.packets, kernelPacketsToClient: session.offloadedToClient.packets)
        }
    }

    // MARK: Runtime directory

    private static func prepareRuntimeDirectory(_ paths: RuntimePaths) throws(DaemonError) {
        if mkdir(paths.directory, 0o755) != 0 && errno != EEXIST {
            throw .failure("cannot create runtime directory \(paths.directory): \(UnixSocket.errorText())")
        }
        // A live daemon answers on the socket; a dead one left a file we may take over.
        if let probe = try? UnixSocket.connect(to: paths.controlSocket, timeoutSeconds: 1) {
            close(probe)
            throw .failure("a relay is already running with runtime directory \(paths.directory)")
        }
        unlink(paths.controlSocket)
    }

    private static func writeFile(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return UnixSocket.writeAll(fd, Array(text.utf8))
    }
}
