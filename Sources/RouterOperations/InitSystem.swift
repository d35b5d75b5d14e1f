import FastPaths
import ControlProtocol
import Libc
import RelayClient

/// The init system that runs the relay where one is installed for it: OpenWrt's procd (with
/// /etc/init.d/pppoe-relay) or systemd (with pppoe-relay.service), so it restarts the relay on
/// failure and at boot. Both read the default configuration path, so they are used only when
/// `enable` writes that one; elsewhere `enable` detaches the daemon itself.
struct InitSystem {
    enum Kind { case procd, systemd }

    let kind: Kind
    var name: String { kind == .procd ? "procd" : "systemd" }

    static let procdScript = "/etc/init.d/pppoe-relay"
    static let systemdUnits = ["/etc/systemd/system/pppoe-relay.service", "/usr/lib/systemd/system/pppoe-relay.service",
                               "/lib/systemd/system/pppoe-relay.service"]

    static func detect(_ system: SystemAccess, configurationPath: String) -> InitSystem? {
        guard configurationPath == system.path(RelayConfiguration.defaultConfigurationPath) else { return nil }
        if system.isExecutable("/sbin/procd"), system.isExecutable(procdScript) { return InitSystem(kind: .procd) }
        if system.exists("/run/systemd/system"), system.isExecutable("/bin/systemctl") || system.isExecutable("/usr/bin/systemctl"),
           systemdUnits.contains(where: system.exists) {
            return InitSystem(kind: .systemd)
        }
        return nil
    }

    private func systemctl(_ system: SystemAccess) -> String {
        system.isExecutable("/bin/systemctl") ? "/bin/systemctl" : "/usr/bin/systemctl"
    }

    /// Enables the service at boot and (re)starts it; returns once the daemon answers.
    func start(_ configuration: RelayConfiguration, _ system: SystemAccess) throws(DaemonError) -> StatusReport {
        let old = (try? ControlClient.query(.status, runtimeDirectory: configuration.runtimeDirectory,
                                            as: StatusReport.self))?.pid
        do throws(FastPathError) {
            switch kind {
            case .procd:
                try system.runChecked(Self.procdScript, ["enable"])
                try system.runChecked(Self.procdScript, ["restart"])
            case .systemd:
                try system.runChecked(systemctl(system), ["enable", "pppoe-relay"])
                try system.runChecked(systemctl(system), ["restart", "pppoe-relay"])
            }
        } catch {
            throw .failure("\(name) could not start the relay: \(error)")
        }
        do {
            return try RelayController.waitUntilReady(configuration.runtimeDirectory, notPID: old) { nil }
        } catch {
            try? stop(system)
            throw .failure("\(name) started the relay but it did not become ready (see its log)")
        }
    }

    /// Restarts the service (stop, then start) without touching whether it starts at boot;
    /// returns once a new daemon answers.
    func restart(_ configuration: RelayConfiguration, _ system: SystemAccess, oldPID: Int32) throws(DaemonError) -> StatusReport {
        do throws(FastPathError) {
            switch kind {
            case .procd: try system.runChecked(Self.procdScript, ["restart"])
            case .systemd: try system.runChecked(systemctl(system), ["restart", "pppoe-relay"])
            }
        } catch {
            throw .failure("\(name) could not restart the relay: \(error)")
        }
        return try RelayController.waitUntilReady(configuration.runtimeDirectory, notPID: oldPID) { nil }
    }

    /// Stops the service and keeps it from starting at boot.
    func stop(_ system: SystemAccess) throws(DaemonError) {
        do throws(FastPathError) {
            switch kind {
            case .procd:
                try system.runChecked(Self.procdScript, ["stop"])
                try system.runChecked(Self.procdScript, ["disable"])
            case .systemd:
                try system.runChecked(systemctl(system), ["disable", "--now", "pppoe-relay"])
            }
        } catch {
            throw .failure("\(name) could not stop the relay: \(error)")
        }
    }
}
