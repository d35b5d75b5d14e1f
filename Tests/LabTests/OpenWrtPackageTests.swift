import Foundation
import XCTest

/// scripts/package-openwrt's .ipk, checked the way opkg reads it (an outer gzip'd tar whose
/// members are debian-binary, data.tar.gz and control.tar.gz), and its maintainer scripts run
/// under busybox ash against the OpenWrt stand-ins: for an image being assembled (IPKG_INSTROOT
/// set) and on a router (chroot into a fake root). A small shell script stands in for relayctl,
/// so nothing here needs scripts/build-router.
final class OpenWrtPackageTests: XCTestCase {
    static let script = Lab.root.appendingPathComponent("scripts/package-openwrt").path
    static let busybox = ["/bin/busybox", "/usr/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }

    var directory: URL!
    var standIn: String { directory.appendingPathComponent("relayctl").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Records its arguments in /relayctl.log of whatever root it runs in. Told that the coming
        // stop is a restart, it leaves a session journal, as the real daemon does when it stops.
        try """
            #!/bin/sh
            echo "relayctl $*" >> "${RELAYCTL_LOG:-/relayctl.log}"
            case "$*" in "restart --prepare --runtime-dir "*) mkdir -p "$4" && : > "$4/sessions.journal" ;; esac

            """
            .write(toFile: standIn, atomically: true, encoding: .utf8)
        chmod(standIn, 0o755)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: helpers

    /// Runs scripts/package-openwrt; returns the packages it printed.
    func package(_ arguments: [String], out: String? = nil, epoch: String? = "1700000000") throws -> [String] {
        let out = out ?? directory.appendingPathComponent("out").path
        var command = ["env"]
        if let epoch { command.append("SOURCE_DATE_EPOCH=\(epoch)") } else { command += ["-u", "SOURCE_DATE_EPOCH"] }
        command += ["bash", Self.script, "--binary", standIn, "--out", out] + arguments
        let result = Lab.run(command)
        XCTAssertEqual(result.status, 0, result.stderr)
        guard result.status == 0 else { throw Failure("package-openwrt failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func sh(_ command: String, environment: [String: String]? = nil) -> Lab.Output {
        Lab.run(["sh", "-c", command], environment: environment)
    }

    /// The members of a gzip'd tar, in order, as `tar -tv --numeric-owner` lists them:
    /// (mode string, owner/group, size, name).
    func members(_ archive: String) -> [(mode: String, owner: String, size: Int, name: String)] {
        let out = Lab.run(["tar", "--numeric-owner", "-tvzf", archive])
        XCTAssertEqual(out.status, 0, out.stderr)
        return out.stdout.split(separator: "\n").map { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return (String(fields[0]), String(fields[1]), Int(fields[2]) ?? -1, String(fields[5...].joined(separator: " ")))
        }
    }

    /// Unpacks a package as opkg does: the outer tar, then control.tar.gz into `control` and
    /// data.tar.gz into `data` below `into`.
    func unpack(_ ipk: String, into: URL) throws {
        for sub in ["outer", "control", "data"] {
            try FileManager.default.createDirectory(at: into.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let p = into.path
        let out = sh("tar -xzf '\(ipk)' -C '\(p)/outer' && tar -xzf '\(p)/outer/control.tar.gz' -C '\(p)/control' "
                     + "&& tar -xzf '\(p)/outer/data.tar.gz' -C '\(p)/data'")
        XCTAssertEqual(out.status, 0, out.stderr)
    }

    func fields(_ control: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in control.split(separator: "\n") where !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    /// A repository file as scripts/install writes it with PREFIX=/usr.
    func installed(_ source: String) throws -> Data {
        let text = try String(contentsOf: Lab.root.appendingPathComponent(source), encoding: .utf8)
        return Data(text.replacingOccurrences(of: "@SBINDIR@", with: "/usr/sbin").utf8)
    }

    /// What `git describe` gives, as the package spells it.
    func expectedVersion() -> String {
        let out = Lab.run(["git", "-C", Lab.root.path, "describe", "--tags", "--always", "--dirty"])
        var version = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if version.isEmpty { version = "0.0.0-dev" }
        if version.hasPrefix("v") { version.removeFirst() }
        if let first = version.first, !first.isNumber { version = "0.0.0+git" + version }
        return version
    }

    static let expectedData: [(path: String, mode: String, source: String?)] = [
        ("./etc/config/pppoe-relay", "-rw-r--r--", "init/openwrt/pppoe-relay.config"),
        ("./etc/hotplug.d/iface/90-pppoe-relay", "-rwxr-xr-x", "hotplug.d/iface/90-pppoe-relay"),
        ("./etc/init.d/pppoe-relay", "-rwxr-xr-x", "init/openwrt/pppoe-relay"),
        ("./etc/pppoe-relay/relay.json.example", "-rw-r--r--", "init/relay.json.example"),
        ("./lib/upgrade/keep.d/pppoe-relay", "-rw-r--r--", nil),
        ("./usr/sbin/relayctl", "-rwxr-xr-x", nil),
    ]

    // MARK: the container and its control files

    func testContainerIsOpenWrtsGzippedTarOfThreeMembersInOrder() throws {
        let packages = try package(["--arch", "x86_64"])
        XCTAssertEqual(packages.count, 1)
        let ipk = try XCTUnwrap(packages.first)
        XCTAssertEqual(URL(fileURLWithPath: ipk).lastPathComponent, "pppoe-relay_\(expectedVersion())_x86_64.ipk")
        let head = try XCTUnwrap(FileHandle(forReadingAtPath: ipk)).readData(ofLength: 8)
        XCTAssertEqual(Array(head.prefix(2)), [0x1f, 0x8b], "gzip, not an ar archive (!<arch>)")
        let outer = members(ipk)
        XCTAssertEqual(outer.map(\.name), ["./debian-binary", "./data.tar.gz", "./control.tar.gz"])
        for member in outer {
            XCTAssertEqual(member.owner, "0/0", member.name)
            XCTAssertEqual(member.mode, "-rw-r--r--", member.name)
        }
        let root = directory.appendingPathComponent("x")
        try unpack(ipk, into: root)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("outer/debian-binary"), encoding: .utf8), "2.0\n")
        let control = members(root.appendingPathComponent("outer/control.tar.gz").path)
        XCTAssertEqual(control.map(\.name), ["./", "./conffiles", "./control", "./postinst", "./prerm"])
        let modes = Dictionary(uniqueKeysWithValues: control.map { ($0.name, $0) })
        XCTAssertEqual(modes["./control"]?.mode, "-rw-r--r--")
        XCTAssertEqual(modes["./conffiles"]?.mode, "-rw-r--r--")
        XCTAssertEqual(modes["./postinst"]?.mode, "-rwxr-xr-x")
        XCTAssertEqual(modes["./prerm"]?.mode, "-rwxr-xr-x")
        XCTAssertTrue(control.allSatisfy { $0.owner == "0/0" })
    }

    func testControlNamesPackageVersionDependenciesArchitectureAndTheDataSize() throws {
        for (arch, names) in [("x86_64", ["x86_64"]),
                              ("aarch64", ["aarch64_generic", "aarch64_cortex-a53", "aarch64_cortex-a72"]),
                              ("armv7", ["arm_cortex-a7_neon-vfpv4", "arm_cortex-a15_neon-vfpv4"])] {
            let out = directory.appendingPathComponent("out-\(arch)").path
            let packages = try package(["--arch", arch], out: out)
            XCTAssertEqual(packages.map { URL(fileURLWithPath: $0).lastPathComponent },
                           names.map { "pppoe-relay_\(expectedVersion())_\($0).ipk" })
            for (ipk, name) in zip(packages, names) {
                let root = directory.appendingPathComponent("unpacked-\(name)")
                try unpack(ipk, into: root)
                let text = try String(contentsOf: root.appendingPathComponent("control/control"), encoding: .utf8)
                XCTAssertTrue(text.hasSuffix("\n"))
                let control = fields(text)
                XCTAssertEqual(control["Package"], "pppoe-relay")
                XCTAssertEqual(control["Version"], expectedVersion())
                XCTAssertEqual(control["Depends"], "libc, libmnl0, libnftnl11")
                XCTAssertEqual(control["Recommends"], "kmod-nft-netdev")
                XCTAssertEqual(control["Architecture"], name)
                XCTAssertEqual(control["SourceDateEpoch"], "1700000000")
                XCTAssertNotNil(control["Description"])
                // Installed-Size is the uncompressed data tar's size, as OpenWrt's ipkg-build has it.
                let size = sh("gzip -dc '\(root.path)/outer/data.tar.gz' | wc -c").stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertEqual(control["Installed-Size"], size)
                // The same data in every architecture's package of one build.
                XCTAssertEqual(Lab.run(["cmp", "\(root.path)/outer/data.tar.gz",
                                        "\(directory.appendingPathComponent("unpacked-\(names[0])").path)/outer/data.tar.gz"]).status, 0)
            }
        }
        // --pkgarch names exactly the architectures wanted; --depends replaces the list.
        let chosen = try package(["--arch", "aarch64", "--pkgarch", "aarch64_cortex-a76", "--depends", "libc, libmnl0, libnftnl12"],
                                 out: directory.appendingPathComponent("chosen").path)
        XCTAssertEqual(chosen.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["pppoe-relay_\(expectedVersion())_aarch64_cortex-a76.ipk"])
        let root = directory.appendingPathComponent("chosen-unpacked")
        try unpack(try XCTUnwrap(chosen.first), into: root)
        let control = fields(try String(contentsOf: root.appendingPathComponent("control/control"), encoding: .utf8))
        XCTAssertEqual(control["Depends"], "libc, libmnl0, libnftnl12")
        // Bad arguments are usage errors.
        for bad in [["--arch", "mips"], [], ["--arch", "x86_64", "--pkgarch", "Bad Name"]] {
            let out = Lab.run(["bash", Self.script, "--binary", standIn, "--out", directory.path] + bad)
            XCTAssertEqual(out.status, 2, "\(bad): \(out.stderr)")
        }
        let missing = Lab.run(["bash", Self.script, "--arch", "x86_64", "--binary", "/nonexistent", "--out", directory.path])
        XCTAssertEqual(missing.status, 1)
    }

    func testDataHoldsTheRepositorysFilesOwnedByRootWithTheirModes() throws {
        let ipk = try XCTUnwrap(try package(["--arch", "aarch64", "--pkgarch", "aarch64_generic"]).first)
        let root = directory.appendingPathComponent("x")
        try unpack(ipk, into: root)
        let data = members(root.appendingPathComponent("outer/data.tar.gz").path)
        XCTAssertTrue(data.allSatisfy { $0.owner == "0/0" }, "\(data.filter { $0.owner != "0/0" })")
        let files = data.filter { !$0.mode.hasPrefix("d") }
        XCTAssertEqual(files.map(\.name), Self.expectedData.map(\.path))
        for directoryEntry in data where directoryEntry.mode.hasPrefix("d") {
            XCTAssertEqual(directoryEntry.mode, "drwxr-xr-x", directoryEntry.name)
        }
        for expected in Self.expectedData {
            let member = try XCTUnwrap(files.first { $0.name == expected.path })
            XCTAssertEqual(member.mode, expected.mode, expected.path)
            let content = try Data(contentsOf: root.appendingPathComponent("data/" + expected.path.dropFirst(2)))
            if expected.path == "./lib/upgrade/keep.d/pppoe-relay" {
                // What sysupgrade keeps besides changed conffiles: what relayctl writes.
                XCTAssertEqual(String(decoding: content, as: UTF8.self),
                               "/etc/pppoe-relay/relay.json\n/etc/pppoe-relay/fastpath-state.json\n")
            } else if let source = expected.source {
                XCTAssertEqual(content, try installed(source), "\(expected.path) is \(source) as scripts/install writes it")
            } else {
                XCTAssertEqual(content, try Data(contentsOf: URL(fileURLWithPath: standIn)), "the binary as given")
            }
        }
        // The init script and hook run the packaged binary.
        let initScript = try String(contentsOf: root.appendingPathComponent("data/etc/init.d/pppoe-relay"), encoding: .utf8)
        XCTAssertTrue(initScript.contains("RELAYCTL=/usr/sbin/relayctl\n"))
        XCTAssertTrue(initScript.hasPrefix("#!/bin/sh /etc/rc.common\n"))
        // conffiles: the UCI file, which is in data.
        let conffiles = try String(contentsOf: root.appendingPathComponent("control/conffiles"), encoding: .utf8)
        XCTAssertEqual(conffiles, "/etc/config/pppoe-relay\n")
        for line in conffiles.split(separator: "\n") {
            XCTAssertTrue(files.contains { $0.name == "." + line }, "conffile \(line) is in data.tar.gz")
        }
        // The maintainer scripts are the repository's.
        for script in ["postinst", "prerm"] {
            XCTAssertEqual(try Data(contentsOf: root.appendingPathComponent("control/\(script)")),
                           try Data(contentsOf: Lab.root.appendingPathComponent("openwrt/pppoe-relay/files/\(script)")))
        }
    }

    /// scripts/install (PREFIX=/usr) and the package lay out the same files, bytes and modes;
    /// the package leaves out only the systemd unit, and adds only sysupgrade's keep.d list.
    func testPackageAndInstallScriptAgree() throws {
        let ipk = try XCTUnwrap(try package(["--arch", "x86_64"]).first)
        let root = directory.appendingPathComponent("x")
        try unpack(ipk, into: root)
        let destination = directory.appendingPathComponent("installed")
        let install = Lab.run(["env", "PREFIX=/usr", "DESTDIR=\(destination.path)", "bash",
                               Lab.root.appendingPathComponent("scripts/install").path, "--binary", standIn])
        XCTAssertEqual(install.status, 0, install.stderr)
        let listing = { (top: URL) -> [String: String] in
            let out = Lab.run(["find", top.path, "-type", "f", "-printf", "%P %m\\n"])
            return Dictionary(uniqueKeysWithValues: out.stdout.split(separator: "\n").map {
                let parts = $0.split(separator: " ")
                return ("/" + parts[0], String(parts[1]))
            })
        }
        var installed = listing(destination)
        XCTAssertNotNil(installed.removeValue(forKey: "/usr/lib/systemd/system/pppoe-relay.service"))
        var packaged = listing(root.appendingPathComponent("data"))
        XCTAssertNotNil(packaged.removeValue(forKey: "/lib/upgrade/keep.d/pppoe-relay"))
        XCTAssertEqual(packaged, installed)
        for path in packaged.keys {
            XCTAssertEqual(Lab.run(["cmp", destination.path + path, root.path + "/data" + path]).status, 0, path)
        }
    }

    /// The package as shipped: the aarch64 musl router build (which the test run makes), packaged
    /// whole, an aarch64 executable that asks for OpenWrt's musl loader and the router's own libmnl
    /// and libnftnl, for the aarch64 package names opkg matches.
    func testThePackageCarriesTheAArch64MuslRouterBuild() throws {
        let binary = Lab.root.appendingPathComponent(".build-router/aarch64-musl/relayctl").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            let reason = "\(binary) is missing: scripts/build-router --arch aarch64 --libc musl builds it"
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw Lab.MissingBinary("CI must package the router build, but " + reason) }
            throw XCTSkip(reason)
        }
        let out = directory.appendingPathComponent("real").path
        let result = Lab.run(["env", "SOURCE_DATE_EPOCH=1700000000", "bash", Self.script, "--arch", "aarch64",
                              "--binary", binary, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let packages = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(packages.map { URL(fileURLWithPath: $0).lastPathComponent.components(separatedBy: "_").last },
                       ["generic.ipk", "cortex-a53.ipk", "cortex-a72.ipk"], result.stdout)
        let root = directory.appendingPathComponent("real-unpacked")
        try unpack(try XCTUnwrap(packages.first), into: root)
        let packaged = root.appendingPathComponent("data/usr/sbin/relayctl").path
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: packaged)), try Data(contentsOf: URL(fileURLWithPath: binary)))
        let header = Lab.run(["readelf", "-h", "-l", "-d", packaged]).stdout
        XCTAssertTrue(header.contains("AArch64"), header)
        XCTAssertTrue(header.contains("[Requesting program interpreter: /lib/ld-musl-aarch64.so.1]"), header)
        let needed = header.split(separator: "\n").filter { $0.contains("(NEEDED)") }.map { $0.split(separator: "[").last ?? "" }
        XCTAssertEqual(needed, ["libmnl.so.0]", "libnftnl.so.11]", "libc.so]"], header)
        let control = fields(try String(contentsOf: root.appendingPathComponent("control/control"), encoding: .utf8))
        XCTAssertEqual(control["Architecture"], "aarch64_generic")
        XCTAssertEqual(control["Depends"], "libc, libmnl0, libnftnl11")
    }

    func testSameInputsGiveTheSameBytes() throws {
        let first = try package(["--arch", "armv7"], out: directory.appendingPathComponent("a").path)
        // Another copy of the binary, with another mtime, and another work directory.
        let copy = directory.appendingPathComponent("copy/relayctl").path
        try FileManager.default.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertEqual(Lab.run(["cp", standIn, copy]).status, 0)
        XCTAssertEqual(Lab.run(["touch", "-d", "2001-02-03", copy]).status, 0)
        let second = Lab.run(["env", "SOURCE_DATE_EPOCH=1700000000", "TMPDIR=\(directory.path)", "bash", Self.script,
                              "--arch", "armv7", "--binary", copy, "--out", directory.appendingPathComponent("b").path])
        XCTAssertEqual(second.status, 0, second.stderr)
        let secondPackages = second.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(first.count, secondPackages.count)
        for (a, b) in zip(first, secondPackages) {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)), a)
        }
        // The time is SOURCE_DATE_EPOCH's, so another epoch gives other bytes (the check can fail)...
        let other = try package(["--arch", "armv7"], out: directory.appendingPathComponent("c").path, epoch: "1700000001")
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: first[0])), try Data(contentsOf: URL(fileURLWithPath: other[0])))
        // ...and without it, the commit's time: still the same bytes twice.
        let d = try package(["--arch", "x86_64"], out: directory.appendingPathComponent("d").path, epoch: nil)
        let e = try package(["--arch", "x86_64"], out: directory.appendingPathComponent("e").path, epoch: nil)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d[0])), try Data(contentsOf: URL(fileURLWithPath: e[0])))
        let commitTime = Lab.run(["git", "-C", Lab.root.path, "log", "-1", "--format=%ct"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let root = directory.appendingPathComponent("d-unpacked")
        try unpack(d[0], into: root)
        XCTAssertEqual(fields(try String(contentsOf: root.appendingPathComponent("control/control"), encoding: .utf8))["SourceDateEpoch"],
                       commitTime)
    }

    // MARK: maintainer scripts

    func testMaintainerScriptsPassShellcheck() throws {
        guard Lab.run(["sh", "-c", "command -v shellcheck"]).status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("shellcheck is not installed (scripts/setup)") }
            throw XCTSkip("shellcheck is not installed (scripts/setup installs it)")
        }
        let files = ["openwrt/pppoe-relay/files/postinst", "openwrt/pppoe-relay/files/prerm", "scripts/package-openwrt"]
            .map { Lab.root.appendingPathComponent($0).path }
        let out = Lab.run(["shellcheck"] + files)
        XCTAssertEqual(out.status, 0, out.stdout + out.stderr)
        // Maintainer scripts run under OpenWrt's /bin/sh, busybox ash: checked as POSIX sh.
        let posix = Lab.run(["shellcheck", "-s", "sh"] + files.prefix(2))
        XCTAssertEqual(posix.status, 0, posix.stdout + posix.stderr)
    }

    /// A router's root as far as the scripts go: the package's data, its control files where
    /// opkg keeps them, and the OpenWrt stand-ins.
    func fakeRoot(_ ipk: String) throws -> URL {
        let unpacked = directory.appendingPathComponent("unpacked")
        try unpack(ipk, into: unpacked)
        let root = directory.appendingPathComponent("root")
        XCTAssertEqual(Lab.run(["cp", "-a", unpacked.appendingPathComponent("data").path, root.path]).status, 0)
        XCTAssertEqual(sh("cp -R '\(OpenWrtTests.standIns)'/. '\(root.path)' && rm -f '\(root.path)/README.md'").status, 0)
        let info = root.appendingPathComponent("usr/lib/opkg/info")
        try FileManager.default.createDirectory(at: info, withIntermediateDirectories: true)
        for file in ["control", "conffiles", "postinst", "prerm"] {
            XCTAssertEqual(Lab.run(["cp", "-p", unpacked.appendingPathComponent("control/\(file)").path,
                                    info.appendingPathComponent("pppoe-relay.\(file)").path]).status, 0)
        }
        for sub in ["procd", "netifd", "tmp", "var/run"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        return root
    }

    func text(_ root: URL, _ path: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    func links(_ root: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("etc/rc.d").path)) ?? []).sorted()
    }

    /// Image build: IPKG_INSTROOT names the image's root on the build machine. postinst makes the
    /// boot links through the image's rc.common and starts nothing; prerm removes them.
    func testImageBuildEnablesAtBootAndStartsNothing() throws {
        let busybox = try XCTUnwrap(Self.busybox, "busybox is not installed (scripts/setup)")
        let root = try fakeRoot(try XCTUnwrap(try package(["--arch", "x86_64"]).first))
        let log = directory.appendingPathComponent("relayctl.log").path
        let procdLog = directory.appendingPathComponent("procd.log").path
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "IPKG_INSTROOT": root.path,
                           "PROCD_LOG": procdLog, "PROCD_STATE": root.path + "/procd", "RELAYCTL_LOG": log]
        let postinst = Lab.run([busybox, "ash", root.path + "/usr/lib/opkg/info/pppoe-relay.postinst", "configure"],
                               environment: environment)
        XCTAssertEqual(postinst.status, 0, postinst.stderr)
        XCTAssertEqual(links(root), ["K10pppoe-relay", "S95pppoe-relay"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root.path + "/etc/rc.d/S95pppoe-relay"),
                       "../init.d/pppoe-relay")
        XCTAssertFalse(FileManager.default.fileExists(atPath: procdLog), "nothing was started: \(text(directory, "procd.log"))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: log), "relayctl did not run: \(text(directory, "relayctl.log"))")

        let prerm = Lab.run([busybox, "ash", root.path + "/usr/lib/opkg/info/pppoe-relay.prerm", "remove"],
                            environment: environment)
        XCTAssertEqual(prerm.status, 0, prerm.stderr)
        XCTAssertEqual(links(root), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: procdLog))
        XCTAssertFalse(FileManager.default.fileExists(atPath: log))

        // IPKG_NO_SCRIPT=1: postinst does nothing at all.
        var quiet = environment
        quiet["IPKG_NO_SCRIPT"] = "1"
        XCTAssertEqual(Lab.run([busybox, "ash", root.path + "/usr/lib/opkg/info/pppoe-relay.postinst", "configure"],
                               environment: quiet).status, 0)
        XCTAssertEqual(links(root), [])
    }

    /// On the router: opkg runs the scripts with /bin/sh (busybox ash) and no IPKG_INSTROOT, so
    /// they act on / itself; here / is a fake root entered with chroot, holding a static busybox.
    func testOnTheRouterInstallEnablesAndStartsUpgradeKeepsSessionsRemovalStops() throws {
        guard getuid() == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("chroot needs root") }
            throw XCTSkip("chroot needs root")
        }
        let busybox = try XCTUnwrap(Self.busybox, "busybox is not installed (scripts/setup)")
        guard Lab.run(["sh", "-c", "file -L '\(busybox)' | grep -q 'statically linked'"]).status == 0 else {
            throw XCTSkip("\(busybox) is not statically linked (Debian's busybox-static is)")
        }
        let root = try fakeRoot(try XCTUnwrap(try package(["--arch", "x86_64"]).first))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("dev"), withIntermediateDirectories: true)
        XCTAssertEqual(Lab.run(["cp", busybox, root.path + "/bin/busybox"]).status, 0)
        XCTAssertEqual(Lab.run(["mknod", "-m", "666", root.path + "/dev/null", "c", "1", "3"]).status, 0)
        let applets = Lab.run(["chroot", root.path, "/bin/busybox", "--install", "-s", "/bin"])
        XCTAssertEqual(applets.status, 0, applets.stderr)

        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PROCD_LOG": "/procd.log", "PROCD_STATE": "/procd",
                           "NETIFD_STATE": "/netifd"]
        func run(_ script: String, _ arguments: [String], upgrade: Bool) -> Lab.Output {
            var environment = environment
            environment["PKG_UPGRADE"] = upgrade ? "1" : "0"
            return Lab.run(["chroot", root.path, "/bin/busybox", "ash", "/usr/lib/opkg/info/pppoe-relay.\(script)"] + arguments,
                           environment: environment)
        }
        func initScript(_ action: String) {
            let out = Lab.run(["chroot", root.path, "/etc/init.d/pppoe-relay", action], environment: environment)
            XCTAssertEqual(out.status, 0, "\(action): \(out.stderr)")
        }

        // A first install: enabled at boot and started; the shipped UCI file is disabled, so the
        // start asks procd for no instance.
        var out = run("postinst", ["configure"], upgrade: false)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(links(root), ["K10pppoe-relay", "S95pppoe-relay"])
        XCTAssertTrue(text(root, "procd.log").contains("open_service pppoe-relay"), text(root, "procd.log"))
        XCTAssertFalse(text(root, "procd.log").contains("instance started"), text(root, "procd.log"))

        // The administrator enables the relay in UCI, starts it, and takes it off the boot list.
        try """
            config relay 'main'
            \toption enabled '1'
            \toption wan 'eth1'
            \tlist lan 'br-lan'

            """.write(to: root.appendingPathComponent("etc/config/pppoe-relay"), atomically: true, encoding: .utf8)
        initScript("start")
        initScript("disable")
        XCTAssertTrue(text(root, "procd.log").contains("instance started"), text(root, "procd.log"))
        XCTAssertEqual(links(root), [])
        try "".write(to: root.appendingPathComponent("procd.log"), atomically: true, encoding: .utf8)

        // An upgrade: the old prerm tells the relay its stop is a restart, stops it, and keeps the
        // administrator's boot choice; the new postinst starts the new relay, not enabling it.
        out = run("prerm", ["upgrade", "9.9.9"], upgrade: true)
        XCTAssertEqual(out.status, 0, out.stderr)
        // Only that: with the journal left for the new relay, the fast paths stay off meanwhile.
        XCTAssertEqual(text(root, "relayctl.log"), "relayctl restart --prepare --runtime-dir /var/run/pppoe-relay\n")
        XCTAssertTrue(text(root, "procd.log").contains("procd_kill pppoe-relay"), text(root, "procd.log"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path + "/procd/pppoe-relay.command"))
        out = run("postinst", ["configure"], upgrade: true)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(links(root), [], "an upgrade keeps the relay off the boot list")
        XCTAssertTrue(text(root, "procd.log").contains("instance started"), text(root, "procd.log"))
        let command = text(root, "procd/pppoe-relay.command").split(separator: "\n")
        XCTAssertEqual(Array(command.prefix(6)), ["/usr/sbin/relayctl", "daemon", "--wan", "eth1", "--lan", "br-lan"])

        // Removal: disabled at boot and stopped (every session ends), with no restart announced.
        // (The new relay adopted the journal.)
        try FileManager.default.removeItem(atPath: root.path + "/var/run/pppoe-relay/sessions.journal")
        initScript("enable")
        XCTAssertEqual(links(root), ["K10pppoe-relay", "S95pppoe-relay"])
        try "".write(to: root.appendingPathComponent("relayctl.log"), atomically: true, encoding: .utf8)
        try "".write(to: root.appendingPathComponent("procd.log"), atomically: true, encoding: .utf8)
        out = run("prerm", ["remove"], upgrade: false)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(links(root), [])
        XCTAssertTrue(text(root, "procd.log").contains("procd_kill pppoe-relay"), text(root, "procd.log"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path + "/procd/pppoe-relay.command"))
        XCTAssertEqual(text(root, "relayctl.log"), "relayctl fastpath restore\n",
                       "no restart announced; the fast paths come back once the relay is gone")
    }

    // MARK: the feed Makefile

    /// OpenWrt's build system is not here, so `make -n` cannot run the feed Makefile. Instead it
    /// runs under GNU make with a small rules.mk and package.mk of our own that define what the
    /// Makefile uses (INSTALL_DIR, INSTALL_BIN, INSTALL_DATA with OpenWrt's modes, and a
    /// BuildPackage that calls Package/pppoe-relay/install and then, as OpenWrt's
    /// package-pack.mk does, lists in lib/upgrade/keep.d/NAME each conffile the package does
    /// not ship): the tree it installs must be the package's data, byte for byte and mode for
    /// mode. Its dependencies are read from the text.
    func testFeedMakefileInstallsTheSameFilesWithTheSameDependencies() throws {
        let makefile = try String(contentsOf: Lab.root.appendingPathComponent("openwrt/pppoe-relay/Makefile"), encoding: .utf8)
        XCTAssertTrue(makefile.contains("\n  DEPENDS:=+libmnl +libnftnl\n"),
                      "libmnl and libnftnl, which OpenWrt names libmnl0 and libnftnl11 by their ABI versions; libc comes by itself")
        XCTAssertTrue(makefile.contains("define Package/pppoe-relay/conffiles\n/etc/config/pppoe-relay\n"))
        XCTAssertTrue(makefile.contains("PKG_NAME:=pppoe-relay\n"))
        XCTAssertTrue(makefile.contains("restart --prepare --runtime-dir /var/run/pppoe-relay"))
        XCTAssertTrue(makefile.contains("scripts/build-router"))

        let top = directory.appendingPathComponent("openwrt-top")
        try FileManager.default.createDirectory(at: top.appendingPathComponent("include"), withIntermediateDirectories: true)
        try "INCLUDE_DIR:=$(TOPDIR)/include\n".write(to: top.appendingPathComponent("rules.mk"), atomically: true, encoding: .utf8)
        try """
            INSTALL_DIR:=install -d -m0755
            INSTALL_BIN:=install -m0755
            INSTALL_DATA:=install -m0644
            INSTALL_CONF:=install -m0600
            define BuildPackage
            install-package:
            \t$$(call Package/$(1)/install,$$(DESTINATION))
            \tfor file in $$(strip $$(call Package/$(1)/conffiles)); do \\
            \t\t[ -f "$$(DESTINATION)$$$$file" ] && continue; \\
            \t\tmkdir -p $$(DESTINATION)/lib/upgrade/keep.d; \\
            \t\techo "$$$$file" >> $$(DESTINATION)/lib/upgrade/keep.d/$(1); \\
            \tdone
            endef

            """.write(to: top.appendingPathComponent("include/package.mk"), atomically: true, encoding: .utf8)
        let destination = directory.appendingPathComponent("feed-installed")
        let make = Lab.run(["make", "-s", "-C", Lab.root.appendingPathComponent("openwrt/pppoe-relay").path,
                            "TOPDIR=\(top.path)", "DESTINATION=\(destination.path)", "PPPOE_RELAY_BINARY=\(standIn)",
                            "install-package"])
        XCTAssertEqual(make.status, 0, make.stdout + make.stderr)

        let ipk = try XCTUnwrap(try package(["--arch", "x86_64"]).first)
        let root = directory.appendingPathComponent("x")
        try unpack(ipk, into: root)
        let listing = { (top: URL) -> [String] in
            Lab.run(["sh", "-c", "cd '\(top.path)' && find . -printf '%p %y %m\\n' | LC_ALL=C sort"]).stdout
                .split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(listing(destination), listing(root.appendingPathComponent("data")))
        XCTAssertEqual(Lab.run(["diff", "-r", destination.path, root.appendingPathComponent("data").path]).status, 0)
        // The version it would carry is the package's.
        let version = Lab.run(["make", "-s", "-C", Lab.root.appendingPathComponent("openwrt/pppoe-relay").path,
                               "TOPDIR=\(top.path)", "--eval=print-version: ; @echo $(PKG_VERSION)", "print-version"])
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), expectedVersion(), version.stderr)
    }
}
