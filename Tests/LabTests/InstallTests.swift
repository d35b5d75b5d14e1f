import Foundation
import XCTest

/// `scripts/install` with PREFIX and DESTDIR lays every file out where the others expect it.
final class InstallTests: XCTestCase {
    func install(prefix: String) throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: Lab.relayctl) else {
            throw Lab.MissingBinary("relayctl is not built at \(Lab.relayctl): run swift build first")
        }
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)")
        let out = Lab.run(["env", "PREFIX=\(prefix)", "DESTDIR=\(destination.path)", "bash",
                           Lab.root.appendingPathComponent("scripts/install").path, "--binary", Lab.relayctl])
        XCTAssertEqual(out.status, 0, out.stderr)
        return destination
    }

    func text(_ root: URL, _ path: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(String(path.dropFirst())), encoding: .utf8)) ?? ""
    }

    func mode(_ root: URL, _ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(String(path.dropFirst())).path))?[
            .posixPermissions] as? Int
    }

    func testInstallLaysOutEveryFileWhereTheOthersLookForIt() throws {
        for prefix in ["/usr", "/opt/pppoe-relay"] {
            let root = try install(prefix: prefix)
            defer { try? FileManager.default.removeItem(at: root) }
            let relayctl = "\(prefix)/sbin/relayctl"
            XCTAssertEqual(mode(root, relayctl), 0o755)
            XCTAssertEqual(mode(root, "/etc/init.d/pppoe-relay"), 0o755)
            XCTAssertEqual(mode(root, "/etc/hotplug.d/iface/90-pppoe-relay"), 0o755)
            XCTAssertEqual(mode(root, "\(prefix)/lib/systemd/system/pppoe-relay.service"), 0o644)
            XCTAssertEqual(mode(root, "/etc/pppoe-relay/relay.json.example"), 0o644)

            // Every file that runs relayctl names the installed binary, and no placeholder is left.
            for file in ["/etc/init.d/pppoe-relay", "/etc/hotplug.d/iface/90-pppoe-relay",
                         "\(prefix)/lib/systemd/system/pppoe-relay.service"] {
                XCTAssertTrue(text(root, file).contains(relayctl), "\(file) runs \(relayctl)")
                XCTAssertFalse(text(root, file).contains("@SBINDIR@"), file)
            }
            let unit = text(root, "\(prefix)/lib/systemd/system/pppoe-relay.service")
            XCTAssertTrue(unit.contains("ExecStart=\(relayctl) daemon --config /etc/pppoe-relay/relay.json"))
            XCTAssertTrue(unit.contains("ExecReload=\(relayctl) reload"))
            let procd = text(root, "/etc/init.d/pppoe-relay")
            XCTAssertTrue(procd.contains("procd_set_param respawn"))
            XCTAssertTrue(procd.contains("procd_add_reload_interface_trigger"))

            // The installed binary runs and accepts the installed example configuration.
            let check = Lab.run([root.path + relayctl, "daemon", "--config",
                                 root.path + "/etc/pppoe-relay/relay.json.example", "--check"])
            XCTAssertEqual(check.status, 0, check.stderr)
            XCTAssertEqual(check.stdout, "configuration OK: lan br-lan <-> wan eth1, dataplane auto\n")
        }
    }

    func testABrokenConfigurationIsOneLineAndExitTwo() throws {
        guard FileManager.default.isExecutableFile(atPath: Lab.relayctl) else { throw Lab.MissingBinary("relayctl is not built") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"wanInterface\": \"eth1\"}".write(to: file, atomically: true, encoding: .utf8)
        let out = Lab.run([Lab.relayctl, "daemon", "--config", file.path, "--check"])
        XCTAssertEqual(out.status, 2)
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("is not a relay configuration: missing \"lan_interfaces\""), out.stderr)
    }
}
