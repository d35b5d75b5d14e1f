import FastPaths
import Netlink
import Foundation
import XCTest

/// Every fast path against a fake router tree: found on → off → restored; found off → left off;
/// missing; a change that fails → nothing changed; restore after a crash from the saved state.
final class FastPathsTests: XCTestCase {
    var root: URL!
    var system: SystemAccess { SystemAccess(root: root.path) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fastpath-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    // MARK: the fake tree

    func write(_ path: String, _ text: String, executable: Bool = false) throws {
        let url = root.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        if executable { chmod(url.path, 0o755) }
    }

    func read(_ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(String(path.dropFirst())), encoding: .utf8)
    }

    /// An init script keeping its state in /var/state/NAME; `stop` fails while /var/fail-NAME exists.
    func installService(_ name: String, running: Bool) throws {
        try write("/var/state/\(name)", running ? "on" : "off")
        try write("/etc/init.d/\(name)", """
            #!/bin/sh
            state="$PPPOE_RELAY_ROOT/var/state/\(name)"
            case "$1" in
              running) [ "$(cat "$state")" = on ] ;;
              stop) [ -e "$PPPOE_RELAY_ROOT/var/fail-\(name)" ] && exit 1; echo off > "$state" ;;
              start) echo on > "$state" ;;
              *) exit 3 ;;
            esac
            """, executable: true)
    }

    func serviceState(_ name: String) -> String? { read("/var/state/\(name)")?.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// uci keeping each option in /var/uci/KEY, and fw4 logging its reloads.
    func installFirewall4(offloading: String?, hardware: String?) throws {
        try write("/sbin/uci", """
            #!/bin/sh
            dir="$PPPOE_RELAY_ROOT/var/uci"; mkdir -p "$dir"
            [ "$1" = -q ] && shift
            case "$1" in
              get) [ -e "$dir/$2" ] && cat "$dir/$2" ;;
              set) key="${2%%=*}"; printf '%s\\n' "${2#*=}" > "$dir/$key" ;;
              delete) rm -f "$dir/$2" ;;
              commit) echo "$2" >> "$PPPOE_RELAY_ROOT/var/uci-commits" ;;
              *) exit 1 ;;
            esac
            """, executable: true)
        try write("/sbin/fw4", "#!/bin/sh\necho \"$1\" >> \"$PPPOE_RELAY_ROOT/var/fw4.log\"\n", executable: true)
        if let offloading { try write("/var/uci/firewall.@defaults[0].flow_offloading", offloading + "\n") }
        if let hardware { try write("/var/uci/firewall.@defaults[0].flow_offloading_hw", hardware + "\n") }
    }

    func uci(_ option: String) -> String? {
        read("/var/uci/firewall.@defaults[0].\(option)")?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func installEverythingOn() throws {
        try installService("soft_fast_path", running: true)
        try installService("shortcut-fe", running: true)
        try write("/sys/fast_classifier/stop", "0\n")
        try write("/sys/kernel/debug/ecm/front_end_ipv4_stop", "0\n")
        try write("/sys/kernel/debug/ecm/front_end_ipv6_stop", "0\n")
        try write("/sys/kernel/debug/hnat/hook_toggle", "")
        try installFirewall4(offloading: "1", hardware: nil)
    }

    func report(_ name: String) -> FastPaths.Report? { FastPaths.status(system).first { $0.name == name } }

    // MARK: tests

    func testEveryAcceleratorFoundOnIsSwitchedOffAndRestored() throws {
        try installEverythingOn()
        let all = ["soft_fast_path", "shortcut-fe", "fast-classifier", "qca-nss-ecm", "mediatek-hnat",
                   "firewall4-flow-offloading"]
        XCTAssertEqual(FastPaths.status(system).filter { $0.present && $0.on == true }.map(\.name), all)
        XCTAssertEqual(report("mediatek-hnat")?.note?.contains("assumed on"), true, "its knob reads back empty")

        XCTAssertEqual(try FastPaths.switchOff(system), all)
        XCTAssertEqual(serviceState("soft_fast_path"), "off")
        XCTAssertEqual(serviceState("shortcut-fe"), "off")
        XCTAssertEqual(read("/sys/fast_classifier/stop"), "1")
        XCTAssertEqual(read("/sys/kernel/debug/ecm/front_end_ipv4_stop"), "1")
        XCTAssertEqual(read("/sys/kernel/debug/ecm/front_end_ipv6_stop"), "1")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "0", "exactly one byte")
        XCTAssertEqual(uci("flow_offloading"), "0")
        XCTAssertNil(uci("flow_offloading_hw"), "an unset option stays unset")
        XCTAssertEqual(read("/var/fw4.log"), "reload\n")
        XCTAssertNotNil(read(FastPaths.stateFile))
        XCTAssertTrue(FastPaths.status(system).filter(\.present).allSatisfy { $0.switchedOffByRelay })

        XCTAssertEqual(Set(try FastPaths.restore(system)), Set(all))
        XCTAssertEqual(serviceState("soft_fast_path"), "on")
        XCTAssertEqual(serviceState("shortcut-fe"), "on")
        XCTAssertEqual(read("/sys/fast_classifier/stop"), "0")
        XCTAssertEqual(read("/sys/kernel/debug/ecm/front_end_ipv4_stop"), "0")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "1")
        XCTAssertEqual(uci("flow_offloading"), "1")
        XCTAssertNil(uci("flow_offloading_hw"))
        XCTAssertNil(read(FastPaths.stateFile), "nothing left to restore")
    }

