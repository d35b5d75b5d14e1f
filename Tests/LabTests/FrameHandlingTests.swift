import Foundation
import XCTest

/// Frames a relay could misread, sent by real peers or crafted on the wire: SYNs behind a
/// one-byte PPP protocol field or IPv6 extension headers (clamped), VLAN-tagged frames (dropped
/// and counted, while VLAN devices work), PPPoE lengths past the frame's end (dropped on both
/// dataplanes alike, minimum-size padding still relayed) and forged names (shown escaped).
class FrameScenarios: LabTestCase {
    func scenarioSYNsBehindACompressedProtocolFieldOrIPv6ExtensionHeadersAreClamped() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        let path = lab.file("tcp-hostile.txt").path
        try lab.check(Lab.run([Lab.python, Lab.labScript, "tcp-frames", "--set", "hostile", "--out", path]), "tcp-frames")
        let sent = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { String($0.split(separator: " ")[1]) }
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 0, frames: path)
        try lab.waitUntil("6 segments reached the AC and 5 SYN-ACKs the client", timeout: 15) {
            lab.events("server", "rx").filter { $0["protocol"] as? String != "0xc021" }.count >= 6
                && lab.events("client", "rx").filter { $0["protocol"] as? String != "0xc021" }.count >= 5
        }
        let compressed = lab.events("server", "rx").filter { $0["pfc"] as? Bool == true }.count
        XCTAssertEqual(compressed, 4, "the one-byte protocol fields arrived as they were sent")

        let atAC = Dictionary(try lab.tcpSegments("server").map { ($0.sourcePort, $0) }) { first, _ in first }
        XCTAssertTrue(atAC.values.allSatisfy(\.checksumOK), "every checksum holds at the AC (scapy)")
        XCTAssertEqual(atAC[2001]?.mss, 1452, "IPv4 SYN, one-byte protocol field")
        XCTAssertEqual(atAC[2002]?.mss, 1432, "IPv6 SYN, one-byte protocol field")
        XCTAssertEqual(atAC[2003]?.mss, 1432, "IPv6 SYN behind hop-by-hop and destination options")
        XCTAssertEqual(atAC[2004]?.mss, 1432, "IPv6 SYN behind an atomic fragment header")
        XCTAssertEqual(atAC[2005]?.mss, 1432, "IPv6 SYN behind destination options, one-byte protocol field")
        XCTAssertEqual(atAC[2006]?.hex, sent[5], "a non-SYN segment is byte-identical")

        let atClient = Dictionary(try lab.tcpSegments("client").map { ($0.destinationPort, $0) }) { first, _ in first }
        XCTAssertTrue(atClient.values.allSatisfy(\.checksumOK), "every checksum holds at the client (scapy)")
        XCTAssertEqual(atClient[2001]?.mss, 1452, "the AC's SYN-ACKs, in the same shapes, are clamped")
        for port in 2002...2005 { XCTAssertEqual(atClient[port]?.mss, 1432, "SYN-ACK to port \(port)") }
        let counters = try lab.counters(routerNS)
        XCTAssertEqual(counters["mss_clamped_to_ac"], 5)
        XCTAssertEqual(counters["mss_clamped_to_client"], 5)
    }

    /// An LCP Echo-Request on session `session` whose data ends in `marker` (4 bytes, hex),
    /// as PPPoE header and payload; `length` overrides the PPPoE length field.
    func echoRequest(session: Int, marker: String, length: Int = 14) -> String {
        "1100" + String(format: "%04x%04x", session, length) + "c021" + "0977000c" + "00000000" + marker
    }

    /// Frames that reached the AC's device from outside (the sniffer also sees what the AC sends).
    func arrivedAtAC(_ sniffer: String, containing marker: String) -> Bool {
        lab.events(sniffer, "frame").contains {
            $0["pkttype"] as? Int != 4 && ($0["hex"] as? String ?? "").contains(marker)
        }
    }

    /// rp-pppoe's client with a session through the relay, and a sniffer on the AC's side for
    /// session frames: the client's session id, the relay's LAN MAC and the client's MAC.
    func sessionWatchedOnTheWAN() throws -> (session: Int, lanMAC: String, clientMAC: String) {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        let session = try XCTUnwrap(try onlySession()["client_session_id"] as? Int)
        let lanMAC = try lab.mac(routerNS, "lan0"), clientMAC = try lab.mac(client1NS, "cl0")
        try lab.startSniffer("wan", in: acNS, interface: "ac0", etherType: "0x8864")
        return (session, lanMAC, clientMAC)
    }

    func scenarioVLANTaggedFramesAreDroppedAndCounted() throws {
        let (session, lanMAC, clientMAC) = try sessionWatchedOnTheWAN()
        let relayedBefore = try lab.counters(routerNS)["discovery_relayed"] ?? 0

        // The same session frame under an 802.1Q tag and an 802.1ad tag (VLAN 7), and a PADI
        // under an 802.1Q tag: none may cross the relay.
        let tagged = [
            frameHex(to: lanMAC, from: clientMAC, etherType: "8100", "0007" + "8864" + echoRequest(session: session, marker: "7a7a7a01")),
            frameHex(to: lanMAC, from: clientMAC, etherType: "88a8", "0007" + "8864" + echoRequest(session: session, marker: "7a7a7a02")),
            frameHex(to: "ff:ff:ff:ff:ff:ff", from: clientMAC, etherType: "8100", "0007" + "8863" + "110900000004" + "01010000"),
        ]
        for frame in tagged { try lab.send(in: client1NS, interface: "cl0", hex: frame) }
        try lab.waitUntil("the tagged frames were counted", timeout: 5) {
            try lab.counters(routerNS)["dropped_vlan_tagged"] == 3
        }
        // Then untagged and priority-tagged (VLAN 0, which 802.1Q counts as untagged) frames
        // of the same session: they cross, so the tagged ones would have been seen by now.
        try lab.send(in: client1NS, interface: "cl0",
                     hex: frameHex(to: lanMAC, from: clientMAC, etherType: "8864", echoRequest(session: session, marker: "7a7a7a03")))
        try lab.send(in: client1NS, interface: "cl0",
                     hex: frameHex(to: lanMAC, from: clientMAC, etherType: "8100", "a000" + "8864" + echoRequest(session: session, marker: "7a7a7a04")))
        try lab.waitUntil("the untagged and priority-tagged frames reached the AC", timeout: 5) {
            arrivedAtAC("wan", containing: "7a7a7a03") && arrivedAtAC("wan", containing: "7a7a7a04")
        }
        XCTAssertFalse(arrivedAtAC("wan", containing: "7a7a7a01"), "802.1Q-tagged frame relayed")
        XCTAssertFalse(arrivedAtAC("wan", containing: "7a7a7a02"), "802.1ad-tagged frame relayed")
        let counters = try lab.counters(routerNS)
        XCTAssertEqual(counters["dropped_vlan_tagged"], 3)
        XCTAssertEqual(counters["discovery_relayed"], relayedBefore, "the tagged PADI went nowhere")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }

    /// VLAN devices on top of the veths, as WAN and as LAN: the relay treats them as any device.
    func scenarioVLANDevicesServeAsWANAndLAN() throws {
        try buildTopology()
        for (namespace, parent, device, id) in [(client1NS, "cl0", "cl0.7", "7"), (routerNS, "lan0", "lan0.7", "7"),
                                                (routerNS, "wan0", "wan0.9", "9"), (acNS, "ac0", "ac0.9", "9")] {
            let made = lab.run(in: namespace, ["ip", "link", "add", "link", parent, "name", device, "type", "vlan", "id", id])
            if made.status != 0, made.stderr.contains("Unknown device type") {
                // This kernel was built without 802.1Q: the test runs in the VM lab's kernel instead.
                try VLANTestsInVM.assertPassed("\(type(of: self))")
                return
            }
            try lab.check(made, "vlan device \(device)")
            try lab.check(lab.run(in: namespace, ["ip", "link", "set", device, "up"]), "up \(device)")
        }
        try lab.startAccessConcentrator(in: acNS, interface: "ac0.9")
        try lab.startRelay(in: routerNS, lans: ["lan0.7"], wan: "wan0.9", extra: ["--dataplane", dataplane])
        try lab.startClient("client", in: client1NS, interface: "cl0.7", echo: 4)
        try waitForReplies("client", atLeast: 4)
        let session = try onlySession()
        XCTAssertEqual(session["lan_interface"] as? String, "lan0.7")
        XCTAssertEqual(session["wan_interface"] as? String, "wan0.9")
        if dataplane == "kernel" {
            try lab.waitUntil("the kernel counted the session's frames", timeout: 5) {
                try lab.counters(routerNS)["kernel_frames_to_ac"] ?? 0 >= 4
            }
            XCTAssertEqual(try lab.counters(routerNS)["session_frames_to_ac"], 0, "every frame stayed in the kernel")
        }
        XCTAssertEqual(try lab.counters(routerNS)["dropped_vlan_tagged"], 0)
    }

    /// A PPPoE length past the frame's end is dropped as malformed on both dataplanes; a frame
    /// padded to Ethernet's 60-byte minimum is relayed (by the kernel, on its dataplane).
    func scenarioAPPPoELengthPastTheFrameIsDroppedAndPaddingIsNot() throws {
        let (session, lanMAC, clientMAC) = try sessionWatchedOnTheWAN()
        let before = try lab.counters(routerNS)

        // 14 bytes of PPP in the frame, 40 in the length field.
        let tooLong = frameHex(to: lanMAC, from: clientMAC, etherType: "8864", echoRequest(session: session, marker: "6c6c6c01", length: 40))
        try lab.send(in: client1NS, interface: "cl0", hex: tooLong)
        try lab.waitUntil("the frame was counted as malformed", timeout: 5) {
            try lab.counters(routerNS)["dropped_malformed"] == (before["dropped_malformed"] ?? 0) + 1
        }
        let exact = frameHex(to: lanMAC, from: clientMAC, etherType: "8864", echoRequest(session: session, marker: "6c6c6c02"))
        let padded = frameHex(to: lanMAC, from: clientMAC, etherType: "8864", echoRequest(session: session, marker: "6c6c6c03"))
        XCTAssertEqual(padded.count, 2 * 34)
        try lab.send(in: client1NS, interface: "cl0", hex: exact)
        try lab.send(in: client1NS, interface: "cl0", hex: padded + String(repeating: "00", count: 60 - 34))
        try lab.waitUntil("the exact and the padded frame reached the AC", timeout: 5) {
            arrivedAtAC("wan", containing: "6c6c6c02") && arrivedAtAC("wan", containing: "6c6c6c03")
        }
        XCTAssertFalse(arrivedAtAC("wan", containing: "6c6c6c01"), "a frame whose PPPoE length runs past its end was relayed")
        let after = try lab.counters(routerNS)
        XCTAssertEqual(after["dropped_malformed"], (before["dropped_malformed"] ?? 0) + 1)
        if dataplane == "kernel" {
            XCTAssertEqual(after["session_frames_to_ac"], before["session_frames_to_ac"],
                           "the exact and the padded frame stayed in the kernel")
        }
    }

    /// An AC-Name carrying a terminal escape, a newline, a C1 CSI and an invalid byte.
    func scenarioAForgedACNameIsShownEscaped() throws {
        try buildTopology()
        let forged = Array("evil".utf8) + [0x1B] + Array("[2J".utf8) + [0x0A] + Array("lan0 fake-row".utf8) + [0xC2, 0x9B, 0xFF]
        try startTestAC(["--ac-name-hex", forged.map { String(format: "%02x", $0) }.joined()])
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2, pppoeArguments: "-U")
        try waitForReplies("client", atLeast: 2)

        let text = lab.relayctl(in: routerNS, ["sessions"])
        try lab.check(text, "relayctl sessions")
        let bytes = Array(text.stdout.utf8)
        XCTAssertFalse(bytes.contains(0x1B), "no raw ESC: \(text.stdout)")
        XCTAssertFalse(text.stdout.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "no raw C1")
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 2, "a header and one row: \(text.stdout)")
        XCTAssertTrue(text.stdout.contains("evil\\e[2J\\nlan0 fake-row\\u{9b}\\xff"), text.stdout)

        let json = lab.relayctl(in: routerNS, ["sessions", "--json"])
        try lab.check(json, "relayctl sessions --json")
        XCTAssertFalse(Array(json.stdout.utf8).contains(0x1B))
        XCTAssertFalse(json.stdout.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "C1 written as \\u009b")
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let sessions = try XCTUnwrap(document["sessions"] as? [[String: Any]])
        XCTAssertEqual(sessions.first?["ac_name"] as? String, "evil\u{1B}[2J\nlan0 fake-row\u{9B}\\xff",
                       "the JSON carries the name itself, invalid byte as \\xff")
    }
}

