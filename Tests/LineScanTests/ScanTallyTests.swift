import JSON
import LineScan
import PPPoEWire
import Foundation
import XCTest

/// The scan's pure parts: which PADOs answer it, how they fold per AC, what the WAN can make it
/// keep, and how the result reads.
final class ScanTallyTests: XCTestCase {
    let us = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    let ac1 = MACAddress(0x02, 0, 0, 0, 0xAC, 0x01)
    let ac2 = MACAddress(0x02, 0, 0, 0, 0xAC, 0x02)
    let nonce: [UInt8] = Array(1...16)

    func probe(service: String? = "isp") -> ScanProbe { ScanProbe(source: us, serviceName: service, nonce: nonce) }

    func pado(from ac: MACAddress, answering question: Int, probe: ScanProbe, tags extra: [Tag] = [],
              echo: Bool = true) -> DiscoveryPacket {
        DiscoveryPacket(destination: us, source: ac, code: .pado, tags: [
            Tag(.hostUniq, probe.hostUniq(question)),
        ] + (echo ? [Tag(.relaySessionID, probe.relaySessionID)] : []) + extra)
    }

    func testThePADIsAskForTheServiceThenAnyWithOurTags() throws {
        let probe = probe()
        XCTAssertEqual(probe.questions, [.service("isp"), .anyService])
        let named = try DiscoveryPacket(parsing: probe.padi(0))
        XCTAssertEqual(named.code, .padi)
        XCTAssertEqual(named.destination, .broadcast)
        XCTAssertEqual(named.source, us)
        XCTAssertEqual(named.tag(.serviceName)?.value, Array("isp".utf8))
        XCTAssertEqual(named.tag(.hostUniq)?.value, Array(1...8) + [0])
        XCTAssertEqual(named.tag(.relaySessionID)?.value, Array(9...16))
        XCTAssertEqual(named.tag(.pppMaxPayload)?.maxPayload, 1500)
        let any = try DiscoveryPacket(parsing: probe.padi(1))
        XCTAssertEqual(any.tag(.serviceName)?.value, [])
        XCTAssertEqual(any.tag(.hostUniq)?.value, Array(1...8) + [1])
        XCTAssertEqual(self.probe(service: nil).questions, [.anyService])
    }

    func testOnlyPADOsToUsWithOurHostUniqCount() {
        let probe = probe()
        var tally = ScanTally(probe: probe)
        // The relay's answer (its own Relay-Session-Id, a client's Host-Uniq), a PADO to
        // somebody else, a PADS, a Host-Uniq one byte off, a question we never asked.
        tally.add(DiscoveryPacket(destination: us, source: ac1, code: .pado, tags: [Tag(.hostUniq, [9, 9])]), elapsedNanoseconds: 1)
        var elsewhere = pado(from: ac1, answering: 0, probe: probe)
        elsewhere.destination = MACAddress(0x02, 9, 9, 9, 9, 9)
        tally.add(elsewhere, elapsedNanoseconds: 1)
        var pads = pado(from: ac1, answering: 0, probe: probe)
        pads.code = .pads
        tally.add(pads, elapsedNanoseconds: 1)
        tally.add(DiscoveryPacket(destination: us, source: ac1, code: .pado,
                                  tags: [Tag(.hostUniq, Array(1...7) + [0, 0])]), elapsedNanoseconds: 1)
        tally.add(pado(from: ac1, answering: 2, probe: probe), elapsedNanoseconds: 1)
        tally.addMalformed()
        let report = tally.report(interface: "wan0", timeoutSeconds: 3)
        XCTAssertEqual(report.accessConcentrators, [])
        XCTAssertEqual(report.otherFrames, 6)
    }

    func testPADOsFoldPerACWithServicesCookieEchoMaxPayloadErrorsAndFirstResponse() throws {
        let probe = probe()
        var tally = ScanTally(probe: probe)
        tally.add(pado(from: ac1, answering: 1, probe: probe, tags: [
            Tag(.acName, text: "BRAS-1"), Tag(.serviceName, text: "isp"), Tag(.serviceName, text: "tv"),
            Tag(.acCookie, [1, 2, 3]), Tag(.pppMaxPayload, [0x05, 0xDC]),
        ]), elapsedNanoseconds: 4_210_000)
        tally.add(pado(from: ac2, answering: 1, probe: probe, tags: [
            Tag(.acName, text: "old"), Tag(.serviceName, text: ""), Tag(.serviceNameError, text: "no such service"),
        ], echo: false), elapsedNanoseconds: 9_000_000)
        tally.add(pado(from: ac1, answering: 0, probe: probe, tags: [
            Tag(.acName, text: "ignored second name"), Tag(.serviceName, text: "isp"), Tag(.acCookie, [1]),
        ]), elapsedNanoseconds: 5_000_000)
        let report = tally.report(interface: "wan0", timeoutSeconds: 3)
        XCTAssertEqual(report.serviceName, "isp")
        XCTAssertEqual(report.interfaceMAC, us.description)
        XCTAssertEqual(report.accessConcentrators.count, 2)
        let first = report.accessConcentrators[0]
        XCTAssertEqual(first.mac, ac1.description)
        XCTAssertEqual(first.acName, "BRAS-1")
        XCTAssertEqual(first.serviceNames, ["isp", "tv"])
        XCTAssertEqual(first.offersRequestedService, true)
        XCTAssertTrue(first.answersAnyService)
        XCTAssertTrue(first.cookie)
        XCTAssertTrue(first.echoesRelaySessionID)
        XCTAssertEqual(first.pppMaxPayload, 1500)
        XCTAssertEqual(first.responseMilliseconds, 4.21)
        XCTAssertEqual(first.offers, 2)
        let second = report.accessConcentrators[1]
        XCTAssertEqual(second.offersRequestedService, false)
        XCTAssertFalse(second.cookie)
        XCTAssertFalse(second.echoesRelaySessionID)
        XCTAssertNil(second.pppMaxPayload)
        XCTAssertEqual(second.serviceNames, [""])
        XCTAssertEqual(second.errors, [ScanReport.ErrorTag(tag: "Service-Name-Error", text: "no such service")])
    }