    func testAcceleratorsFoundOffAreLeftOff() throws {
        try installService("soft_fast_path", running: false)
        try write("/sys/fast_classifier/stop", "1\n")
        try write("/sys/kernel/debug/hnat/hook_toggle", "0")
        try installFirewall4(offloading: "0", hardware: "1")
        XCTAssertEqual(try FastPaths.switchOff(system), ["firewall4-flow-offloading"])
        XCTAssertEqual(uci("flow_offloading_hw"), "0")
        try FastPaths.restore(system)
        XCTAssertEqual(serviceState("soft_fast_path"), "off")
        XCTAssertEqual(read("/sys/fast_classifier/stop"), "1\n", "never written")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "0")
        XCTAssertEqual(uci("flow_offloading"), "0")
        XCTAssertEqual(uci("flow_offloading_hw"), "1")
    }

    func testMissingAcceleratorsAreReportedAndLeftAlone() throws {
        XCTAssertTrue(FastPaths.status(system).allSatisfy { !$0.present && $0.on == nil })
        XCTAssertEqual(try FastPaths.switchOff(system), [])
        XCTAssertNil(read(FastPaths.stateFile), "nothing to remember")
        XCTAssertEqual(try FastPaths.restore(system), [])
    }

    func testAFailingChangeIsAClearErrorAndChangesNothing() throws {
        try installService("soft_fast_path", running: true)
        try write("/sys/fast_classifier/stop", "0\n")
        // HNAT's knob cannot be written (a directory stands where the file should be).
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sys/kernel/debug/hnat/hook_toggle"),
                                                withIntermediateDirectories: true)
        XCTAssertThrowsError(try FastPaths.switchOff(system)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("mediatek-hnat") && text.contains("nothing was changed"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertEqual(serviceState("soft_fast_path"), "on", "switched back")
        XCTAssertEqual(read("/sys/fast_classifier/stop"), "0")
        XCTAssertNil(read(FastPaths.stateFile))

        try FileManager.default.removeItem(at: root.appendingPathComponent("sys/kernel/debug/hnat"))
        try write("/var/fail-soft_fast_path", "")
        XCTAssertThrowsError(try FastPaths.switchOff(system)) {
            XCTAssertTrue("\($0)".contains("/etc/init.d/soft_fast_path stop failed (exit 1)"), "\($0)")
        }
        XCTAssertEqual(read("/sys/fast_classifier/stop"), "0")
    }

    func testAFastPathBackOnAfterARebootIsSwitchedOffAgainAndRestoredAsFirstFound() throws {
        try installService("soft_fast_path", running: true)
        try write("/sys/kernel/debug/hnat/hook_toggle", "1")
        XCTAssertEqual(try FastPaths.switchOff(system), ["soft_fast_path", "mediatek-hnat"])
        // A reboot: the vendor starts its fast paths again, the relay's init script runs.
        try write("/var/state/soft_fast_path", "on")
        try write("/sys/kernel/debug/hnat/hook_toggle", "1")
        XCTAssertEqual(try FastPaths.switchOff(system), ["soft_fast_path", "mediatek-hnat"])
        XCTAssertEqual(serviceState("soft_fast_path"), "off")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "0")
        try FastPaths.restore(system)
        XCTAssertEqual(serviceState("soft_fast_path"), "on", "restored as first found")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "1")
        XCTAssertNil(read(FastPaths.stateFile))
    }

    func testRestoreAfterACrashUsesTheSavedState() throws {
        try installEverythingOn()
        try FastPaths.switchOff(system)
        // The relay crashes; it is enabled again: what is off now was not found off by us.
        XCTAssertEqual(try FastPaths.switchOff(system), [], "nothing new to switch off")
        // After the crash (or a reboot), disable restores from the file alone.
        let fresh = SystemAccess(root: root.path)
        try FastPaths.restore(fresh)
        XCTAssertEqual(serviceState("soft_fast_path"), "on")
        XCTAssertEqual(read("/sys/kernel/debug/hnat/hook_toggle"), "1")
        XCTAssertEqual(uci("flow_offloading"), "1")
    }
}

