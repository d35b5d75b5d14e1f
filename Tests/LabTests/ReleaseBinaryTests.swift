import Foundation
import XCTest

/// The relayctl that `scripts/install` installs (built by `scripts/build-release`) runs where it
/// is copied: in a chroot that holds nothing but the binary, the C libraries `ldd` names and an
/// empty /run for its runtime directory. No /proc, no /sys, no /etc, no Swift toolchain.
final class ReleaseBinaryTests: LabTestCase {
    override var dataplane: String { "kernel" }

    /// scripts/build-release's output (or $RELAYCTL_RELEASE_BIN).
    static var releaseBinary: String {
        ProcessInfo.processInfo.environment["RELAYCTL_RELEASE_BIN"]
            ?? Lab.root.appendingPathComponent(".build/release-static/relayctl").path
    }

    /// Installs the release binary with scripts/install into a staging tree and copies what was
    /// installed into an otherwise empty directory, with the shared libraries it names.
    func makeChroot() throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: Self.releaseBinary) else {
            throw XCTSkip("no release binary at \(Self.releaseBinary): run scripts/build-release")
        }
        let stage = lab.file("stage")
        let install = Lab.run(["env", "PREFIX=/usr", "DESTDIR=\(stage.path)", "bash",
                               Lab.root.appendingPathComponent("scripts/install").path, "--binary", Self.releaseBinary])
        try lab.check(install, "scripts/install")
        let installed = stage.appendingPathComponent("usr/sbin/relayctl").path

        let root = lab.file("chroot")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: installed, toPath: root.appendingPathComponent("relayctl").path)
        // The runtime directory's parent; relayctl creates /run/pppoe-relay itself.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("run"), withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])

        let ldd = Lab.run(["ldd", installed])
        XCTAssertFalse(ldd.stdout.contains("not found"), ldd.stdout)
        let libraries = ldd.stdout.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("/") }.map(String.init)
        }
        XCTAssertFalse(libraries.isEmpty, "ldd named no loader: \(ldd.stdout) \(ldd.stderr)")
        for library in libraries {
            XCTAssertFalse(library.contains("swift"), "the release binary needs the Swift toolchain's \(library)")
            let copy = root.appendingPathComponent(String(library.dropFirst()))
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: URL(fileURLWithPath: library).resolvingSymlinksInPath().path,
                                             toPath: copy.path)
        }
        return root
    }

    func inChroot(_ root: URL, _ arguments: [String], namespace: String? = nil) -> Lab.Output {
        let command = ["chroot", root.path, "/relayctl"] + arguments
        return namespace.map { lab.run(in: $0, command) } ?? Lab.run(command)
    }

    func testInstalledBinaryIsStrippedAndNeedsNoToolchain() throws {
        let root = try makeChroot()
        let binary = root.appendingPathComponent("relayctl").path
        let sections = Lab.run(["readelf", "-S", "-W", binary])
        try lab.check(sections, "readelf -S")
        XCTAssertFalse(sections.stdout.contains(".symtab"), "the installed relayctl is not stripped")
        let dynamic = Lab.run(["readelf", "-d", "-W", binary])
        try lab.check(dynamic, "readelf -d")
        XCTAssertFalse(dynamic.stdout.contains("RUNPATH") || dynamic.stdout.contains("RPATH"),
                       "a library path is built in: \(dynamic.stdout)")
        for library in ["libswiftCore", "libFoundation", "libdispatch", "libstdc++"] {
            XCTAssertFalse(dynamic.stdout.contains(library), "still linked dynamically: \(library)")
        }
    }

    func testVersionAndHelpRunInAnEmptyChroot() throws {
        let root = try makeChroot()
        let version = inChroot(root, ["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        let lines = version.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "one line: \(version.stdout)")
        let stamped = String(lines.first ?? "")
        XCTAssertFalse(stamped.isEmpty)
        XCTAssertFalse(stamped.contains(" "), stamped)
        // Built from a git checkout, the version is git describe's, not the plain build's.
        if Lab.run(["git", "-C", Lab.root.path, "rev-parse", "--git-dir"]).status == 0 {
            XCTAssertNotEqual(stamped, "0.0.0-dev")
        }

        let help = inChroot(root, ["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("USAGE: relayctl <subcommand>"), help.stdout)
        // Arguments reach the command without /proc: a subcommand's own help, and a usage error.
        let runHelp = inChroot(root, ["run", "--help"])
        XCTAssertTrue(runHelp.stdout.contains("--dataplane"), runHelp.stdout)
        let usage = inChroot(root, ["run", "--wan", "eth1"])
        XCTAssertEqual(usage.status, 2, usage.stdout + usage.stderr)
    }

    /// rp-pppoe's client → the chrooted relay (kernel dataplane) → rp-pppoe's server: LCP both
    /// ways, the session listed by the chrooted relayctl, PADT to both sides on SIGTERM. Then the
    /// memory this dataplane must not hold: full-size receive rings.
    func testLabSessionThroughTheChrootedRelay() throws {
        let root = try makeChroot()
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let runtime = ["--runtime-dir", "/run/pppoe-relay"]
        let relay = try lab.spawn("relay", in: routerNS, ["chroot", root.path, "/relayctl", "run", "--lan", "lan0",
                                                          "--wan", "wan0", "--dataplane", dataplane] + runtime)
        try lab.waitUntil("the chrooted relay answers status", timeout: 10) {
            guard relay.isRunning else {
                throw LabError("relay exited with \(relay.terminationStatus): \(lab.text("relay.err"))")
            }
            return inChroot(root, ["status"] + runtime, namespace: routerNS).status == 0
        }
        let status = inChroot(root, ["status"] + runtime, namespace: routerNS)
        XCTAssertTrue(status.stdout.contains("dataplane: kernel"), status.stdout)

        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 3)
        try waitForReplies("client", atLeast: 3)
        let sessions = inChroot(root, ["sessions", "--json"] + runtime, namespace: routerNS)
        try lab.check(sessions, "relayctl sessions in the chroot")
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sessions.stdout.utf8)) as? [String: Any])
        let list = try XCTUnwrap(document["sessions"] as? [[String: Any]], sessions.stdout)
        XCTAssertEqual(list.count, 1, sessions.stdout)
        XCTAssertEqual(list.first?["ac_mac"] as? String, try lab.mac(acNS, "ac0"))

        let memory = try residentMemory(relay.processIdentifier)
        // Two devices, a 128 KiB ring each: the kernel forwards the sessions.
        XCTAssertLessThanOrEqual(memory.ringsKiB, 2 * 128, "session rings: \(memory)")
        XCTAssertLessThanOrEqual(memory.anonymousKiB, 2048, "private memory: \(memory)")

        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay stopped", timeout: 10) { !relay.isRunning }
        XCTAssertEqual(relay.terminationStatus, 0, lab.text("relay.err"))
        try lab.waitUntil("the client got PADT", timeout: 10) { !lab.events("client", "exit").isEmpty }
        try lab.waitUntil("the server got PADT", timeout: 10) { !lab.events("server", "exit").isEmpty }
    }

    struct ResidentMemory: CustomStringConvertible {
        var totalKiB = 0, anonymousKiB = 0, ringsKiB = 0
        var description: String { "VmRSS \(totalKiB) KiB, anonymous \(anonymousKiB) KiB, rings \(ringsKiB) KiB" }
    }

    /// VmRSS and RssAnon from /proc/PID/status, and the resident size of the packet rings
    /// (the mappings named socket:[...] in /proc/PID/smaps).
    func residentMemory(_ pid: Int32) throws -> ResidentMemory {
        var memory = ResidentMemory()
        func kib(_ line: Substring) -> Int { Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0 }
        for line in try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { memory.totalKiB = kib(line) }
            if line.hasPrefix("RssAnon:") { memory.anonymousKiB = kib(line) }
        }
        var inRing = false
        for line in try String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inRing = fields.last?.hasPrefix("socket:") == true
            } else if inRing, line.hasPrefix("Rss:") {
                memory.ringsKiB += kib(line)
            }
        }
        return memory
    }
}
