import CShim
import FastPaths
import ControlProtocol
import Libc
import Offload
import PlainText
import RelayClient
import RelayDaemon
import UserspaceRelay

/// `relayctl enable` and `relayctl disable`: the way an administrator switches the relay on and
/// off, typically as `ssh root@router relayctl enable --wan eth1 --lan br-lan`. Both are safe to
/// repeat, and both leave the machine as they say.
public enum RelayController {
    /// Starts the daemon detached with `configuration`, saved at `configurationPath`, and returns
    /// the one line saying what now runs. A daemon already running the same configuration is left
    /// alone; one running another is replaced. On failure the machine is as it was: a relay that
    /// was replaced runs again with its own configuration, and with none the fast paths are back.
    public static func enable(_ configuration: RelayConfiguration, configurationPath: String,
                              executable: String, system: SystemAccess = SystemAccess()) throws(DaemonError) -> String {
        try configuration.validate()
        if InitSystem.detect(system, configurationPath: configurationPath)?.kind == .procd, UCIFile.relayIsEnabled(system) {
            throw .usage("this router configures the relay in \(UCIFile.path) (option enabled '1'): "
                + "change it there and run /etc/init.d/pppoe-relay reload")
        }
        // A typo must not cost the running relay: check the devices before touching anything.
        // (A modem's WAN is its serial device, opened when a client dials.)
        if configuration.modem == nil { _ = try InterfaceResolver.resolve(configuration) }
        _ = try ControlAccess.groupID(configuration.controlGroup)
        let directory = configuration.runtimeDirectory
        // So is an unsafe runtime directory.
        if let checked = try RuntimeDirectory.existing(directory) { close(checked) }
        let switchedOff = configuration.modem == nil ? try switchFastPathsOff(for: configuration, system) : []
        let note = switchedOff.isEmpty ? "" : "; switched off \(switchedOff.joined(separator: ", "))"
        var replaced: RelayConfiguration?
        if let running = try? ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self) {
            if running.configuration == configuration {
                try ConfigurationFile.save(configuration, at: configurationPath)
                return "already enabled: \(running.dataplane) dataplane, pid \(running.pid)" + note
            }
            replaced = running.configuration
            // A new configuration restarts the relay, it does not end its sessions: the new daemon
            // adopts those its devices still carry and ends the rest with PADT.
            _ = try? ControlClient.query(.keepSessionsOnStop(true), runtimeDirectory: directory, as: StatusReport.self)
            _ = try stopDaemon(runtimeDirectory: directory)
        }

