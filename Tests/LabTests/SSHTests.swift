import Foundation
import XCTest

/// The way administrators run the relay: `ssh root@router relayctl enable ...`, against a real
/// OpenSSH server started in the router namespace on 127.0.0.1 with throwaway keys.
final class SSHTests: LabTestCase {
    var keys: URL!
    var port = 0

    func startSSHServer() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw XCTSkip("needs OpenSSH's sshd: run scripts/setup (installs openssh-server)")
        }
        keys = lab.file("ssh")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        for key in ["host", "client"] {
            try lab.check(Lab.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys.appendingPathComponent(key).path]),
                          "ssh-keygen \(key)")
        }
        try FileManager.default.copyItem(at: keys.appendingPathComponent("client.pub"),
                                         to: keys.appendingPathComponent("authorized_keys"))
        port = 20000 + Int(getpid() % 20000)
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(keys.appendingPathComponent("host").path)
            PidFile \(keys.appendingPathComponent("sshd.pid").path)
            AuthorizedKeysFile \(keys.appendingPathComponent("authorized_keys").path)
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no

            """.write(to: keys.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        // sshd daemonizes itself rather than run as a Foundation Process: it closes every inherited
        // descriptor, Foundation's exit watch included, which makes Foundation block in waitpid on
        // it. The lab's teardown kills it with everything else in the namespace.
        try lab.check(lab.run(in: routerNS, ["/usr/sbin/sshd", "-f", keys.appendingPathComponent("sshd_config").path,
                                             "-E", keys.appendingPathComponent("sshd.log").path]), "start sshd")
        try lab.waitUntil("sshd accepts a login", timeout: 10) { ssh("true").status == 0 }
    }

    /// One non-interactive SSH command (no TTY, no prompt), as a script would run it.
    func ssh(_ command: String) -> Lab.Output {
        lab.run(in: routerNS, ["ssh", "-p", String(port), "-i", keys.appendingPathComponent("client").path,
                               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-T", "root@127.0.0.1", command])
    }

    /// True while sshd still holds a connection: its listener (in sshd.pid) has a child for each.
    /// When the last one is gone the SSH session is over, with whatever hang-up it sends.
    func sshSessionIsOpen() -> Bool {
        guard let text = try? String(contentsOf: keys.appendingPathComponent("sshd.pid"), encoding: .utf8),
              let listener = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).contains { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")") else { return false }
            // After the command name: state, then the parent's pid (man 5 proc).
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == listener
        }
    }

    func testEnableAndDisableOverSSH() throws {
        try buildTopology()
        try startSSHServer()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let options = "--runtime-dir \(lab.file("run").path) --config \(lab.file("etc/relay.json").path)"

        let started = Date()
        let enable = ssh("\(Lab.relayctl) enable --lan lan0 --wan wan0 \(options)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the SSH command returned promptly")
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertEqual(enable.stderr, "")
        XCTAssertEqual(enable.stdout.split(separator: "\n").count, 1)
        XCTAssertTrue(enable.stdout.hasPrefix("enabled: kernel dataplane"), enable.stdout)

        // The SSH session is over, and with it sshd's session process: the relay runs on and relays.
        try lab.waitUntil("sshd's session for the enable is gone", timeout: 10) { !sshSessionIsOpen() }
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0)
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)

        let status = ssh("\(Lab.relayctl) status --json --runtime-dir \(lab.file("run").path)")
        XCTAssertEqual(status.status, 0)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])

        let typo = ssh("\(Lab.relayctl) enable --lan lan0 --wan nosuch0 \(options)")
        XCTAssertEqual(typo.status, 2, "usage errors exit 2 through SSH too")
        XCTAssertEqual(typo.stdout, "")
        XCTAssertEqual(typo.stderr, "relayctl: no such interface: nosuch0\n")

        let disable = ssh("\(Lab.relayctl) disable \(options)")
        XCTAssertEqual(disable.status, 0, disable.stderr)
        XCTAssertTrue(disable.stdout.hasPrefix("disabled: stopped relay pid"), disable.stdout)
        XCTAssertNotEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "the relay is gone")
        try lab.waitUntil("the client got PADT", timeout: 10) { !lab.events("client", "exit").isEmpty }
    }
}
