import Foundation
import XCTest

/// The real-PPP lab (lab/vm): Debian's distribution kernel booted under QEMU, in which the whole
/// path runs with real PPP: the subscriber's pppd (rp-pppoe plugin, CHAP) ↔ relayctl ↔ rp-pppoe's
/// pppoe-server running Debian's pppd, a host behind the subscriber and a server behind the AC.
/// The VM boots once per class; everything the scenario saw comes back as JSON, and each test
/// asserts one part of it for both dataplanes. Where no VM can start (no QEMU, no cached kernel:
/// scripts/setup installs both) the tests skip with the reason, and fail under CI=true.
enum VMLab {
    static let vmScript = Lab.root.appendingPathComponent("lab/vm/vm.py").path
    static let scenarioScript = Lab.root.appendingPathComponent("lab/vm/realppp.py").path
    static let dataplanes = ["kernel", "userspace"]

    /// A reason no VM can run here: a skip, or a failure where CI must run these tests.
    static func unavailable(_ reason: String) -> Error {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            return LabError("the VM lab must run in CI, but \(reason)")
        }
        return XCTSkip(reason)
    }

    /// Checks that a VM can start here, then runs `command` in one, with the work directory
    /// shared at /run/vmlab/work. Returns the command's status and the console; 77 never comes
    /// back (it becomes a skip), nor does a VM that outlived `timeout` (a failure).
    /// `machine` goes to vm.py before the command: `--arch aarch64`, `--share DIR`.
    static func boot(work: URL, timeout: Int, machine: [String] = [], _ command: [String]) throws -> Lab.Output {
        guard geteuid() == 0 else { throw unavailable("the VM lab needs root") }
        let arch = machine.firstIndex(of: "--arch").map { Array(machine[$0...$0 + 1]) } ?? []
        let check = Lab.run([Lab.python, vmScript, "check"] + arch)
        guard check.status == 0 else {
            throw unavailable("no VM can start here: \(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"
                              + check.stderr)
        }
        let out = Lab.run([Lab.python, vmScript, "run", "--work", work.path, "--timeout", String(timeout)] + machine
                          + ["--"] + command)
        if out.status == 77 { throw unavailable(out.stderr) }
        if [124, 125].contains(out.status) {
            throw LabError("the VM did not finish its command (\(out.status)): \(out.stderr)\n"
                           + out.stdout.suffix(3000))
        }
        return out
    }

    /// The accel-ppp that lab/vm/build-accel-ppp (run by scripts/setup) built into the cache.
    static func accelPPPPrefix() throws -> String {
        let cache = ProcessInfo.processInfo.environment["PPPOE_RELAY_VMLAB_CACHE"] ?? "/var/cache/pppoe-relay-vmlab"
        let pointer = cache + "/accel-ppp.current"
        guard let text = try? String(contentsOfFile: pointer, encoding: .utf8),
              case let prefix = text.trimmingCharacters(in: .whitespacesAndNewlines),
              FileManager.default.isExecutableFile(atPath: prefix + "/sbin/accel-pppd") else {
            throw unavailable("no accel-ppp built in \(cache) (\(pointer)): run scripts/setup")
        }
        return prefix
    }

    /// A fresh work directory, removed by the caller (kept with $LAB_KEEP).
    static func workDirectory(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pppoe-relay-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func remove(_ directory: URL) {
        if ProcessInfo.processInfo.environment["LAB_KEEP"] == nil {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

/// Runs something once for all the tests of a class, the first time one asks; later tests get
/// the same answer (or the same error).
final class OnceResult<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, Error>?
    private let work: () throws -> Value

    init(_ work: @escaping () throws -> Value) { self.work = work }

    func get() throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if result == nil { result = Result { try work() } }
        return try result!.get()
    }
}

/// What the scenario saw, as it reported it in results.json.
struct VMScenario {
    let facts: [String: Any]
    let console: String

    func dataplane(_ name: String) throws -> [String: Any] {
        guard let facts = (facts["dataplanes"] as? [String: Any])?[name] as? [String: Any] else {
            throw LabError("the scenario has no \(name) run\n\(console.suffix(4000))")
        }
        return facts
    }

    /// The run against accel-ppp through relayctl on dataplane `name` (or through "pppoe-relay").
    func accelPPP(_ name: String) throws -> [String: Any] {
        guard let facts = (facts["accel"] as? [String: Any])?[name] as? [String: Any] else {
            throw LabError("the scenario has no accel-ppp run through \(name)\n\(console.suffix(4000))")
        }
        return facts
    }

    static let shared = OnceResult<VMScenario> {
        let relayctl = Lab.releaseRelayctl
        guard FileManager.default.isExecutableFile(atPath: relayctl) else {
            throw VMLab.unavailable("the VM lab runs the optimised relayctl at \(relayctl): run swift build -c release")
        }
        let accelPPP = try VMLab.accelPPPPrefix()
        let work = try VMLab.workDirectory("vmlab")
        defer { VMLab.remove(work) }
        // One boot for both access concentrators: rp-pppoe's pppoe-server, then accel-ppp.
        let out = try VMLab.boot(work: work, timeout: 1100, [
            Lab.python, VMLab.scenarioScript, "scenario", "--relayctl", relayctl, "--out", "/run/vmlab/work",
            "--accel-ppp", accelPPP, "--accel-compare",
        ] + VMLab.dataplanes.flatMap { ["--dataplane", $0] })
        print(out.stdout)
        guard let data = FileManager.default.contents(atPath: work.appendingPathComponent("results.json").path),
              let facts = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LabError("the scenario left no results (exit \(out.status)): \(out.stderr)\n"
                           + out.stdout.suffix(4000))
        }
        return VMScenario(facts: facts, console: out.stdout)
    }
}