        let previous = fileContents(atPath: configurationPath)
        do throws(DaemonError) {
            try ConfigurationFile.save(configuration, at: configurationPath)
            let report = try launch(configuration, configurationPath: configurationPath, executable: executable,
                                    system: system)
            return "enabled: \(report.dataplane) dataplane, lan \(configuration.lanInterfaces.joined(separator: ",")) "
                + "<-> wan \(configuration.wanInterface), pid \(report.pid)" + note
        } catch {
            ConfigurationFile.restore(previous, at: configurationPath)
            if let replaced,
               let report = try? launch(replaced, configurationPath: configurationPath, executable: executable,
                                        system: system) {
                throw .failure("\(error); the previous relay runs again (pid \(report.pid))")
            }
            _ = try? FastPaths.restore(system)
            throw error
        }
    }

    /// Starts a daemon with `configuration` through the init system that runs the relay where
    /// one is installed, else detached; returns once it answers.
    private static func launch(_ configuration: RelayConfiguration, configurationPath: String, executable: String,
                               system: SystemAccess) throws(DaemonError) -> StatusReport {
        if let service = InitSystem.detect(system, configurationPath: configurationPath) {
            return try service.start(configuration, system)
        }
        return try start(configuration, executable: executable)
    }

    /// Stops the daemon (PADT to every session), removes every kernel object of ours, also those
    /// of a daemon killed with SIGKILL, and forgets the saved configuration.
    public static func disable(runtimeDirectory: String, configurationPath: String,
                               system: SystemAccess = SystemAccess()) throws(DaemonError) -> String {
        var done: [String] = []
        // Whatever a `restart` asked of the running daemon, disabling ends every session.
        _ = try? ControlClient.query(.keepSessionsOnStop(false), runtimeDirectory: runtimeDirectory, as: StatusReport.self)
        if let service = InitSystem.detect(system, configurationPath: configurationPath) {
            try service.stop(system)
            done.append("stopped the \(service.name) service")
        }
        if let pid = try stopDaemon(runtimeDirectory: runtimeDirectory) { done.append("stopped relay pid \(pid)") }
        // Every step is tried even when one fails: a fast path that will not come back must not
        // leave the configuration behind for the next boot to start the relay with.
        var failures: [String] = []
        do {
            let restored = try FastPaths.restore(system)
            if !restored.isEmpty { done.append("restored \(restored.joined(separator: ", "))") }
        } catch {
            failures.append(error.description)
        }
        do {
            if try KernelDataplane.removeLeftovers() {
                done.append("removed leftover nftables table \(KernelDataplane.tableName)")
            }
        } catch {
            failures.append("cannot remove nftables table \(KernelDataplane.tableName): \(error)")
        }
        // Files are removed only from a directory that passed the checks: in one somebody else
        // controls, the names could lead anywhere.
        if let directory = try? RuntimeDirectory.existing(runtimeDirectory) {
            // Whatever is still here belonged to a relay that is gone (killed, or dead with its
            // machine): say so, with the pid it had, rather than "nothing to do".
            let stalePID = fileContents(atPath: RuntimePaths(directory: runtimeDirectory).pidFile)
                .flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingWhitespace) }
            // The journal too: nothing is left for a next daemon to adopt.
            let journal = RuntimePaths.journalName
            // (".unread" is where versions before ".rejected" set an unreadable journal aside.)
            let removed = ["control.sock", "relayd.pid", "relayd.pid.new", journal, journal + ".new",
                           journal + ".rejected", journal + ".unread"]
                .filter { (name: String) in unlinkat(directory, name, 0) == 0 }
            close(directory)
            if !removed.isEmpty {
                let listed = removed.count < 2 ? removed.joined()
                    : removed.dropLast().joined(separator: ", ") + " and " + removed.last!
                done.append("removed \(listed) of a relay that was gone"
                    + (stalePID.map { " (pid \($0))" } ?? ""))
            }
        }
        if fileContents(atPath: configurationPath) != nil {
            unlink(configurationPath)
            done.append("removed \(configurationPath)")
        }
        guard failures.isEmpty else {
            throw .failure(failures.joined(separator: "; ") + (done.isEmpty ? "" : " (otherwise disabled: "
                + done.joined(separator: ", ") + ")"))
        }
        return done.isEmpty ? "not enabled: nothing to do" : "disabled: " + done.joined(separator: ", ")
    }

    /// Restarts the running relay keeping every session: it is told to leave them to the next
    /// daemon, stopped, and started again with its configuration (through the init system that
    /// runs it, where one does), and the new daemon adopts them. For an upgrade: install the new
    /// binary, then restart. On failure the old daemon, if it still runs, ends sessions on stop again.
    public static func restart(runtimeDirectory: String, configurationPath: String, executable: String,
                               system: SystemAccess = SystemAccess()) throws(DaemonError) -> String {
        let before = try ControlClient.query(.keepSessionsOnStop(true), runtimeDirectory: runtimeDirectory,
                                             as: StatusReport.self)
        let after: StatusReport
        do throws(DaemonError) {
            if let service = InitSystem.detect(system, configurationPath: configurationPath),
               before.configuration.runtimeDirectory == runtimeDirectory {
                after = try service.restart(before.configuration, system, oldPID: before.pid)
            } else {
                _ = try stopDaemon(runtimeDirectory: runtimeDirectory)
                after = try start(before.configuration, executable: executable)
            }
        } catch {
            _ = try? ControlClient.query(.keepSessionsOnStop(false), runtimeDirectory: runtimeDirectory, as: StatusReport.self)
            throw error
        }
        return "restarted: pid \(before.pid) -> \(after.pid), \(after.adoptedSessions ?? 0) of \(before.sessionCount) "
            + "sessions kept (away \(after.awaySeconds ?? 0) s), \(after.dataplane) dataplane"
    }

    /// Tells the running relay whether its next stop keeps its sessions (for an init script that
    /// is about to restart it) or ends them (the default).
    public static func keepSessionsOnStop(_ keep: Bool, runtimeDirectory: String) throws(DaemonError) -> String {
        let report = try ControlClient.query(.keepSessionsOnStop(keep), runtimeDirectory: runtimeDirectory,
                                             as: StatusReport.self)
        return keep ? "pid \(report.pid): the next stop keeps its \(report.sessionCount) sessions for the next daemon"
            : "pid \(report.pid): the next stop ends its \(report.sessionCount) sessions with PADT"
    }

    /// netifd's hotplug event for a logical interface and its device: when the relay's WAN comes
    /// up a running relay re-resolves its devices and reinstalls its kernel state; when it goes
    /// down every session ends with PADT. Events for other interfaces change nothing, and so does
    /// any event while the relay is not running: starting it is the administrator's decision
    /// (and procd's), never a hotplug event's. `wan` is the relay's WAN as configured (a logical
    /// interface or a device, as the OpenWrt hook passes it from UCI); without it the saved
    /// configuration's WAN device is used.
    public static func hotplug(action: String, interface: String, device: String, wan: String?,
                               runtimeDirectory: String?, configurationPath: String) throws(DaemonError) -> String {
        let wanName: String
        var directory = runtimeDirectory ?? RelayConfiguration.defaultRuntimeDirectory
        if let wan {
            wanName = wan
        } else {
            guard fileContents(atPath: configurationPath) != nil else { return "not enabled: nothing to do" }
            let configuration = try ConfigurationFile.load(configurationPath)
            wanName = configuration.wanInterface
            directory = runtimeDirectory ?? configuration.runtimeDirectory
        }
        // netifd's ifdown carries no DEVICE, and an ifup of a PPPoE interface names its PPP
        // device (pppoe-wan), never the Ethernet device the relay uses: the logical name decides,
        // and a device matches only when it is the very device configured.
        guard interface == wanName || (!device.isEmpty && device == wanName) else {
            let shown = device.isEmpty ? interface : "\(interface) (\(device))"
            return "\(shown) is not the relay's WAN \(wanName): nothing to do"
        }
        guard (try? ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self)) != nil else {
            return "not running: nothing to do"
        }
        switch action {
        case "ifup", "ifupdate":
            let report = try ControlClient.query(.reload, runtimeDirectory: directory, as: StatusReport.self)
            return "reloaded: " + report.interfaces.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
        case "ifdown":
            let before = try ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self).sessionCount
            _ = try ControlClient.query(.endSessions, runtimeDirectory: directory, as: StatusReport.self)
            return "WAN down: ended \(before) sessions"
        default:
            return "action \(action) changes nothing"
        }
    }

    /// Fast paths go off before the relay starts, and again whenever it starts (a reboot brings
    /// the vendor's back on): `enable` and the init systems' `relayctl daemon` both call this.
    @discardableResult
    public static func switchFastPathsOff(for configuration: RelayConfiguration,
                                          _ system: SystemAccess) throws(DaemonError) -> [String] {
        let relaying = system.relaying(on: [configuration.wanInterface] + configuration.lanInterfaces)
        do { return try FastPaths.switchOff(relaying) } catch { throw .from(error, errno: error.errno) }
    }

    // MARK: starting and stopping

    /// Waits until the daemon in `directory` answers, and is not `oldPID`.
    static func waitUntilReady(_ directory: String, notPID oldPID: Int32?, while alive: () -> String?) throws(DaemonError)
        -> StatusReport {
        let deadline = MonotonicClock.milliseconds() + 15_000
        while MonotonicClock.milliseconds() < deadline {
            if let reason = alive() { throw reason.hasPrefix("usage: ") ? .usage(String(reason.dropFirst(7))) : .failure(reason) }
            if let report = try? ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self),
               report.pid != oldPID {
                return report
            }
            usleep(50_000)
        }
        throw .failure("the relay did not become ready within 15 s")
    }

    private static func start(_ configuration: RelayConfiguration, executable: String) throws(DaemonError) -> StatusReport {
        let paths = RuntimePaths(directory: configuration.runtimeDirectory)
        let directory = try RuntimeDirectory.prepare(paths.directory, group: ControlAccess.groupID(configuration.controlGroup))
        // The child opens the log with O_NOFOLLOW: a link left in its place goes first.
        RuntimeDirectory.removeUnlessRegularFile(directory, "relayd.log")
        close(directory)
        let logStart = fileContents(atPath: paths.logFile)?.count ?? 0
        let arguments = [executable] + configuration.runArguments
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let pid = pr_spawn_detached(executable, &cArguments, paths.logFile)
        guard pid > 0 else { throw .failure("cannot start \(executable): \(String(cString: strerror(-pid)))") }

        var reaped = false
        do {
            return try waitUntilReady(paths.directory, notPID: nil) {
                var status: Int32 = 0
                guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
                reaped = true
                // It gave up before it was ready: its last words are the reason.
                let log = fileContents(atPath: paths.logFile) ?? []
                let said = String(decoding: log.dropFirst(logStart), as: UTF8.self)
                let reason = said.split(separator: "\n").last.map(String.init) ?? "relay exited"
                let message = reason.hasPrefix("relayctl: ") ? String(reason.dropFirst(10)) : reason
                return (status >> 8) & 0xFF == 2 ? "usage: " + message : message
            }
        } catch {
            if !reaped { kill(pid, SIGKILL) }
            throw error
        }
    }

    /// Stops the daemon of `runtimeDirectory`; its pid, or nil when none ran. Whatever names a
    /// pid (the socket's answer, the pid file) is only a hint: a process is signalled only if it
    /// is this directory's daemon (`RuntimeDirectory.isDaemon`), checked again before SIGKILL,
    /// since a pid file can outlive its daemon and its pid be reused.
    private static func stopDaemon(runtimeDirectory: String) throws(DaemonError) -> Int32? {
        guard let directory = try RuntimeDirectory.existing(runtimeDirectory) else { return nil }
        defer { close(directory) }
        let paths = RuntimePaths(directory: runtimeDirectory)
        let reported = (try? ControlClient.query(.status, runtimeDirectory: runtimeDirectory, as: StatusReport.self))?.pid
        let recorded = fileContents(atPath: paths.pidFile)
            .flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingWhitespace) }
        guard let pid = [reported, recorded].compactMap({ $0 }).first(where: {
            RuntimeDirectory.isDaemon($0, directoryFD: directory, path: runtimeDirectory)
        }) else {
            if let reported {
                throw .failure("the relay at \(paths.controlSocket) says it is pid \(reported), which is not a relay "
                    + "for \(runtimeDirectory): not signalled")
            }
            return nil
        }
        kill(pid, SIGTERM)
        for _ in 0..<200 where kill(pid, 0) == 0 { usleep(50_000) }
        if kill(pid, 0) == 0, RuntimeDirectory.isDaemon(pid, directoryFD: directory, path: runtimeDirectory) {
            kill(pid, SIGKILL)
            for _ in 0..<40 where kill(pid, 0) == 0 { usleep(50_000) }
        }
        return pid
    }
}
