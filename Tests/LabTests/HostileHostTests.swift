import Foundation
import PPPoEWire
import XCTest

extension Lab {
    /// The benchmark's frame generator, from the same build as the tests (not from beside
    /// $RELAYCTL_BIN, which may be the router build's directory, where it is not built).
    static var bench: String { builtProduct("pppoe-bench") }

    /// relayctl as a router runs it, optimised (scripts/test builds it; or $RELAYCTL_RELEASE_BIN).
    /// Flood tests measure how fast the daemon sheds frames, which a debug build cannot show.
    static var releaseRelayctl: String {
        if let path = ProcessInfo.processInfo.environment["RELAYCTL_RELEASE_BIN"] { return path }
        return root.appendingPathComponent(".build/release/relayctl").path
    }

    static func requireReleaseBuild() throws {
        guard FileManager.default.isExecutableFile(atPath: releaseRelayctl) else {
            throw Lab.MissingBinary("flood tests need the optimised relayctl at \(releaseRelayctl): run swift build -c release")
        }
    }

    /// The relay's resident memory in KiB, from /proc.
    func residentKiB(_ pid: Int) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Discovery frames as the sniffer `name` saw them, parsed.
    func discoveryFrames(_ name: String) -> [DiscoveryPacket] {
        events(name, "frame").compactMap { event in
            guard let hex = event["hex"] as? String else { return nil }
            let bytes = stride(from: 0, to: hex.count - 1, by: 2).compactMap { offset -> UInt8? in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start...hex.index(after: start)], radix: 16)
            }
            return try? DiscoveryPacket(parsing: bytes)
        }
    }
}

/// Hostile hosts against a real rp-pppoe client and server: floods from made-up MACs on the LAN,
/// forged answers from the WAN, crafted Relay-Session-Ids. Every scenario runs on both dataplanes.
class HostileHostScenarios: LabTestCase {
    /// The relay's pid and resident memory.
    func relayMemory() throws -> (pid: Int, kib: Int) {
        let status = try XCTUnwrap(try lab.query(routerNS, "status") as? [String: Any])
        let pid = try XCTUnwrap(status["pid"] as? Int)
        return (pid, lab.residentKiB(pid))
    }

    /// Seconds from the client's start to its first LCP Echo-Reply (echoes queue up from the
    /// start), or nil when none came within `timeout`.
    func secondsToSession(_ client: String, timeout: TimeInterval) -> Double? {
        guard (try? waitForReplies(client, atLeast: 1, timeout: timeout)) != nil,
              let start = lab.events(client, "start").first?["time"] as? Double,
              let reply = lab.events(client, "rx", code: 10).first?["time"] as? Double else { return nil }
        return reply - start
    }

    /// The relay's largest resident memory while `process` runs, sampled every 0.2 s.
    func peakMemory(while process: Process, timeout: TimeInterval = 25) throws -> Int {
        let pid = try relayMemory().pid
        var peak = lab.residentKiB(pid)
        try lab.waitUntil("the flood ended", timeout: timeout) {
            peak = max(peak, lab.residentKiB(pid))
            return !process.isRunning
        }
        return peak
    }

    /// The lab with rp-pppoe's server and the optimised relay, for the flood scenarios.
    func startOptimisedRelayAndAC() throws {
        try Lab.requireReleaseBuild()
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay(binary: Lab.releaseRelayctl)
    }

    func describe(_ seconds: Double?) -> String {
        seconds.map { String(format: "session after %.2f s", $0) } ?? "no session"
    }

