import CShim
import Glibc
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
    private let startedAt = MonotonicClock.seconds()

    /// Sets everything up or fails with nothing left behind: sockets closed, files removed.
    public init(configuration: RelayConfiguration) throws(DaemonError) {
        try configuration.validate()
        let interfaces = try InterfaceResolver.resolve(configuration)
        let paths = RuntimePaths(directory: configuration.runtimeDirectory)
        try Self.prepareRuntimeDirectory(paths)
        var engine = try Self.makeEngine(interfaces, configuration)
        // After the sockets: a frame the kernel dataplane does not take must find them open.
        let selection = try DataplaneSelection.choose(configuration.dataplane, interfaces: interfaces)
        engine.offload = selection.offload
        let signalFD = pr_termination_signalfd()
        guard signalFD >= 0 else { throw .failure("signalfd: \(String(cString: strerror(-signalFD)))") }
        let controlFD: Int32
        do { controlFD = try UnixSocket.listen(at: paths.controlSocket) } catch {
            close(signalFD)
            throw error
        }
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
                                   idleTimeout: Int64(configuration.idleTimeout), mss: configuration.mss)
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
        let roles = engine.descriptors
        var fds = roles.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let controlIndex = fds.count
        fds.append(pollfd(fd: controlFD, events: Int16(POLLIN), revents: 0))
        let signalIndex = fds.count
        fds.append(pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0))

        var lastTick = MonotonicClock.seconds()
        var running = true
        while running {
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), 250) }
            if ready > 0 {
                for i in 0..<roles.count where fds[i].revents != 0 {
                    engine.service(roles[i].role)
                }
                if fds[controlIndex].revents != 0 { serveControl() }
                if fds[signalIndex].revents != 0 { running = !terminationRequested() }
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
            UnixSocket.setTimeouts(client, seconds: 1)
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
            interfaces: engine.core.interfaces.map {
                .init(name: $0.name, role: $0.role.rawValue, index: $0.index, mac: $0.mac.description, mtu: $0.mtu)
            },
            sessionCount: engine.core.table.count, maxSessions: configuration.maxSessions,
            idleTimeoutSeconds: configuration.idleTimeout,
            counters: Dictionary(uniqueKeysWithValues: engine.core.counters.fields.map { ($0.name, $0.value) }),
            configuration: configuration, mss: engine.core.mss.description)
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