/// Flowtables, through a fake kernel: the kernel here has no flowtable support to test against.
final class FlowtableTests: XCTestCase {
    final class FakeFlowtables: FlowtableControl, @unchecked Sendable {
        var tables: [NFTFlowtable]
        var failOnRemove: String?
        init(_ tables: [NFTFlowtable]) { self.tables = tables }

        func list() throws(FastPathError) -> [NFTFlowtable] { tables }

        func remove(_ devices: [String], from flowtable: NFTFlowtable) throws(FastPathError) {
            if flowtable.name == failOnRemove { throw FastPathError("EBUSY") }
            update(flowtable) { $0.devices.removeAll(where: devices.contains) }
        }

        func add(_ devices: [String], to flowtable: NFTFlowtable) throws(FastPathError) {
            update(flowtable) { $0.devices += devices }
        }

        private func update(_ flowtable: NFTFlowtable, _ change: (inout NFTFlowtable) -> Void) {
            guard let index = tables.firstIndex(where: { $0.table == flowtable.table && $0.name == flowtable.name }) else { return }
            change(&tables[index])
        }

        func devices(_ name: String) -> Set<String> { Set(tables.first { $0.name == name }?.devices ?? []) }
    }

    func table(_ name: String, _ devices: [String]) -> NFTFlowtable {
        NFTFlowtable(family: 1, table: "fw4", name: name, hook: 0, priority: 0, devices: devices)
    }

    func system(_ fake: FakeFlowtables, root: URL) -> SystemAccess {
        SystemAccess(root: root.path, relayDevices: ["wan0", "lan0"], flowtables: fake)
    }

    func withRoot(_ body: (URL) throws -> Void) rethrows {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flowtables-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try body(root)
    }

    func testOnlyTheRelaysDevicesLeaveACoveringFlowtableAndComeBack() throws {
        try withRoot { root in
            let fake = FakeFlowtables([table("ft", ["wan0", "lan0", "eth9"]), table("other", ["eth8"])])
            let system = system(fake, root: root)
            XCTAssertEqual(FastPaths.status(system).first { $0.name == "nftables-flowtables" }?.on, true)
            XCTAssertEqual(try FastPaths.switchOff(system), ["nftables-flowtables"])
            XCTAssertEqual(fake.devices("ft"), ["eth9"])
            XCTAssertEqual(fake.devices("other"), ["eth8"], "a flowtable not covering the relay is untouched")
            try FastPaths.restore(system)
            XCTAssertEqual(fake.devices("ft"), ["wan0", "lan0", "eth9"])
        }
    }