final class VMLabTests: XCTestCase {
    private func scenario() throws -> VMScenario { try VMScenario.shared.get() }

    func testTheGuestRunsDebiansOwnKernelAndTheScenarioRanToTheEnd() throws {
        let scenario = try scenario()
        let release = scenario.facts["kernel_release"] as? String ?? ""
        XCTAssertTrue(release.hasPrefix("6.1.") && release.hasSuffix("-amd64"), "guest kernel \(release)")
        let host = Lab.run(["uname", "-r"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(release, host, "the scenario ran in the VM, not on this machine's kernel")
        XCTAssertEqual(scenario.facts["failures"] as? [String], [], scenario.console.suffix(6000).description)
    }

    /// On this real kernel, `auto` needs nft_fwd_netdev: kept from loading (an `install ... /bin/false`
    /// line in modprobe.d, as an administrator would), the relay falls back to userspace and says
    /// why; loadable, the kernel loads it on demand and `auto` picks the kernel dataplane.
    func testAutoFallsBackWithoutNftFwdNetdevAndPicksTheKernelWithIt() throws {
        let fallback = try scenario().facts["fallback"] as? [String: [String: Any]] ?? [:]
        let without = try XCTUnwrap(fallback["without_fwd"]), with = try XCTUnwrap(fallback["with_fwd"])
        XCTAssertEqual(without["dataplane"] as? String, "userspace")
        XCTAssertEqual(without["module_loaded"] as? Bool, false)
        let reason = without["reason"] as? String ?? ""
        // The kernel's own answer: an nf_tables expression whose module cannot load is ENOENT.
        XCTAssertTrue(reason.contains("ENOENT") || reason.contains("No such file or directory"),
                      "status says why: \(reason)")
        XCTAssertTrue(reason.contains("fwd needs kernel module nft_fwd_netdev"), "and what is missing: \(reason)")
        XCTAssertNotEqual(reason, with["reason"] as? String)
        XCTAssertEqual(with["dataplane"] as? String, "kernel")
        XCTAssertEqual(with["module_loaded"] as? Bool, true)
    }

    /// CHAP against chap-secrets: a wrong password ends pppd with "authentication failed" (19)
    /// and the AC's pppd logs the refusal; the right one logs in. Across both dataplanes.
    func testCHAPRefusesAWrongPasswordAndAcceptsTheRightOne() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.dataplane(name)
            XCTAssertEqual(run["status_dataplane"] as? String, name)
            let wrong = try XCTUnwrap(run["wrong_password"] as? [String: Any], name)
            XCTAssertEqual(wrong["exit_status"] as? Int, 19, "\(name): pppd's exit for a refused login")
            XCTAssertEqual(wrong["cpe_log_refused"] as? Bool, true, name)
            XCTAssertEqual(wrong["ac_log_refused"] as? Bool, true, name)
            XCTAssertEqual(wrong["got_address"] as? Bool, false, name)
            XCTAssertEqual(run["chap_succeeded"] as? Bool, true, name)
        }
    }

