import Foundation
import XCTest

/// scripts/leftovers, which scripts/test runs before and after the tests: it names what the tests
/// left and nothing that another program made meanwhile. Each test runs it on a stand-in for the
/// test run's temporary directory and for /tmp, makes things of the tests' kind and of another
/// program's, and holds it to exactly the former.
final class LeftoversTests: XCTestCase {
    static let script = Lab.root.appendingPathComponent("scripts/leftovers").path
    /// In the name of everything these tests make, so that what other tests on the machine make
    /// meanwhile (namespaces and processes are the whole machine's) is not mistaken for theirs.
    let tag = "lo\(getpid())"
    var scratch: URL!
    var root: URL { scratch.appendingPathComponent("root") }
    var shared: URL { scratch.appendingPathComponent("shared") }
    private var cleanups: [() -> Void] = []

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("leftovers-selftest-\(tag)")
        try? FileManager.default.removeItem(at: scratch)
        for directory in [root, shared] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    override func tearDown() {
        for cleanup in cleanups.reversed() { cleanup() }
        cleanups = []
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The temporary directory's every entry and the processes that carry the temporary
    /// directory (in TMPDIR or their command line); not another program's file in /tmp, nor
    /// its process, nor those of a test run by hand meanwhile. Without a temporary directory of
    /// the tests (scripts/leftovers run by hand), /tmp's entries named as the tests name theirs.
    func testTemporaryFilesAndProcessesOfTheTestsOnly() throws {
        XCTAssertEqual(try leftovers(), [])

        try make(root.appendingPathComponent("made-by-a-test"))
        // Another program's, and a lab test's run by hand, meanwhile.
        for name in ["editor-\(tag).swp", "systemd-private-\(tag)", "pppoe\(tag).conf", "pppoe-relay-test.\(tag)",
                     "pppoe-relay-lab-\(tag)"] {
            try make(shared.appendingPathComponent(name))
        }
        // Build tools' files that come and go in the temporary directory.
        try make(root.appendingPathComponent("TemporaryDirectory.\(tag)"))

        let sleep = "import time; time.sleep(300)"
        try spawn([Lab.python, "-c", sleep, "\(tag)-env"], environment: ["TMPDIR": root.path])
        try spawn([Lab.python, "-c", sleep, root.appendingPathComponent("marker").path], environment: [:])
        try spawn([Lab.python, "-c", sleep, "\(tag)-foreign"], environment: ["TMPDIR": "/tmp"])
        // A relayctl of this run, and one of the machine's own or of another test run.
        let relayctl = scratch.appendingPathComponent("relayctl").path
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: relayctl)
        try spawn([relayctl, "301"], environment: ["TMPDIR": root.path])
        try spawn([relayctl, "302"], environment: ["TMPDIR": shared.path])

        let expected = [
            "file \(root.path)/made-by-a-test",
            "process python3 \(Lab.python) -c \(sleep) \(tag)-env",
            "process python3 \(Lab.python) -c \(sleep) \(root.path)/marker",
            "process relayctl \(relayctl) 301",
        ]
        try waitForLeftovers(expected)
        XCTAssertEqual(try leftovers(root: false).filter { $0.hasPrefix("file ") },
                       ["file \(shared.path)/pppoe-relay-lab-\(tag)"])
    }

    /// Namespaces named as the lab names them in this run, links and nftables tables named as
    /// the lab's devices and the relay's table, mounts under the tests' directories; not
    /// another test run's namespace, nor another program's namespace, link, table or mount.
    func testNamespacesLinksTablesAndMountsOfTheTestsOnly() throws {
        try Lab.requirePrivilegeAndTools()
        // Links and tables are the network namespace's the script runs in: a scratch one.
        let here = "\(tag)-here"
        try run(["ip", "netns", "add", here])
        cleanups.append { Lab.run(["ip", "netns", "del", here]) }
        XCTAssertEqual(try leftovers(in: here), [])

        // This run's (its token is the tag), another run's, and another program's.
        let ours = ["pr\(tag)1x0c1", "pr\(tag)probe1"], theirs = ["pr1x0\(tag)", "pr\(tag)x-\(tag)", "\(tag)-theirs"]
        for namespace in ours + theirs {
            try run(["ip", "netns", "add", namespace])
            cleanups.append { Lab.run(["ip", "netns", "del", namespace]) }
        }
        try run(["ip", "-n", here, "link", "add", "wan0", "type", "veth", "peer", "name", "\(tag)p"])
        try run(["ip", "-n", here, "link", "add", "lan0.7", "type", "veth", "peer", "name", "eth\(tag)"])
        try run(["ip", "netns", "exec", here, "nft", "add", "table", "netdev", "pppoe_relay"])
        try run(["ip", "netns", "exec", here, "nft", "add", "table", "inet", "firewall\(tag)"])

        let mounts = [root.appendingPathComponent("mnt"), shared.appendingPathComponent("relayctl-run-\(tag)/mnt"),
                      shared.appendingPathComponent("foreign-\(tag)")]
        for point in mounts {
            try FileManager.default.createDirectory(at: point, withIntermediateDirectories: true)
            try run(["mount", "-t", "tmpfs", "leftovers-selftest", point.path])
            cleanups.append { Lab.run(["umount", "-l", point.path]) }
        }

        try waitForLeftovers([
            "namespace \(ours[0])",
            "namespace \(ours[1])",
            "link wan0",
            "link lan0.7",
            "nftables table netdev pppoe_relay",
            "file \(root.path)/mnt",
            "mount \(root.path)/mnt",
        ], in: here)
    }

    // MARK: helpers

    /// What scripts/leftovers lists of this test's things (those that carry the tag, and the
    /// links and tables of `namespace`, which only this test uses), sorted; with `root`, as
    /// scripts/test runs it (its temporary directory and run token).
    func leftovers(in namespace: String? = nil, root withRoot: Bool = true) throws -> [String] {
        let command = ["-u", "LEFTOVERS_ROOT", "-u", "PPPOE_RELAY_TEST_RUN", "LEFTOVERS_SHARED=\(shared.path)"]
            + (withRoot ? ["LEFTOVERS_ROOT=\(root.path)", "PPPOE_RELAY_TEST_RUN=\(tag)"] : []) + [Self.script]
        let out = namespace.map { Lab.run(["ip", "netns", "exec", $0, "env"] + command) } ?? Lab.run(command)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(out.stderr, "")
        return out.stdout.split(separator: "\n").map(String.init)
            .filter { line in
                line.contains(tag) || namespace != nil && ["link ", "nftables table "].contains { line.hasPrefix($0) }
            }
            .sorted()
    }

    /// Waits (a process's command line shows only once it has started) until the list is
    /// exactly `expected`, then checks it once more.
    func waitForLeftovers(_ expected: [String], in namespace: String? = nil) throws {
        var listed: [String] = []
        let deadline = Date().addingTimeInterval(10)
        repeat {
            listed = try leftovers(in: namespace)
            if listed == expected.sorted() { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        XCTAssertEqual(listed, expected.sorted())
    }

    func make(_ path: URL) throws {
        guard FileManager.default.createFile(atPath: path.path, contents: Data()) else {
            throw LabError("cannot create \(path.path)")
        }
    }

    func spawn(_ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        try process.run()
        cleanups.append {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func run(_ arguments: [String]) throws {
        let out = Lab.run(arguments)
        guard out.status == 0 else { throw LabError("\(arguments.joined(separator: " ")) failed: \(out.stderr)") }
    }
}
