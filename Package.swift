// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pppoe-relay",
    products: [
        .executable(name: "relayctl", targets: ["relayctl"]),
        .executable(name: "pppoe-bench", targets: ["pppoe-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C: what Glibc does not import (sockaddr_ll, mmsghdr, the TPACKET_V2 ring, PACKET_* options).
        .target(name: "CShim"),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),

        // Pure Swift: Ethernet + PPPoE wire format. Depends on nothing.
        .target(name: "PPPoEWire"),

        // Netlink over libmnl/libnftnl: links today, nftables for the kernel dataplane.
        .target(name: "Netlink", dependencies: ["CMnl", "CNftnl", "CShim"]),

        // Discovery relay, session table, userspace dataplane.
        .target(name: "UserspaceRelay", dependencies: ["PPPoEWire", "Netlink", "CShim"]),

        // The kernel dataplane: nftables state per session, behind UserspaceRelay's SessionOffload.
        .target(name: "Offload", dependencies: ["Netlink", "PPPoEWire", "UserspaceRelay"]),

        // Vendor fast paths that corrupt relaying: found, switched off, restored exactly.
        .target(name: "FastPaths", dependencies: ["CShim", "Netlink"]),

        // The daemon: event loop, control socket, status model shared with the CLI.
        .target(name: "RelayDaemon", dependencies: ["PPPoEWire", "UserspaceRelay", "Offload", "Netlink", "CShim", "FastPaths"]),

        .executableTarget(name: "relayctl", dependencies: [
            "RelayDaemon", "FastPaths", "UserspaceRelay", "PPPoEWire",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The benchmark's frame generator (scripts/bench drives it); not part of the product.
        .executableTarget(name: "pppoe-bench", dependencies: [
            "CShim", "PPPoEWire", "Netlink",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Test-only: counts heap allocations per thread by interposing malloc and friends.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "PPPoEWireTests", dependencies: ["PPPoEWire", "TestSupport"]),
        .testTarget(name: "UserspaceRelayTests",
                    dependencies: ["UserspaceRelay", "PPPoEWire", "TestSupport", "CAllocationCounter"]),
        .testTarget(name: "LabTests", dependencies: ["PPPoEWire"]),
        .testTarget(name: "FastPathsTests", dependencies: ["FastPaths", "Netlink"]),

        // Fuzzing (scripts/fuzz): libFuzzer entry points. scripts/fuzz builds them with
        // -sanitize=fuzzer,address and -DFUZZING; built plainly, each replays the files it is given.
        .target(name: "FuzzSupport", dependencies: ["PPPoEWire"], path: "fuzz/FuzzSupport"),
        .executableTarget(name: "fuzz-wire", dependencies: ["PPPoEWire", "FuzzSupport"], path: "fuzz/fuzz-wire"),
        .executableTarget(name: "fuzz-relay", dependencies: ["UserspaceRelay", "PPPoEWire", "FuzzSupport"],
                          path: "fuzz/fuzz-relay"),
    ]
)