    /// IPCP gives the subscriber an address from the AC's pool, both ends agree on it, IPv6CP brings
    /// up link-local addresses from the negotiated identifiers, and pings cross both ways: on the
    /// PPP link (IPv4 and IPv6 link-local) and from the host behind the subscriber to the server.
    func testIPCPAndIPv6CPComeUpAndPingsCrossBothWays() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.dataplane(name)
            let ipcp = try XCTUnwrap(run["ipcp"] as? [String: Any], name)
            let local = ipcp["local"] as? String ?? ""
            XCTAssertTrue(local.hasPrefix("10.64.2.") && local != "10.64.2.1", "\(name): cpe got \(local)")
            XCTAssertEqual(ipcp["peer"] as? String, "10.64.2.1", name)
            XCTAssertEqual(ipcp["ac_peer"] as? String, local, name)
            let ipv6cp = try XCTUnwrap(run["ipv6cp"] as? [String: Any], "\(name): IPv6CP did not come up")
            XCTAssertEqual(ipv6cp["cpe"] as? String, "fe80::2", name)
            XCTAssertEqual(ipv6cp["ac"] as? String, "fe80::1", name)
            let pings = run["ping"] as? [String: Bool] ?? [:]
            XCTAssertEqual(Set(pings.keys), ["cpe_to_ac", "ac_to_cpe", "host_to_server", "server_to_host",
                                             "cpe_to_ac_link_local", "ac_to_cpe_link_local",
                                             "host_to_server_v6", "server_to_host_v6"], name)
            for (ping, answered) in pings { XCTAssertTrue(answered, "\(name): ping \(ping)") }
        }
    }

    /// A host with MTU 1500 behind a router that does not clamp, a server with MTU 1500 behind the
    /// AC, and no ICMP "fragmentation needed"/"packet too big" on the way: 24 MiB from the server
    /// arrive whole (SHA-256) because the relay clamped the host's SYN; with `mss set off` the same
    /// transfer connects and then stalls. IPv4 and IPv6, both dataplanes.
    func testMSSClampingIsWhatLetsTCPCrossAPathWithoutPMTUDiscovery() throws {
        let scenario = try scenario()
        let payload = scenario.facts["payload_bytes"] as? Int ?? 0
        XCTAssertGreaterThanOrEqual(payload, 20_000_000)
        for name in VMLab.dataplanes {
            let transfers = try scenario.dataplane(name)["transfers"] as? [[String: Any]] ?? []
            for family in ["ipv4", "ipv6"] {
                func transfer(_ mss: String) -> [String: Any]? {
                    transfers.first { $0["family"] as? String == family && $0["mss"] as? String == mss }
                }
                let clamped = try XCTUnwrap(transfer("auto"), "\(name) \(family): no clamped transfer")
                XCTAssertEqual(clamped["eof"] as? Bool, true, "\(name) \(family): \(clamped)")
                XCTAssertEqual(clamped["bytes"] as? Int, payload, "\(name) \(family)")
                XCTAssertEqual(clamped["intact"] as? Bool, true, "\(name) \(family): SHA-256 differs")
                XCTAssertGreaterThanOrEqual(clamped["clamped_syns_to_ac"] as? Int ?? 0, 1, "\(name) \(family)")
                print("VM lab: \(name) dataplane, \(family), \(payload) bytes server -> host: "
                      + "\(clamped["mbit_per_s"] ?? "?") Mbit/s (TCG)")

                let unclamped = try XCTUnwrap(transfer("off"), "\(name) \(family): no unclamped transfer")
                XCTAssertEqual(unclamped["connected"] as? Bool, true, "\(name) \(family): \(unclamped)")
                XCTAssertEqual(unclamped["stalled"] as? Bool, true, "\(name) \(family): \(unclamped)")
                XCTAssertLessThan(unclamped["bytes"] as? Int ?? payload, payload, "\(name) \(family)")
                XCTAssertEqual(unclamped["clamped_syns_to_ac"] as? Int, 0, "\(name) \(family)")
            }
            XCTAssertGreaterThan(try scenario.dataplane(name)["icmp_blackholed"] as? Int ?? 0, 0,
                                 "\(name): the AC refused big packets (and the refusal was dropped)")
        }
    }

    /// `relayctl sessions` after the transfers: one session, naming the subscriber's MAC and session
    /// id and the AC's MAC, AC-Name and Service-Name, with counters that match the PPP devices: every
    /// packet they counted crossed the relay, plus PPP's own control frames, each with its headers.
    func testSessionsShowsTheSessionWithCountersMatchingThePPPDevices() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.dataplane(name)
            let sessions = run["sessions"] as? [[String: Any]] ?? []
            XCTAssertEqual(sessions.count, 1, name)
            let session = try XCTUnwrap(sessions.first, name)
            let macs = run["mac"] as? [String: String] ?? [:]
            XCTAssertEqual(session["client_mac"] as? String, macs["cpe"], name)
            XCTAssertEqual(session["ac_mac"] as? String, macs["ac"], name)
            XCTAssertEqual(session["client_session_id"] as? Int, run["client_session_id"] as? Int, name)
            XCTAssertEqual(session["ac_name"] as? String, "LabAC", name)
            XCTAssertEqual(session["service_name"] as? String, "isp", name)
            XCTAssertEqual(session["lan_interface"] as? String, "lan0", name)
            XCTAssertEqual(session["wan_interface"] as? String, "wan0", name)

            let stats = run["ppp_stats"] as? [String: [String: Int]] ?? [:]
            let cpe = stats["cpe"] ?? [:], ac = stats["ac"] ?? [:]
            XCTAssertGreaterThan(cpe["rx_bytes"] ?? 0, 2 * (scenario.facts["payload_bytes"] as? Int ?? 0), name)
            // What one end's PPP device sent, the relay carried at most, and what the other's
            // received, at least; plus PPP's own frames (LCP, CHAP, IPCP, IPv6CP), which the
            // devices do not count. A frame adds to its packet the PPP and PPPoE headers (8 bytes)
            // and, as the relay may count it, Ethernet's (22 in all).
            let control = 200
            for (direction, sender, receiver) in [("to_client", ac, cpe), ("to_ac", cpe, ac)] {
                let packets = session["packets_\(direction)"] as? Int ?? -1
                let bytes = session["bytes_\(direction)"] as? Int ?? -1
                let sent = (packets: sender["tx_packets"] ?? 0, bytes: sender["tx_bytes"] ?? 0)
                let received = (packets: receiver["rx_packets"] ?? 0, bytes: receiver["rx_bytes"] ?? 0)
                // (Comparisons, not ranges: a range whose bounds cross would trap.)
                XCTAssertTrue(received.packets <= packets && packets <= sent.packets + control,
                              "\(name) \(direction): \(packets) packets, sent \(sent.packets), "
                                + "received \(received.packets)")
                XCTAssertTrue(received.bytes + 8 * received.packets <= bytes
                                && bytes <= sent.bytes + 22 * packets + 64 * control,
                              "\(name) \(direction): \(bytes) bytes, sent \(sent.bytes), received \(received.bytes)")
            }
            let rxPackets = cpe["rx_packets"] ?? 0
            if name == "kernel" {
                XCTAssertGreaterThan(session["kernel_packets_to_client"] as? Int ?? 0, rxPackets / 2,
                                     "most of the transfer stayed in the kernel")
            }
        }
    }

    /// Stopping the relay sends PADT to both sides, and both pppd notice: the subscriber's ends
    /// with "hangup" (16), the AC's exits.
    func testStoppingTheRelaySendsPADTAndBothPPPDaemonsEnd() throws {
        let scenario = try scenario()
        for name in VMLab.dataplanes {
            let run = try scenario.dataplane(name)
            XCTAssertEqual(run["relay_exit"] as? Int, 0, name)
            let stop = try XCTUnwrap(run["stop"] as? [String: Any], name)
            let padts = stop["padt_frames"] as? [String: Int] ?? [:]
            XCTAssertGreaterThanOrEqual(padts["cpe"] ?? 0, 1, "\(name): PADT to the subscriber")
            XCTAssertGreaterThanOrEqual(padts["ac"] ?? 0, 1, "\(name): PADT to the AC")
            XCTAssertEqual(stop["cpe_pppd_exit"] as? Int, 16, "\(name): the subscriber's pppd ends on the hangup")
            let cpeLog = (stop["cpe_log_tail"] as? [String] ?? []).joined(separator: "\n")
            XCTAssertTrue(cpeLog.contains("Connection terminated"), "\(name): \(cpeLog)")
            XCTAssertEqual(stop["ac_pppd_was"] as? Int, 1, name)
            XCTAssertEqual(stop["ac_pppd_left"] as? Int, 0, "\(name): the AC's pppd ended")
        }
    }
}