    /// A LAN host floods PADIs from 50,000 made-up MACs as fast as it can for 15 s; a real
    /// client that dials meanwhile still gets its session, memory stays put, and the counters
    /// say what was dropped.
    /// - Parameter bound: seconds within which the client must have its session; nil to report
    ///   the time only (the userspace dataplane, where the flood reaches the daemon's socket and
    ///   this machine's generator can outrun it: then the socket overflows and the client's
    ///   frames are lost with the flood's).
    func scenarioAPADIFloodFromManyMACsDoesNotKeepARealClientOut(sessionWithin bound: Double?) throws {
        try startOptimisedRelayAndAC()
        let before = try relayMemory()
        let flood = try lab.spawn("flood", in: client1NS, [Lab.bench, "discovery-flood", "--iface", "cl0", "--code", "padi",
                                                          "--macs", "50000", "--seconds", "15"])
        // Dial once the flood is in full swing.
        Thread.sleep(forTimeInterval: 3)
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 60, interval: 0.2, delay: 0)
        let seconds = secondsToSession("client", timeout: 14)
        let peak = try peakMemory(while: flood)
        let counters = try lab.counters(routerNS)
        print("PADI flood, \(dataplane) dataplane: \(describe(seconds)); relay RSS "
              + "\(before.kib) KiB before, at most \(peak) KiB during; flood \(lab.text("flood.out").trimmingCharacters(in: .whitespacesAndNewlines)); "
              + "counters \(counters.filter { $0.key.contains("padi") || $0.key.contains("overflow") })")
        if let bound {
            XCTAssertLessThanOrEqual(try XCTUnwrap(seconds, "the real client got no session"), bound,
                                     "the real client waited too long for its session")
        }
        XCTAssertLessThan(peak - before.kib, 4096, "the flood grew the relay by 4 MiB or more")
        let dropped = ["dropped_padi_rate_client", "dropped_padi_rate_overall", "kernel_policed_padi_client",
                       "kernel_policed_padi_overall"].reduce(0) { $0 + (counters[$1] ?? 0) }
        XCTAssertGreaterThan(dropped, 100_000, "the flood's PADIs are counted as rate-limited: \(counters)")
        XCTAssertLessThanOrEqual(try lab.sessions(routerNS).count, 1, "the flood made no session")
        if let session = try lab.sessions(routerNS).first {
            XCTAssertEqual(session["client_mac"] as? String, try lab.mac(client1NS, "cl0"))
        }
    }

    /// A WAN host that learnt the relay's tag layout from its broadcast PADIs forges PADOs with
    /// long AC-Names from 200,000 MACs, and PADS: the relay's memory stays put, no session is
    /// planted, and a real client still connects.
    func scenarioForgedAnswersFromTheWANPlantNothing() throws {
        try startOptimisedRelayAndAC()
        try lab.startSniffer("wan", in: acNS, interface: "ac0", seconds: 30)
        // One real PADI shows the relay's instance bytes to everyone on the WAN.
        let clientMAC = try lab.mac(client1NS, "cl0").replacingOccurrences(of: ":", with: "")
        try lab.send(in: client1NS, interface: "cl0", hex: "ffffffffffff" + clientMAC + "8863" + "11090000 0004 01010000"
            .replacingOccurrences(of: " ", with: ""))
        try lab.waitUntil("a relayed PADI on the WAN", timeout: 5) {
            lab.discoveryFrames("wan").contains { $0.code == .padi && $0.tag(.relaySessionID) != nil }
        }
        let tag = try XCTUnwrap(lab.discoveryFrames("wan").first { $0.code == .padi }?.tag(.relaySessionID)?.value)
        let hex = tag.map { String(format: "%02x", $0) }.joined()
        let wanMAC = try lab.mac(routerNS, "wan0")
        let before = try relayMemory()
        // Guessed nonces behind the relay's instance bytes, from 200,000 MACs with long names...
        let padoFlood = try lab.spawn("flood", in: acNS, [Lab.bench, "discovery-flood", "--iface", "ac0", "--code", "pado",
                                                         "--destination", wanMAC, "--macs", "200000", "--name-length", "1000",
                                                         "--tag-prefix", String(hex.prefix(8)), "--seconds", "10"])
        // ...the broadcast PADI's whole tag, copied: these are offers the relay takes, up to its limit...
        _ = try lab.spawn("copied", in: acNS, [Lab.bench, "discovery-flood", "--iface", "ac0", "--code", "pado",
                                              "--destination", wanMAC, "--macs", "5000", "--name-length", "1000",
                                              "--tag-prefix", hex, "--seconds", "10", "--rate", "2000"])
        // ...and PADS with that tag, or with guessed nonces: no PADR went to their MACs, no session.
        // (The real client dials from the MAC that sent the PADI, within its answer window: its
        // PADR carries that very tag, which the forged PADS copy.)
        _ = try lab.spawn("pads", in: acNS, [Lab.bench, "discovery-flood", "--iface", "ac0", "--code", "pads",
                                            "--destination", wanMAC, "--macs", "25", "--tag-prefix", hex,
                                            "--seconds", "10", "--rate", "100"])
        _ = try lab.spawn("pads-guessed", in: acNS, [Lab.bench, "discovery-flood", "--iface", "ac0", "--code", "pads",
                                                    "--destination", wanMAC, "--macs", "25",
                                                    "--tag-prefix", String(hex.prefix(8)), "--seconds", "10", "--rate", "100"])
        Thread.sleep(forTimeInterval: 2)
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 40, interval: 0.2, delay: 0)
        let seconds = secondsToSession("client", timeout: 12)
        let peak = try peakMemory(while: padoFlood)
        let counters = try lab.counters(routerNS)
        print("Forged PADO/PADS flood, \(dataplane) dataplane: \(describe(seconds)); relay RSS "
              + "\(before.kib) KiB before, at most \(peak) KiB during; offers over the limit \(counters["dropped_offer_limit"] ?? 0); flood \(lab.text("flood.out").trimmingCharacters(in: .whitespacesAndNewlines)); "
              + "unsolicited \(counters["dropped_unsolicited_answer"] ?? 0), overflow \(counters["dropped_receive_overflow"] ?? 0)")
        XCTAssertNotNil(seconds, "the real client got no session")
        XCTAssertLessThan(peak - before.kib, 4096, "forged answers grew the relay by 4 MiB or more")
        XCTAssertGreaterThan(counters["dropped_offer_limit"] ?? 0, 100, "copied tags are held to the offer limit")
        XCTAssertGreaterThan(counters["dropped_unsolicited_answer"] ?? 0, 1000)
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(sessions.count, 1, "only the real client's session: \(sessions)")
        XCTAssertEqual(sessions.first?["client_mac"] as? String, try lab.mac(client1NS, "cl0"))
        let padrTags = lab.discoveryFrames("wan").filter { $0.code == .padr }.compactMap { $0.tag(.relaySessionID)?.value }
        XCTAssertTrue(padrTags.contains(tag), "the PADR carried the broadcast PADI's tag, the one the forged PADS copy")
    }

    /// A LAN host sends a PADI with two Relay-Session-Ids, the second crafted to name another
    /// host (rp-pppoe's server echoes the last one): the WAN sees one tag, ours, and the answer
    /// comes back to the sender alone, with exactly the tags it sent.
    func scenarioTwoRelayTagsFromTheLANReachOnlyTheSender() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try lab.startSniffer("wan", in: acNS, interface: "ac0", seconds: 20)
        try lab.startSniffer("lan", in: client1NS, interface: "cl0", seconds: 20)
        try startRelay()
        let attacker = "0e1111111111"
        let victim = try lab.mac(client1NS, "cl0").replacingOccurrences(of: ":", with: "")
        // The relay's instance, as anyone on the WAN learns it from a PADI.
        try lab.send(in: client1NS, interface: "cl0", hex: "ffffffffffff" + victim + "886311090000000401010000")
        try lab.waitUntil("a relayed PADI on the WAN", timeout: 5) { lab.discoveryFrames("wan").contains { $0.code == .padi } }
        let instance = try XCTUnwrap(lab.discoveryFrames("wan").first?.tag(.relaySessionID)?.value.prefix(4))
            .map { String(format: "%02x", $0) }.joined()
        let foreign = "0110 0003 090909"
        // The tag of an older relay that put the client's LAN and MAC in it, naming the victim.
        let crafted = "0110 000c " + instance + " 0001" + victim
        let padi = "ffffffffffff" + attacker + "8863" + "11090000 001b 01010000 " + foreign + " " + crafted
        try lab.send(in: client1NS, interface: "cl0", hex: padi.replacingOccurrences(of: " ", with: ""))
        let onWAN = try XCTUnwrap(lab.discoveryFrames("wan").last { $0.code == .padi })
        XCTAssertEqual(onWAN.tags.filter { $0.type == .relaySessionID }.count, 1, "one Relay-Session-Id on the WAN")
        try lab.waitUntil("the PADOs on the LAN", timeout: 5) { lab.discoveryFrames("lan").filter { $0.code == .pado }.count >= 2 }
        // Room for a PADO that should not come (to the victim, with tags) to show up.
        Thread.sleep(forTimeInterval: 0.5)
        let pados = lab.discoveryFrames("lan").filter { $0.code == .pado && $0.tags.contains { $0.type == .relaySessionID } }
        XCTAssertEqual(pados.map(\.destination.description), [MACAddress(value: 0x0E11_1111_1111).description])
        XCTAssertEqual(pados.first?.tags.filter { $0.type == .relaySessionID }.map(\.value).map { $0.map { String(format: "%02x", $0) }.joined() },
                       ["090909", instance + "0001" + victim])
    }
}

