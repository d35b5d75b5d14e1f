import CShim
import ControlProtocol
import Libc
import Netlink
import Offload
import PPPoEWire
import PlainText
import RelayLog
import UserspaceRelay

/// The foreground daemon of `relayctl run`: one thread, one poll loop over the packet
/// sockets, the control socket and a signalfd. Session frames never wait behind anything
/// slower than a status query.
public struct RelayDaemon: ~Copyable {
    private let configuration: RelayConfiguration
    private let selection: DataplaneSelection
    private let paths: RuntimePaths
    var engine: RelayEngine
    var control: ControlServer
    /// `sessions` answers being built in slices (see `SessionsAnswer`).
    var sessionsAnswers: [SessionsAnswer] = []
    /// When the kernel's counters were last read for a control answer (see `refreshCountsForAnswer`).
    var countsReadForAnswers: Int64?
    /// Held for the daemon's life: the directory's lock, which keeps a second daemon out.
    /// Released after deinit has removed the files, so no other daemon starts among them.
    private let lock: OwnedDescriptor
    /// The runtime directory, checked at start: the journal is written relative to it.
    private let directory: OwnedDescriptor
    /// What this daemon took over from the journal a previous one left.
    private let adoption: SessionAdoption
    private var journal = JournalWriter()
    /// Set by `relayctl restart` (or an init script about to restart the relay): the next
    /// SIGTERM/SIGINT leaves every session to the next daemon instead of ending it.
    private var keepsSessionsOnStop = false
    /// SIGTERM or SIGINT arrived: the loop ends after this round.
    private var stopping = false
    private let signalFD: Int32
    private let linkEvents: LinkEvents
    private let startedAt = MonotonicClock.seconds()
    /// Slots whose device is gone; `reconcile` brings them back when it returns.
    private var absent: Set<Int> = []
    /// Sockets were closed or opened: the poll set must be built again.
    private var descriptorsChanged = false
    private let log: Logger
    /// Dropped-frame counters, summarised at most once a minute per kind.
    private var drops: DropSummary
    /// `--verbose` discovery decisions beyond this rate are counted, not logged one by one.
    private var decisionBudget: LineBudget
    /// The kernel dataplane's last error as logged: a new one is logged once.
    private var loggedKernelError: String?

    /// Sets everything up or fails with nothing left behind: sockets closed, files removed.
    public init(configuration: RelayConfiguration, log: Logger) throws(DaemonError) {
        try configuration.validate()
        // A control client that hangs up before reading its answer must cost an EPIPE, not the relay.
        _ = pr_libc_ignore_signal(SIGPIPE)
        let interfaces = try InterfaceResolver.resolve(configuration)
        let group = try ControlAccess.groupID(configuration.controlGroup)
        let paths = RuntimePaths(directory: configuration.runtimeDirectory)
        let directory = OwnedDescriptor(try RuntimeDirectory.prepare(paths.directory, group: group))
        // Before anything else is touched: a second daemon on this directory stops here.
        let lock = OwnedDescriptor(try RuntimeDirectory.lock(directory.fd, paths.directory))
        try RuntimeDirectory.adjust(directory.fd, paths.directory, group: group)
        var engine = try Self.makeEngine(interfaces, configuration)
        // The sockets are open (frames of adopted sessions queue there from now on); the table
        // is filled before the kernel dataplane is built, so that it installs them in its first
        // transaction, replacing a previous daemon's table without a gap.
        let adoption = SessionAdoption.adopt(from: directory.fd, into: &engine)
        // After the sockets: a frame the kernel dataplane does not take must find them open.
        let selection = try DataplaneSelection.choose(configuration.dataplane, interfaces: interfaces,
                                                      policy: configuration.policy, sessions: adoption.sessions)
        engine.offload = selection.offload
        Self.takeOverCounters(&engine, selection.offload)
        if selection.offload != nil {
            do { try engine.useKernelDataplaneRings() } catch { throw .failure("\(error)") }
        }
        let signalFD = pr_termination_signalfd()
        guard signalFD >= 0 else { throw .failed("signalfd", errno: -signalFD) }
        let linkEvents: LinkEvents
        do { linkEvents = try LinkEvents() } catch {
            close(signalFD)
            throw .from(error, errno: error.errno)
        }
        // We hold the lock: a socket file left here is a dead daemon's.
        _ = unlinkat(directory.fd, "control.sock", 0)
        let listenFD: Int32
        do { listenFD = try UnixSocket.listen(at: paths.controlSocket, group: group) } catch {
            close(signalFD)
            throw error
        }
        if let error = RuntimeDirectory.writePidFile(directory.fd) {
            log.warning("cannot write \(paths.directory)/\(RuntimeDirectory.pidName): \(error.text) (the control socket's status still gives the pid)")
        }
        // Nothing may throw from here: once every stored property is set, a throw would run deinit.
        self.directory = directory
        self.adoption = adoption
        self.linkEvents = linkEvents
        self.engine = engine
        self.selection = selection
        self.paths = paths
        self.signalFD = signalFD
        self.lock = lock
        self.control = ControlServer(listenFD: listenFD, access: ControlAccess(daemonUID: geteuid(), group: group))
        self.configuration = configuration
        self.log = log
        let verbose = log.logLevel <= .debug
        self.engine.core.notesDiscovery = verbose
        drops = DropSummary(includesRoutine: verbose)
        decisionBudget = LineBudget(now: MonotonicClock.seconds())
    }