    func testFlowtablesNotCoveringTheRelayAreLeftAlone() throws {
        try withRoot { root in
            let fake = FakeFlowtables([table("other", ["eth8"])])
            let report = FastPaths.status(system(fake, root: root)).first { $0.name == "nftables-flowtables" }
            XCTAssertEqual(report?.present, true)
            XCTAssertEqual(report?.on, false)
            XCTAssertEqual(try FastPaths.switchOff(system(fake, root: root)), [])
            XCTAssertEqual(fake.devices("other"), ["eth8"])
            XCTAssertEqual(FastPaths.status(SystemAccess(root: root.path, flowtables: fake))
                .first { $0.name == "nftables-flowtables" }?.present, false, "no relay devices, nothing to check")
        }
    }

    /// A state file an older relayctl saved (through Foundation, its flowtables' keys in any
    /// order) still restores exactly what it recorded.
    func testAStateFileFromAnOlderRelayRestores() throws {
        try withRoot { root in
            let fake = FakeFlowtables([table("ft", ["eth9"])])
            let system = system(fake, root: root)
            let saved = #"""
            {
              "records" : [
                {
                  "found" : {
                    "on" : true,
                    "values" : {
                      "flowtables" : "[{\"removed\":[\"wan0\",\"lan0\"],\"flowtable\":{\"table\":\"fw4\",\"name\":\"ft\",\"hook\":0,\"family\":1,\"priority\":0,\"devices\":[\"wan0\",\"lan0\",\"eth9\"]}}]"
                    }
                  },
                  "name" : "nftables-flowtables"
                }
              ]
            }
            """#
            let path = system.path(FastPaths.stateFile)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try saved.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(FastPaths.status(system).first { $0.name == "nftables-flowtables" }?.switchedOffByRelay, true)
            XCTAssertEqual(try FastPaths.restore(system), ["nftables-flowtables"])
            XCTAssertEqual(fake.devices("ft"), ["wan0", "lan0", "eth9"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        }
    }

    /// The state file as this relayctl writes it: Foundation's layout, keys sorted.
    func testTheStateFileIsWrittenAsBefore() throws {
        try withRoot { root in
            let fake = FakeFlowtables([table("ft", ["wan0", "eth9"])])
            let system = system(fake, root: root)
            XCTAssertEqual(try FastPaths.switchOff(system), ["nftables-flowtables"])
            let written = try String(contentsOfFile: system.path(FastPaths.stateFile), encoding: .utf8)
            XCTAssertEqual(written, #"""
            {
              "records" : [
                {
                  "found" : {
                    "on" : true,
                    "values" : {
                      "flowtables" : "[{\"flowtable\":{\"devices\":[\"wan0\",\"eth9\"],\"family\":1,\"hook\":0,\"name\":\"ft\",\"priority\":0,\"table\":\"fw4\"},\"removed\":[\"wan0\"]}]"
                    }
                  },
                  "name" : "nftables-flowtables"
                }
              ]
            }
            """#)
        }
    }

    func testAFlowtableThatRefusesIsAnErrorAndNothingChanges() throws {
        try withRoot { root in
            let fake = FakeFlowtables([table("ft", ["wan0", "eth9"])])
            fake.failOnRemove = "ft"
            XCTAssertThrowsError(try FastPaths.switchOff(system(fake, root: root))) {
                XCTAssertTrue("\($0)".contains("nftables-flowtables: EBUSY; nothing was changed"), "\($0)")
            }
            XCTAssertEqual(fake.devices("ft"), ["wan0", "eth9"])
            XCTAssertEqual(try FastPaths.restore(system(fake, root: root)), [], "nothing was saved")
        }
    }
}