private extension String {
    /// "aabbccddeeff" as "aa:bb:cc:dd:ee:ff".
    var chunked: String {
        stride(from: 0, to: count, by: 2).map { offset in
            let start = index(startIndex, offsetBy: offset)
            return String(self[start..<index(start, offsetBy: 2)])
        }.joined(separator: ":")
    }
}

final class KernelHostileHostTests: HostileHostScenarios {
    override var dataplane: String { "kernel" }

    func testAPADIFloodFromManyMACsDoesNotKeepARealClientOut() throws {
        try scenarioAPADIFloodFromManyMACsDoesNotKeepARealClientOut(sessionWithin: 5)
    }
    func testForgedAnswersFromTheWANPlantNothing() throws { try scenarioForgedAnswersFromTheWANPlantNothing() }
    func testTwoRelayTagsFromTheLANReachOnlyTheSender() throws { try scenarioTwoRelayTagsFromTheLANReachOnlyTheSender() }
}

final class UserspaceHostileHostTests: HostileHostScenarios {
    override var dataplane: String { "userspace" }

    /// Without kernel policing every flood frame reaches the daemon's socket: the time to the
    /// session is reported, memory and counters are checked.
    func testAPADIFloodFromManyMACsDoesNotKeepARealClientOut() throws {
        try scenarioAPADIFloodFromManyMACsDoesNotKeepARealClientOut(sessionWithin: nil)
    }
    func testForgedAnswersFromTheWANPlantNothing() throws { try scenarioForgedAnswersFromTheWANPlantNothing() }
    func testTwoRelayTagsFromTheLANReachOnlyTheSender() throws { try scenarioTwoRelayTagsFromTheLANReachOnlyTheSender() }
}
