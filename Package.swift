// swift-tools-version:6.0
import PackageDescription

/// The version `relayctl --version` prints: scripts/build-release sets RELAYCTL_VERSION (from
/// `git describe`); a plain `swift build` says 0.0.0-dev. Only CShim's one C file sees it, so a
/// new version recompiles that file and relinks, nothing more.
let buildVersion = Context.environment["RELAYCTL_VERSION"].map { version in
    [CSetting.define("RELAYCTL_VERSION", to: "\"\(version)\"")]
} ?? []

let package = Package(
    name: "pppoe-relay",
    products: [
        .executable(name: "relayctl", targets: ["relayctl"]),
        .executable(name: "pppoe-bench", targets: ["pppoe-bench"]),
    ],
    dependencies: [
    ],
    targets: [
        // C: what Glibc does not import (sockaddr_ll, mmsghdr, the TPACKET_V2 ring, PACKET_* options).
        .target(name: "CShim", cSettings: buildVersion),
        // The C library as both builds see it: CLibc's headers and helpers (errno, the variadic
        // calls), and Libc, which re-exports them, or Glibc/Musl in the ordinary build.
        .target(name: "CLibc"),
        .target(name: "Libc", dependencies: ["CLibc"]),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),

        // Pure Swift: JSON written as Foundation's JSONEncoder writes it and read strictly, with
        // each type's shape stated once (no Codable). Depends on nothing.
        .target(name: "JSON"),

        // Pure Swift: Ethernet + PPPoE wire format. Depends on nothing.
        .target(name: "PPPoEWire"),

        // PPP's control protocols as pure state machines: LCP, PAP, CHAP (MD5, MS-CHAPv2), IPCP,
        // IPv6CP, and the digests and cipher they need. Depends on nothing.
        .target(name: "PPPControl"),

        // Netlink over libmnl/libnftnl: links today, nftables for the kernel dataplane.
        .target(name: "Netlink", dependencies: ["Libc", "CMnl", "CNftnl", "JSON"]),

        // Discovery relay, session table, userspace dataplane.
        .target(name: "UserspaceRelay", dependencies: ["Libc", "JSON", "PPPoEWire", "CShim"]),

        // The kernel dataplane: nftables state per session, behind UserspaceRelay's SessionOffload.
        .target(name: "Offload", dependencies: ["Libc", "Netlink", "PPPoEWire", "UserspaceRelay"]),

        // Foundation's conveniences for text, files and their errors, without Foundation's locales.
        .target(name: "PlainText", dependencies: ["Libc"]),

        // `relayctl check`: one dial on an interface (discovery, PPPControl's protocols, hang-up)
        // over its own packet sockets, beside a relay or a PPPoE client on the same interface.
        .target(name: "LineCheck", dependencies: ["Libc", "JSON", "PPPControl", "PPPoEWire", "Netlink", "CShim"]),

        // Vendor fast paths that corrupt relaying: found, switched off, restored exactly.
        .target(name: "FastPaths", dependencies: ["Libc", "CShim", "JSON", "Netlink", "PlainText"]),

        // What the daemon and its clients say to each other: the configuration a daemon runs,
        // the control socket's requests and JSON replies, and the socket itself.
        .target(name: "ControlProtocol", dependencies: ["Libc", "JSON", "UserspaceRelay"]),

        // The daemon's log: syslog (/dev/log) or standard error.
        .target(name: "RelayLog", dependencies: ["Libc",
            "UserspaceRelay", "PPPoEWire", "PlainText",
        ]),

        // The daemon: event loop, dataplane choice, control server, runtime directory.
        .target(name: "RelayDaemon", dependencies: ["Libc",
            "ControlProtocol", "Offload", "UserspaceRelay", "Netlink", "PPPoEWire", "PlainText", "CShim", "RelayLog",
        ]),

        // The control client: queries a running daemon and renders its replies for people.
        .target(name: "RelayClient", dependencies: ["Libc", "ControlProtocol", "JSON", "UserspaceRelay", "PPPoEWire", "CShim"]),

        // Line diagnostics: `relayctl scan` broadcasts PADIs and lists the access concentrators that answer.
        .target(name: "LineScan", dependencies: ["Libc", "JSON", "PPPoEWire", "CShim", "Netlink"]),

        // Operations on a router: enable/disable, init systems, the configuration file, hotplug.
        .target(name: "RouterOperations", dependencies: ["Libc",
            "ControlProtocol", "JSON", "RelayClient", "RelayDaemon", "FastPaths", "Offload", "PlainText", "CShim", "UserspaceRelay",
        ]),

        // Command lines: commands described once, parsed into typed values, help and errors in
        // the layout swift-argument-parser users know. Pure Swift, for the Embedded build too.
        .target(name: "ArgumentParsing"),

        // Pure Swift: RFC 1662's asynchronous HDLC-like framing (flag, escapes, ACCM, FCS-16).
        .target(name: "HDLCFraming"),

        // A serial PPP modem as the upstream: the relay is the access concentrator, the modem's
        // PPP the far end (`relayctl modem`).
        .target(name: "ModemUpstream", dependencies: ["Libc",
            "HDLCFraming", "PPPControl", "PPPoEWire", "ControlProtocol", "RelayDaemon", "UserspaceRelay", "CShim", "RelayLog",
        ]),

        .executableTarget(name: "relayctl", dependencies: ["Libc",
            "ModemUpstream", "RouterOperations", "RelayClient", "ControlProtocol", "RelayDaemon", "FastPaths", "UserspaceRelay",
            "PPPoEWire", "RelayLog", "CShim", "LineCheck", "LineScan", "ArgumentParsing", "PPPControl",
        ]),

        // The benchmark's frame generator (scripts/bench drives it); not part of the product.
        .executableTarget(name: "pppoe-bench", dependencies: ["Libc", "CShim", "PPPoEWire", "Netlink", "ArgumentParsing"]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Test-only: counts heap allocations per thread by interposing malloc and friends.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "PPPoEWireTests", dependencies: ["PPPoEWire", "TestSupport"]),
        .testTarget(name: "UserspaceRelayTests",
                    dependencies: ["UserspaceRelay", "PPPoEWire", "CShim", "TestSupport", "CAllocationCounter"]),
        .testTarget(name: "LabTests", dependencies: ["PPPoEWire"]),
        .testTarget(name: "PlainTextTests", dependencies: ["PlainText", "Libc"]),
        .testTarget(name: "HDLCFramingTests", dependencies: ["HDLCFraming"]),
        .testTarget(name: "ModemUpstreamTests", dependencies: [
            "ModemUpstream", "HDLCFraming", "PPPoEWire", "UserspaceRelay", "CAllocationCounter",
        ]),
        .testTarget(name: "PPPControlTests", dependencies: ["JSON", "PPPControl", "LineCheck", "PPPoEWire"]),
        .testTarget(name: "RelayLogTests", dependencies: ["RelayLog", "UserspaceRelay", "PPPoEWire"]),
        .testTarget(name: "FastPathsTests", dependencies: ["FastPaths", "Netlink"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "JSON", "UserspaceRelay"]),
        .testTarget(name: "OffloadTests", dependencies: ["Offload", "PPPoEWire"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
        .testTarget(name: "RelayClientTests", dependencies: ["RelayClient", "ControlProtocol", "JSON", "UserspaceRelay"]),
        .testTarget(name: "LineScanTests", dependencies: ["JSON", "LineScan", "PPPoEWire"]),
        // The parser itself, and relayctl's command line against goldens recorded from the
        // swift-argument-parser build (record-goldens).
        .testTarget(name: "ArgumentParsingTests", dependencies: ["ArgumentParsing"],
                    exclude: ["Goldens", "record-goldens"]),

        // Fuzzing (scripts/fuzz): libFuzzer entry points. scripts/fuzz builds them with
        // -sanitize=fuzzer,address and -DFUZZING; built plainly, each replays the files it is given.
        .target(name: "FuzzSupport", path: "fuzz/FuzzSupport"),
        .executableTarget(name: "fuzz-wire", dependencies: ["PPPoEWire", "FuzzSupport"], path: "fuzz/fuzz-wire"),
        .executableTarget(name: "fuzz-relay", dependencies: ["UserspaceRelay", "PPPoEWire", "FuzzSupport"],
                          path: "fuzz/fuzz-relay"),
        .executableTarget(name: "fuzz-json", dependencies: ["JSON", "ControlProtocol", "FuzzSupport"], path: "fuzz/fuzz-json"),
        .executableTarget(name: "fuzz-args", dependencies: ["ArgumentParsing", "FuzzSupport"], path: "fuzz/fuzz-args"),
        .executableTarget(name: "fuzz-journal", dependencies: ["UserspaceRelay", "PPPoEWire", "FuzzSupport"],
                          path: "fuzz/fuzz-journal"),
    ]
)