    private static func makeEngine(_ interfaces: [RelayInterface],
                                   _ configuration: RelayConfiguration) throws(DaemonError) -> RelayEngine {
        do {
            return try RelayEngine(interfaces: interfaces, maxSessions: configuration.maxSessions,
                                   idleTimeout: Int64(configuration.idleTimeout), mss: configuration.mss,
                                   policy: configuration.policy)
        } catch { throw .from(error, errno: error.errno) }
    }

    /// The kernel counted frames of adopted sessions while no daemon ran: those counts (read from
    /// the table just replaced) are folded in against the journal's last reading, and the new
    /// table's counters start from zero. With the userspace dataplane, a previous daemon's table
    /// is removed: nothing may go on forwarding that this daemon does not know of.
    private static func takeOverCounters(_ engine: inout RelayEngine, _ offload: KernelSessionOffload?) {
        guard let offload else {
            _ = try? KernelDataplane.removeOrphan()
            return
        }
        if !offload.inheritedCounts.isEmpty {
            engine.core.applyForwardedCounts(offload.inheritedCounts, now: MonotonicClock.seconds())
        }
        let zero = ForwardedCount(packets: 0, bytes: 0)
        for slot in engine.core.table.liveSlots {
            engine.core.table.session(at: slot).pointee.kernelReadingToAC = zero
            engine.core.table.session(at: slot).pointee.kernelReadingToClient = zero
        }
    }

    deinit {
        close(signalFD)
        unlink(paths.controlSocket)
        unlink(paths.pidFile)
    }

    /// One line for people: what now runs.
    public var readyLine: String {
        let lans = engine.core.interfaces.dropFirst().map { $0.name }.joined(separator: ",")
        return "relaying PPPoE: lan \(lans) <-> wan \(configuration.wanInterface), "
            + "\(selection.name) dataplane (\(selection.reason)), control \(paths.controlSocket)"
    }

