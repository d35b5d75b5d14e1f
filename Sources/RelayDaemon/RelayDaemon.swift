import CShim
import ControlProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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
    private var control: ControlServer
    /// Held for the daemon's life: the directory's lock, which keeps a second daemon out.
    /// Released after deinit has removed the files, so no other daemon starts among them.
    private let lock: OwnedDescriptor
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
        let group = try ControlAccess.groupID(configuration.controlGroup)
        let paths = RuntimePaths(directory: configuration.runtimeDirectory)
        let directory = OwnedDescriptor(try RuntimeDirectory.prepare(paths.directory, group: group))
        // Before anything else is touched: a second daemon on this directory stops here.
        let lock = OwnedDescriptor(try RuntimeDirectory.lock(directory.fd, paths.directory))
        try RuntimeDirectory.adjust(directory.fd, paths.directory, group: group)
        var engine = try Self.makeEngine(interfaces, configuration)
        // After the sockets: a frame the kernel dataplane does not take must find them open.
        let selection = try DataplaneSelection.choose(configuration.dataplane, interfaces: interfaces,
                                                      policy: configuration.policy)
        engine.offload = selection.offload
        if selection.offload != nil {
            do { try engine.useKernelDataplaneRings() } catch { throw .failure("\(error)") }
        }
        let signalFD = pr_termination_signalfd()
        guard signalFD >= 0 else { throw .failure("signalfd: \(String(cString: strerror(-signalFD)))") }
        let linkEvents: LinkEvents
        do { linkEvents = try LinkEvents() } catch {
            close(signalFD)
            throw .failure("\(error)")
        }
        // We hold the lock: a socket file left here is a dead daemon's.
        _ = unlinkat(directory.fd, "control.sock", 0)
        let listenFD: Int32
        do { listenFD = try UnixSocket.listen(at: paths.controlSocket, group: group) } catch {
            close(signalFD)
            throw error
        }
        _ = RuntimeDirectory.replaceFile(directory.fd, "relayd.pid", "\(getpid())\n")
        // Nothing may throw from here: once every stored property is set, a throw would run deinit.
        self.linkEvents = linkEvents
        self.engine = engine
        self.selection = selection
        self.paths = paths
        self.signalFD = signalFD
        self.lock = lock
        self.control = ControlServer(listenFD: listenFD, access: ControlAccess(daemonUID: geteuid(), group: group))
        self.configuration = configuration
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
        releaseStartupMemory()
        var roles = engine.descriptors
        var fds = pollSet(roles)
        var lastTick = MonotonicClock.seconds()
        var running = true
        while running {
            let count = nfds_t(roles.count + 3 + control.pollSlots)
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, 250) }
            if ready > 0 {
                for i in 0..<roles.count where fds[i].revents != 0 {
                    engine.service(roles[i].role, failed: fds[i].revents & Int16(POLLERR) != 0)
                }
                let fixed = roles.count
                if fds[fixed + 1].revents != 0 { running = !terminationRequested() }
                if fds[fixed + 2].revents != 0, linkEvents.drain() { reconcile(rebuildKernel: false) }
                for slot in 0..<control.pollSlots where fds[fixed + 3 + slot].revents != 0 {
                    if let request = control.service(slot) { control.answer(slot, reply(to: request)) }
                }
                if fds[fixed].revents != 0 { control.acceptAll(now: MonotonicClock.seconds()) }
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
                control.expire(now: now)
            }
            control.fill(&fds, from: roles.count + 3)
            fds[roles.count].events = now < control.acceptResumes ? 0 : Int16(POLLIN)
        }
        engine.terminateAll(reason: "pppoe-relay: relay stopped")
        selection.offload?.removeAll()
    }

    /// Hands the heap that start-up freed (command line, configuration, interface lookups)
    /// back to the system before the loop runs for months.
    private func releaseStartupMemory() {
        pr_release_free_memory()
    }

    /// The packet sockets, then the control socket, the signalfd, the link-event socket and
    /// a fixed run of control-client entries (filled by `control.fill`).
    private mutating func pollSet(_ roles: [(fd: Int32, role: RelayEngine.Descriptor)]) -> [pollfd] {
        var fds = (roles.map(\.fd) + [control.listenFD, signalFD, linkEvents.descriptor])
            .map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds += Array(repeating: pollfd(fd: -1, events: 0, revents: 0), count: ControlServer.capacity)
        control.fill(&fds, from: roles.count + 3, always: true)
        return fds
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

    private mutating func reply(to request: ControlRequest) -> [UInt8] {
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
}