/// The VLAN-device tests need 802.1Q, which this machine's kernel may lack: there they run in the
/// VM, whose distribution kernel has it — the same test binary, filtered to them, as root in the
/// guest. The first of them to need it boots the VM once for both dataplanes.
enum VLANTestsInVM {
    static let tests = ["UserspaceFrameTests", "KernelFrameTests"].map {
        "LabTests.\($0)/testVLANDevicesServeAsWANAndLAN"
    }

    private static let run = OnceResult<Lab.Output> {
        let work = try VMLab.workDirectory("vmlab-vlan")
        defer { VMLab.remove(work) }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        guard testBinary.hasSuffix(".xctest") else {
            throw LabError("cannot tell the test binary from \(CommandLine.arguments[0])")
        }
        // Under TCG everything takes several times longer: the modules the kernel dataplane loads
        // on demand are loaded first (as on a router that has run it before), and the lab's client
        // waits for the AC's session process, which starts seconds after PADS.
        let script = """
            modprobe -a nf_tables nft_fwd_netdev nft_limit 8021q || exit 1
            exec env PPPOE_LAB_AWAIT_PEER=1 PPPOE_LAB_IN_VM=1 "$0" "$1"
            """
        let out = try VMLab.boot(work: work, timeout: 400,
                                 ["sh", "-c", script, testBinary, tests.joined(separator: ",")])
        print(out.stdout)
        return out
    }

    /// Fails unless the VLAN test of `testClass` ran in the VM and passed there, unskipped.
    static func assertPassed(_ testClass: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard ProcessInfo.processInfo.environment["PPPOE_LAB_IN_VM"] == nil else {
            throw LabError("the VM's kernel cannot create VLAN devices either")
        }
        let out = try run.get()
        let name = "\(testClass).testVLANDevicesServeAsWANAndLAN"
        XCTAssertTrue(out.stdout.contains("Test Case '\(name)' passed"),
                      "\(name) did not pass in the VM:\n\(out.stdout.suffix(4000))", file: file, line: line)
        XCTAssertFalse(out.stdout.contains("\(name) : Test skipped"), out.stdout.suffix(4000).description,
                       file: file, line: line)
    }
}