    /// One PADO without our Relay-Session-Id is enough to say the AC does not echo it.
    func testAnACThatDropsTheRelayTagOnceIsNotAnEchoer() {
        let probe = probe()
        var tally = ScanTally(probe: probe)
        tally.add(pado(from: ac1, answering: 0, probe: probe), elapsedNanoseconds: 1)
        tally.add(pado(from: ac1, answering: 1, probe: probe, echo: false), elapsedNanoseconds: 2)
        XCTAssertFalse(tally.report(interface: "wan0", timeoutSeconds: 1).accessConcentrators[0].echoesRelaySessionID)
    }

    /// A hostile WAN: thousands of ACs, each with hundreds of names and errors and huge text.
    func testWhatTheWANCanMakeAScanKeepIsBounded() {
        let probe = probe(service: nil)
        var tally = ScanTally(probe: probe)
        let long = String(repeating: "x", count: 1000)
        for n in 0..<2000 {
            let ac = MACAddress(value: 0x0200_0000_0000 | UInt64(n))
            let tags = [Tag(.acName, text: long)] + (0..<100).map { Tag(.serviceName, text: "s\($0)") }
                + (0..<50).map { Tag(.genericError, text: "e\($0)") }
            tally.add(pado(from: ac, answering: 0, probe: probe, tags: tags), elapsedNanoseconds: Int64(n))
        }
        let report = tally.report(interface: "wan0", timeoutSeconds: 1)
        XCTAssertEqual(report.accessConcentrators.count, ScanLimits.accessConcentrators)
        XCTAssertEqual(report.unlistedAccessConcentrators, ScanLimits.unlistedCounted, "counted up to a bound")
        XCTAssertTrue(ScanText.render(report).contains("Not listed: another \(ScanLimits.unlistedCounted) or more access"))
        for ac in report.accessConcentrators {
            XCTAssertEqual(ac.serviceNames.count, ScanLimits.serviceNamesPerAC)
            XCTAssertEqual(ac.errors.count, ScanLimits.errorsPerAC)
            XCTAssertEqual(ac.acName?.count, ScanLimits.textLength + 1, "cut, with an ellipsis")
        }
    }

    func testTextEscapesEveryStringTheWANChose() {
        let probe = probe(service: "isp")
        var tally = ScanTally(probe: probe)
        tally.add(pado(from: ac1, answering: 1, probe: probe, tags: [
            Tag(.acName, Array("evil\u{1B}[2J\nAC x".utf8)), Tag(.serviceName, Array("tv\u{202E}".utf8)),
            Tag(.acSystemError, Array("down\r\u{7}".utf8)), Tag(.serviceName, [0xFF, 0x41]),
        ]), elapsedNanoseconds: 2_500_000)
        let text = ScanText.render(tally.report(interface: "wan0", timeoutSeconds: 2))
        XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D || $0.value == 0x202E })
        XCTAssertTrue(text.contains(#"AC-Name "evil\e[2J\nAC x""#), text)
        XCTAssertTrue(text.contains(#""tv\u{202e}""#), text)
        XCTAssertTrue(text.contains(#""\xffA""#), text)
        XCTAssertTrue(text.contains(#"AC-System-Error:   "down\r\x07""#), text)
        XCTAssertTrue(text.contains("no answer to the PADI for \"isp\""), text)
        XCTAssertTrue(text.contains("2.50 ms, 1 PADO"), text)
        XCTAssertTrue(text.hasPrefix("Scanned wan0 (02:00:00:00:00:01) for 2 s with PADIs for Service-Name \"isp\" and an empty one: 1 access concentrator answered."), text)
    }

    func testNobodyAnsweringSaysSo() {
        let text = ScanText.render(ScanTally(probe: probe(service: nil)).report(interface: "wan0", timeoutSeconds: 0.5))
        XCTAssertEqual(text, "Scanned wan0 (02:00:00:00:00:01) for 0.5 s with PADIs for an empty Service-Name: no access concentrators answered.")
    }

    /// Like relayctl's other documents: schema_version, snake_case keys, absent values as null.
    func testTheJSONIsVersionedSnakeCaseWithNulls() throws {
        let probe = probe(service: nil)
        var tally = ScanTally(probe: probe)
        tally.add(pado(from: ac1, answering: 0, probe: probe), elapsedNanoseconds: 1_000_000)
        let data = Data(try JSON.encode(tally.report(interface: "wan0", timeoutSeconds: 1)))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["schema_version"] as? Int, 1)
        XCTAssertTrue(object["service_name"] is NSNull)
        let ac = try XCTUnwrap((object["access_concentrators"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(ac.keys), ["mac", "ac_name", "service_names", "offers_requested_service", "answers_any_service",
                                      "cookie", "echoes_relay_session_id", "ppp_max_payload", "errors", "response_ms", "offers"])
        XCTAssertTrue(ac["ac_name"] is NSNull)
        for key in Array(object.keys) + Array(ac.keys) {
            XCTAssertEqual(key, key.lowercased(), "snake_case: \(key)")
        }
    }
}