    /// Runs until SIGINT or SIGTERM, then sends PADT to both sides of every session.
    public mutating func run() {
        releaseStartupMemory()
        logStart()
        writeJournal(force: true)
        var roles = engine.descriptors
        var fds = pollSet(roles)
        var lastTick = MonotonicClock.seconds()
        var running = true
        while running {
            let count = nfds_t(roles.count + 3 + control.pollSlots)
            // Idle sessions still due to end: look at the sockets, then end the next slice.
            let timeout: Int32 = engine.expiryPending || sessionsAnswerCanGrow ? 0 : 250
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, timeout) }
            if ready > 0 {
                for i in 0..<roles.count where fds[i].revents != 0 {
                    engine.service(roles[i].role, failed: fds[i].revents & Int16(POLLERR) != 0)
                }
                let fixed = roles.count
                if fds[fixed + 1].revents != 0, TerminationSignals.drain(signalFD) {
                    running = false
                    stopping = true
                }
                if fds[fixed + 2].revents != 0, linkEvents.drain() { reconcile(rebuildKernel: false) }
                for slot in 0..<control.pollSlots where fds[fixed + 3 + slot].revents != 0 {
                    if let request = control.service(slot), !beganSessionsAnswer(request, slot: slot) {
                        control.answer(slot, reply(to: request))
                    }
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
                for line in control.expire(now: now) { log.notice(line) }
                logDrops(now: now, flush: false)
                logKernelError()
            } else {
                engine.continueExpiry()
            }
            continueSessionsAnswers()
            logSessionRecords(now: now)
            writeJournal()
            control.fill(&fds, from: roles.count + 3)
            fds[roles.count].events = now < control.acceptResumes ? 0 : Int16(POLLIN)
        }
        if keepsSessionsOnStop {
            engine.refreshForwardedCounts()
            writeJournal(force: true)
            let kernel = selection.offload.map { $0.persists ? "; the kernel table goes on forwarding them"
                : "; this kernel cannot keep the table (before Linux 6.9): the next daemon rebuilds it" } ?? ""
            if journal.health.isWritable {
                log.notice("stopping for a restart: \(engine.core.table.count) sessions kept in the journal for the next daemon\(kernel)")
            } else {
                log.warning("stopping for a restart, but the journal could not be written: the next daemon adopts only the sessions of its last write\(kernel)")
            }
        } else {
            log.info("stopping: \(engine.core.table.count) sessions end with PADT")
            engine.terminateAll(reason: "pppoe-relay: relay stopped", cause: .relayStopped)
            selection.offload?.removeAll()
            // A child still writing would put the journal back after it is removed.
            journal.awaitChild()
            logJournal()
            JournalFile.remove(directory.fd)
        }
        let now = MonotonicClock.seconds()
        logSessionRecords(now: now)
        logDrops(now: now, flush: true)
        log.info("stopped after \(now - startedAt) s")
    }

    // MARK: The log

    private func logStart() {
        let lans = engine.core.interfaces.dropFirst().map { TerminalText.escaped($0.name) }.joined(separator: ",")
        let wan = TerminalText.escaped(configuration.wanInterface)
        log.info("started, pid \(getpid()): lan \(lans) <-> wan \(wan), max \(configuration.maxSessions) sessions, idle timeout \(configuration.idleTimeout) s, mss \(engine.core.mss.description)")
        let fallback = configuration.dataplane == .auto && selection.offload == nil
        log.log(level: fallback ? .warning : .info,
                "dataplane \(selection.name)\(fallback ? " (fallback)" : ""): \(selection.reason)")
        if let problem = adoption.problem {
            log.warning("journal of the previous daemon not read: \(problem); no session adopted, none ended, nothing left forwarding in the kernel")
        } else if let away = adoption.awaySeconds {
            let milliseconds = Int(adoption.seconds * 1000)
            let outlived = adoption.outlived
                ? " (nothing forwarded them for longer than \(SessionAdoption.longestSurvivableAbsence) s)" : ""
            let duplicates = adoption.duplicates > 0 ? ", \(adoption.duplicates) listed twice (ignored)" : ""
            log.notice("adopted \(adoption.sessions.count) sessions from the previous daemon (away \(away) s, \(milliseconds) ms to adopt), \(adoption.ended) ended with PADT\(duplicates)\(outlived)")
            for problem in adoption.problems { log.warning("journal \(TerminalText.escaped(problem)): ended with PADT") }
            if adoption.invalid > adoption.problems.count {
                log.warning("journal: \(adoption.invalid - adoption.problems.count) more sessions out of bounds, ended with PADT")
            }
            if adoption.invalid > 0 || adoption.duplicates > 0 {
                log.warning("journal of the previous daemon was not as a relay writes it: set aside as \(JournalFile.rejectedName)")
            }
        }
    }

    /// Sessions opened, closed and refused since the last call, one line each; discovery
    /// decisions too with `--verbose`, within their budget.
    private mutating func logSessionRecords(now: Int64) {
        let records = engine.core.takeSessionRecords()
        if !records.isEmpty {
            let names = engine.core.interfaces.map { $0.name }
            for record in records {
                log.log(level: record.kind == .opened ? .info : .notice, "\(SessionLogText.line(record, interfaces: names))")
            }
        }
        guard engine.core.notesDiscovery else { return }
        for note in engine.core.takeDiscoveryNotes() where decisionBudget.admit(now: now) {
            log.debug("\(note)")
        }
    }

    /// A session the kernel would not take, a counter it would not give: the first time each
    /// error is seen (its sessions go through userspace meanwhile; status shows it too).
    private mutating func logKernelError() {
        guard let error = selection.offload?.lastError?.description, error != loggedKernelError else { return }
        loggedKernelError = error
        log.warning("kernel dataplane: \(error)")
    }

    /// The journal, when the table changed or counters are due (`JournalWriter` paces it), or
    /// now with `force`; a write that fails is logged the first time and once per new reason (a
    /// child's, when it is collected), its recovery too, and the relay goes on.
    private mutating func writeJournal(force: Bool = false) {
        _ = journal.writeIfDue(directory.fd, engine, force: force)
        logJournal()
    }

    private mutating func logJournal() {
        for line in journal.takeLogLines() { log.log(level: line.isWarning ? .warning : .notice, "\(line.text)") }
    }

    private mutating func logDrops(now: Int64, flush: Bool) {
        var counters = engine.core.counters.fields
        counters.append(("session_records_lost", engine.core.recordsLost))
        if engine.core.notesDiscovery {
            counters.append(("discovery_notes_withheld", decisionBudget.withheld &+ engine.core.decisionsLost))
        }
        for line in drops.lines(counters, now: now, flush: flush) { log.log(level: line.level, "\(line.text)") }
    }

    /// Hands the heap that start-up freed (command line, configuration, interface lookups)
    /// back to the system before the loop runs for months.
    private func releaseStartupMemory() {
        pr_release_free_memory()
    }

    /// The packet sockets, then the control socket, the signalfd, the link-event socket and
    /// a fixed run of control-client entries (filled by `control.fill`).
    private mutating func pollSet(_ roles: [(fd: Int32, role: RelayEngine.Descriptor)]) -> [pollfd] {
        var fds = (roles.map { $0.fd } + [control.listenFD, signalFD, linkEvents.descriptor])
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
            logLink("cannot look links up: \(error)")
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
                    logLink("\(current.name) went away: \(before - engine.core.table.count) sessions ended")
                }
                continue
            }
            let fresh = RelayInterface(name: current.name, index: link.index, mac: mac, mtu: link.mtu, role: current.role)
            guard absent.contains(slot) || fresh.index != current.index || fresh.mac != current.mac else { continue }
            do throws(RelayError) {
                try engine.interfaceUp(fresh, slot: UInt8(slot))
                absent.remove(slot)
                changed = true
                logLink("\(current.name) is back (index \(fresh.index), \(fresh.mac))")
            } catch {
                logLink("\(current.name) is back but unusable: \(error)")
            }
        }
        if changed || rebuildKernel, let offload = selection.offload {
            let sessions = engine.core.table.liveSlots.map { engine.core.table.session(at: $0).pointee }
            do { try offload.rebuild(interfaces: engine.core.interfaces, absent: absent, sessions: sessions) } catch {
                logLink("kernel dataplane not rebuilt: \(error); sessions go through userspace meanwhile")
            }
        }
        if changed { descriptorsChanged = true }
    }

    private func logLink(_ line: String) {
        log.notice("\(line)")
    }

    // MARK: Control socket

    /// Only the answers that show counters read every session's from the kernel first: at a full
    /// table that reading holds the loop for most of a second, which `mss` and a restart's
    /// `keep-sessions-on-stop` need not pay.
    private mutating func reply(to request: ControlRequest) -> [UInt8] {
        switch request {
        case .status, .sessions: refreshCountsForAnswer()
        case .reload: engine.refreshForwardedCounts()
        default: break
        }
        switch request {
        case .status: return ControlJSON.encode(statusReport())
        case .sessions: return ControlJSON.encode(SessionsReport(sessions: sessionReports()))
        case .mssShow: return ControlJSON.encode(mssReport())
        case let .mssSet(setting):
            engine.core.setMSS(setting)
            return ControlJSON.encode(mssReport())
        case .reload:
            log.info("reload: devices looked up again, kernel dataplane rebuilt")
            reconcile(rebuildKernel: true)
            return ControlJSON.encode(statusReport())
        case .endSessions:
            log.notice("WAN down: \(engine.core.table.count) sessions end with PADT")
            engine.terminateAll(reason: "pppoe-relay: WAN down", cause: .wanDown)
            return ControlJSON.encode(statusReport())
        case let .keepSessionsOnStop(keep):
            // Once a stop signal arrived, what it does is settled: an init script's "never mind"
            // sent after procd already replaced the instance must not end the sessions after all.
            if stopping { return ControlJSON.encode(statusReport()) }
            if keep != keepsSessionsOnStop {
                log.notice(keep ? "restart requested: the next stop keeps every session for the next daemon"
                    : "restart cancelled: the next stop ends every session")
            }
            keepsSessionsOnStop = keep
            return ControlJSON.encode(statusReport())
        }
    }

    func mssReport() -> MSSReport {
        let limits = engine.core.mss.limits(maxPayload: nil)
        return MSSReport(setting: engine.core.mss.description, ipv4: limits.ipv4, ipv6: limits.ipv6)
    }

    func statusReport() -> StatusReport {
        var report = StatusReport(
            pid: getpid(), dataplane: selection.name, dataplaneReason: selection.reason,
            uptimeSeconds: MonotonicClock.seconds() - startedAt, interfaces: interfaceReports(),
            sessionCount: engine.core.table.count, maxSessions: configuration.maxSessions,
            idleTimeoutSeconds: configuration.idleTimeout,
            counters: Dictionary(uniqueKeysWithValues: engine.core.counters.fields.map { ($0.name, $0.value) }),
            configuration: configuration, mss: engine.core.mss.description,
            kernelError: selection.offload?.lastError?.description)
        if adoption.awaySeconds != nil {
            report.adoptedSessions = adoption.sessions.count
            report.awaySeconds = adoption.awaySeconds
        }
        report.keepsSessionsOnStop = keepsSessionsOnStop
        report.journalWritable = journal.health.isWritable
        report.journalError = journal.health.failure
        report.journalWriteFailures = journal.health.failedWrites
        return report
    }

    /// Operstate and carrier are asked of the kernel at each status: they change without a link
    /// event the daemon acts on, and a status is rare enough for one netlink round trip per device.
    private func interfaceReports() -> [StatusReport.Interface] {
        var routes: RouteSocket? = try? RouteSocket()
        var reports: [StatusReport.Interface] = []
        for (slot, interface) in engine.core.interfaces.enumerated() {
            var link: LinkInfo?
            if !absent.contains(slot) { link = try? routes?.link(named: interface.name) }
            reports.append(.init(name: interface.name, role: interface.role.rawValue, index: interface.index,
                                 mac: interface.mac.description, mtu: interface.mtu,
                                 state: absent.contains(slot) ? "down" : "up",
                                 operstate: link.map { $0.operationalState.description } ?? "absent",
                                 carrier: link?.carrier ?? false))
        }
        return reports
    }

    func sessionReports() -> [SessionReport] {
        let now = MonotonicClock.seconds()
        let names = engine.core.interfaces.map { $0.name }
        return engine.core.table.liveSlots.map { sessionReport(at: $0, now: now, names: names) }
    }

    func sessionReport(at slot: Int32, now: Int64, names: [String]) -> SessionReport {
        let session = engine.core.table.session(at: slot).pointee
        let labels = engine.core.table.labels(at: slot)
        return SessionReport(
            lanInterface: names[Int(session.lanSlot)], clientMAC: session.clientMAC.description,
            clientSessionID: session.clientSessionID, wanInterface: names[0],
            acMAC: session.acMAC.description, acSessionID: session.acSessionID,
            acName: labels.acName, serviceName: labels.serviceName, uptimeSeconds: now - session.createdAt,
            idleSeconds: max(0, now - session.lastActivity),
            packetsToAC: session.totalToAC.packets, bytesToAC: session.totalToAC.bytes,
            packetsToClient: session.totalToClient.packets, bytesToClient: session.totalToClient.bytes,
            kernelPacketsToAC: session.offloadedToAC.packets, kernelPacketsToClient: session.offloadedToClient.packets)
    }
}