final class UserspaceFrameTests: FrameScenarios {
    override var dataplane: String { "userspace" }

    func testSYNsBehindACompressedProtocolFieldOrIPv6ExtensionHeadersAreClamped() throws {
        try scenarioSYNsBehindACompressedProtocolFieldOrIPv6ExtensionHeadersAreClamped()
    }
    func testVLANTaggedFramesAreDroppedAndCounted() throws { try scenarioVLANTaggedFramesAreDroppedAndCounted() }
    func testVLANDevicesServeAsWANAndLAN() throws { try scenarioVLANDevicesServeAsWANAndLAN() }
    func testAPPPoELengthPastTheFrameIsDroppedAndPaddingIsNot() throws { try scenarioAPPPoELengthPastTheFrameIsDroppedAndPaddingIsNot() }
    func testAForgedACNameIsShownEscaped() throws { try scenarioAForgedACNameIsShownEscaped() }
}

final class KernelFrameTests: FrameScenarios {
    override var dataplane: String { "kernel" }

    func testSYNsBehindACompressedProtocolFieldOrIPv6ExtensionHeadersAreClamped() throws {
        try scenarioSYNsBehindACompressedProtocolFieldOrIPv6ExtensionHeadersAreClamped()
    }
    func testVLANTaggedFramesAreDroppedAndCounted() throws { try scenarioVLANTaggedFramesAreDroppedAndCounted() }
    func testVLANDevicesServeAsWANAndLAN() throws { try scenarioVLANDevicesServeAsWANAndLAN() }
    func testAPPPoELengthPastTheFrameIsDroppedAndPaddingIsNot() throws { try scenarioAPPPoELengthPastTheFrameIsDroppedAndPaddingIsNot() }
}
