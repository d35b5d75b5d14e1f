import Foundation
import XCTest

/// The router build for 32-bit ARM (scripts/build-router --arch armv7 --libc glibc) runs under
/// qemu's user mode and says what the x86_64 router build says: its version, its help, and the
/// fast paths of this machine. Both binaries come from the same sources; a difference is a
/// defect of the 32-bit build (type widths, C constants, the float ABI). qemu's user mode passes
/// rtnetlink but refuses nf_tables' netlink, so the flowtable probe reads "not present" in both
/// (the x86_64 binary runs under the same condition: no nftables table of ours exists here).
final class RouterBuildTests: XCTestCase {
    static let armBinary = Lab.root.appendingPathComponent(".build-router/armv7-glibc/relayctl").path
    static let hostBinary = Lab.root.appendingPathComponent(".build-router/x86_64-glibc/relayctl").path
    static let qemu = "/usr/bin/qemu-arm-static"

    private func requireBinaries() throws {
        for path in [Self.armBinary, Self.hostBinary, Self.qemu] where !FileManager.default.isExecutableFile(atPath: path) {
            let reason = "\(path) is missing: scripts/build-router --arch armv7 --libc glibc and --arch x86_64 --libc glibc build it (scripts/setup-cross installs qemu)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw Lab.MissingBinary("CI must run the armv7 build, but " + reason) }
            throw XCTSkip(reason)
        }
    }

    private func arm(_ arguments: [String]) -> Lab.Output {
        Lab.run([Self.qemu, "-L", "/usr/arm-linux-gnueabihf", Self.armBinary] + arguments)
    }

    func testVersionHelpAndFastPathStatusMatchTheX86Build() throws {
        try requireBinaries()
        for arguments in [["--version"], ["--help"], ["run", "--help"], ["fastpath", "status"], ["fastpath", "status", "--json"]] {
            let onARM = arm(arguments)
            let onHost = Lab.run([Self.hostBinary] + arguments)
            XCTAssertEqual(onARM.status, 0, "\(arguments): \(onARM.stderr)")
            XCTAssertEqual(onARM.stdout, onHost.stdout, "\(arguments)")
            XCTAssertEqual(onARM.stderr, onHost.stderr, "\(arguments)")
        }
        XCTAssertTrue(arm(["fastpath", "status"]).stdout.contains("soft_fast_path: not present"))
    }

    /// Embedded Swift 6.3's runtime returns a retained bridge object with its tag bits masked off
    /// where the compiler relies on getting its argument back; on aarch64 a small string then
    /// loses its discriminator and is read as a pointer (the aarch64 relay crashed logging its
    /// first session). relayctl links CLibc's own swift_bridgeObjectRetain: a program of the same
    /// shape, built as the router build is, must print the name whole on every architecture.
    func testSmallStringsSurviveTheEmbeddedRuntimeOnEveryArchitecture() throws {
        for (arch, tools) in [("x86_64", ["gcc"]), ("armv7", ["arm-linux-gnueabihf-gcc", "qemu-arm-static"]),
                              ("aarch64", ["aarch64-linux-gnu-gcc", "qemu-aarch64-static"])] {
            let missing = tools.filter { Lab.run(["sh", "-c", "command -v \($0)"]).status != 0 }
            if !missing.isEmpty {
                let reason = "\(missing.joined(separator: ", ")) missing: scripts/setup-cross installs them"
                if ProcessInfo.processInfo.environment["CI"] == "true" { throw Lab.MissingBinary(reason) }
                throw XCTSkip(reason)
            }
            let check = Lab.run([Lab.root.appendingPathComponent("lab/embedded/check-runtime").path, arch])
            XCTAssertEqual(check.status, 0, "\(arch): \(check.stderr)")
            let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], check.stdout)
            let ours = try XCTUnwrap(result["ours"] as? [String: Any])
            XCTAssertEqual(ours["status"] as? Int, 0, "\(arch): \(check.stdout)")
            XCTAssertEqual(ours["output"] as? String, "name LabAC", "\(arch): \(check.stdout)")
            if arch == "aarch64", (result["runtime"] as? [String: Any])?["status"] as? Int == 0 {
                print("note: the toolchain's own swift_bridgeObjectRetain kept the string whole on aarch64; CLibc's may no longer be needed")
            }
        }
    }

    /// The x86_64 router build rounds with CLibc's floor, ceil and round instead of loading libm
    /// for them: they must give libm's results bit for bit, and the binary must not need libm.
    func testTheRouterBuildsOwnRoundingIsLibmsAndLibmIsNotLoaded() throws {
        let work = try VMLab.workDirectory("rounding")
        defer { VMLab.remove(work) }
        let sources = Lab.root.appendingPathComponent("Sources/CLibc")
        let object = work.appendingPathComponent("clibc.o").path, program = work.appendingPathComponent("rounding").path
        let compiled = Lab.run(["gcc", "-O2", "-ffunction-sections", "-DPR_EMBEDDED_SWIFT", "-Dfloor=pr_floor", "-Dceil=pr_ceil",
                                "-Dround=pr_round", "-I", sources.appendingPathComponent("include").path, "-c",
                                sources.appendingPathComponent("CLibc.c").path, "-o", object])
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let linked = Lab.run(["gcc", "-O2", "-Wl,--gc-sections", "-o", program,
                              Lab.root.appendingPathComponent("lab/embedded/rounding.c").path, object, "-lm"])
        XCTAssertEqual(linked.status, 0, linked.stderr)
        let compared = Lab.run([program])
        XCTAssertEqual(compared.status, 0, compared.stdout)
        XCTAssertTrue(compared.stdout.hasPrefix("0 of "), compared.stdout)

        guard FileManager.default.isExecutableFile(atPath: Self.hostBinary) else { try requireBinaries(); return }
        let needed = Lab.run(["readelf", "-d", Self.hostBinary]).stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        XCTAssertFalse(needed.isEmpty)
        XCTAssertFalse(needed.contains { $0.contains("libm.so") }, needed.joined(separator: "\n"))
    }

    func testABadFlagIsTheSameOneLineErrorAndExitStatus() throws {
        try requireBinaries()
        let onARM = arm(["run", "--wan"])
        let onHost = Lab.run([Self.hostBinary, "run", "--wan"])
        XCTAssertEqual(onARM.status, 2)
        XCTAssertEqual(onARM.status, onHost.status)
        XCTAssertEqual(onARM.stderr, onHost.stderr)
        XCTAssertFalse(onARM.stderr.isEmpty)
    }
}
