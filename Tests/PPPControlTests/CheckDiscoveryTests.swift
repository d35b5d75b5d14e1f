import LineCheck
import PPPoEWire
import XCTest

/// The check's discovery decisions and its report, without a network: which frames are ours,
/// what each error tag means, and that text from the wire is escaped when printed.
final class CheckDiscoveryTests: XCTestCase {
    private let us = MACAddress(2, 0, 0, 0, 0, 1)
    private let ac = MACAddress(2, 0, 0, 0, 0, 0xac)
    private let uniq: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    private func exchange(service: String = "isp", acName: String? = nil) -> DiscoveryExchange {
        DiscoveryExchange(ourMAC: us, hostUniq: uniq, service: service, acName: acName, maxPayload: nil)
    }

    private func pado(uniq: [UInt8]? = nil, name: String = "LabAC", extra: [Tag] = [], to: MACAddress? = nil) -> [UInt8] {
        DiscoveryPacket(destination: to ?? us, source: ac, code: .pado,
                        tags: [Tag(.acName, text: name), Tag(.serviceName, text: "isp"), Tag(.hostUniq, uniq ?? self.uniq),
                               Tag(.acCookie, [9, 9])] + extra).serialized()
    }

    func testPADIAsksForTheServiceWithOurHostUniqAndTheProbeForAnyService() throws {
        let d = exchange()
        XCTAssertEqual(d.padi().destination, .broadcast)
        XCTAssertEqual(d.padi().tags, [Tag(.serviceName, text: "isp"), Tag(.hostUniq, uniq)])
        let probe = try XCTUnwrap(d.probePADI())
        XCTAssertEqual(probe.tag(.serviceName)?.value, [])
        XCTAssertNotEqual(probe.tag(.hostUniq)?.value, uniq)
        XCTAssertNil(exchange(service: "").probePADI(), "no probe when any service will do")
    }

    func testOnlyOffersForUsAreTakenAndThePADREchoesTheCookie() throws {
        var d = exchange()
        XCTAssertEqual(d.receive(pado(uniq: [9, 9, 9, 9, 9, 9, 9, 9])), .ignored, "another client's Host-Uniq")
        XCTAssertEqual(d.receive(pado(to: MACAddress(2, 0, 0, 0, 0, 2))), .ignored, "another host's PADO")
        XCTAssertEqual(d.receive([0x01, 0x02]), .ignored, "garbage")
        guard case .offer = d.receive(pado()) else { return XCTFail("our PADO was not taken") }
        let padr = try XCTUnwrap(d.padr())
        XCTAssertEqual(padr.destination, ac)
        XCTAssertEqual(padr.code, .padr)
        XCTAssertEqual(padr.tag(.acCookie)?.value, [9, 9])
        XCTAssertEqual(padr.tag(.hostUniq)?.value, uniq)
    }

    func testTheProbesAnswerAndTheACNameFilter() {
        var d = exchange()
        guard case .anyServiceOffer = d.receive(pado(uniq: d.probeUniq)) else { return XCTFail("probe answer not seen") }
        XCTAssertNil(d.offer, "a probe's answer is not an offer")
        var named = exchange(acName: "OtherAC")
        XCTAssertEqual(named.receive(pado()), .ignored, "an AC of another name")
    }

    func testAnotherACsErrorTaggedPADODoesNotEndACheckAimedAtANamedAC() {
        var named = exchange(acName: "OtherAC")
        for tag in [TagType.serviceNameError, .acSystemError, .genericError] {
            XCTAssertEqual(named.receive(pado(extra: [Tag(tag, text: "go away")])), .ignored, "\(tag) from LabAC")
        }
        guard case .offer = named.receive(pado(name: "OtherAC")) else { return XCTFail("the named AC's offer was not taken") }
        var refusedByTheNamedAC = exchange(acName: "OtherAC")
        guard case .refused(.acSystemError, _, _, _) = refusedByTheNamedAC.receive(
            pado(name: "OtherAC", extra: [Tag(.acSystemError, text: "full")])) else {
            return XCTFail("the named AC's own error-tagged PADO is still a refusal")
        }
    }

    func testErrorTagsInPADOAndPADSMapToTheirCodes() throws {
        for (tag, step) in [(TagType.serviceNameError, CheckStep.serviceNameError), (.acSystemError, .acSystemError),
                            (.genericError, .genericError)] {
            var d = exchange()
            _ = d.receive(pado())
            let pads = DiscoveryPacket(destination: us, source: ac, code: .pads, sessionID: 0,
                                       tags: [Tag(.hostUniq, uniq), Tag(tag, text: "no\u{1b}[2J")]).serialized()
            guard case let .refused(found, foundTag, message, _) = d.receive(pads) else { return XCTFail("\(tag)") }
            XCTAssertEqual(found, step)
            XCTAssertEqual(foundTag, tag)
            XCTAssertEqual(message, "no\u{1b}[2J")
        }
        var d = exchange()
        guard case .refused(.serviceNameError, _, _, _) = d.receive(pado(extra: [Tag(.serviceNameError)])) else {
            return XCTFail("a PADO with Service-Name-Error is a refusal")
        }
    }

    func testPADSConfirmsTheSessionOnlyFromTheChosenAC() {
        var d = exchange()
        _ = d.receive(pado())
        let fromElsewhere = DiscoveryPacket(destination: us, source: MACAddress(2, 0, 0, 0, 0, 0xbb), code: .pads,
                                            sessionID: 7, tags: [Tag(.hostUniq, uniq)]).serialized()
        XCTAssertEqual(d.receive(fromElsewhere), .ignored)
        let pads = DiscoveryPacket(destination: us, source: ac, code: .pads, sessionID: 7, tags: [Tag(.hostUniq, uniq)])
        XCTAssertEqual(d.receive(pads.serialized()), .confirmed(sessionID: 7, packet: pads))
        XCTAssertEqual(d.padt(sessionID: 7)?.sessionID, 7)
    }

    /// Session id 0 without an error tag is a refusal with no reason given, not Generic-Error;
    /// 0xFFFF is reserved (RFC 2516 §4) and opens nothing.
    func testAPADSWithSessionIDZeroOrTheReservedIDIsNoSession() {
        for (id, step) in [(UInt16(0), CheckStep.sessionRefused), (0xFFFF, .reservedSessionID)] {
            var d = exchange()
            _ = d.receive(pado())
            let pads = DiscoveryPacket(destination: us, source: ac, code: .pads, sessionID: id, tags: [Tag(.hostUniq, uniq)])
            XCTAssertEqual(d.receive(pads.serialized()), .unusable(step, from: pads), "session id \(id)")
        }
        XCTAssertEqual(CheckStep.sessionRefused.rawValue, 32)
        XCTAssertEqual(CheckStep.reservedSessionID.rawValue, 33)
        XCTAssertTrue(CheckStep.sessionRefused.isFailure && CheckStep.reservedSessionID.isFailure)
    }

    func testStepCodesAreStable() {
        XCTAssertEqual(CheckStep.allCases.map { "\($0.rawValue) \($0.name)" }, [
            "1 server_found", "2 session_opened", "3 link_up", "4 authenticated", "5 ipv4_configured",
            "6 ipv6_configured", "7 ipv6_not_offered", "8 hung_up", "20 no_server", "21 service_name_error",
            "22 ac_system_error", "23 generic_error", "24 no_session", "25 link_failed", "26 authentication_failed",
            "27 network_failed", "28 ac_terminated", "29 timed_out", "30 already_running", "31 local_error",
            "32 session_refused", "33 reserved_session_id", "34 authentication_not_allowed",
        ])
    }

    func testTheReportIsFailedByItsFirstFailureAndEscapesWireText() {
        var refused = CheckStepReport(.authenticationFailed, "account refused (PAP): E691\u{1b}[2J\nforged line")
        refused.message = "E691\u{1b}[2J"
        let report = CheckReport(interface: "wan0", steps: [CheckStepReport(.serverFound, "found"), refused,
                                                           CheckStepReport(.hungUp, "link terminated, PADT sent")])
        XCTAssertEqual(report.result, "failed")
        XCTAssertEqual(report.code, 26)
        XCTAssertEqual(report.lines.count, 4)
        XCTAssertEqual(report.lines[2], "  26 authentication_failed  account refused (PAP): E691\\e[2J\\nforged line")
        XCTAssertEqual(CheckReport(interface: "wan0", steps: [CheckStepReport(.hungUp, "x")]).result, "success")
    }
}

final class AddressTextTests: XCTestCase {
    func testLinkLocalAddressesAreWrittenAsRFC5952Says() {
        XCTAssertEqual(AddressText.linkLocal([0, 0, 0, 0, 0, 0, 0, 2]), "fe80::2")
        XCTAssertEqual(AddressText.linkLocal([0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]), "fe80::211:22ff:fe33:4455")
        XCTAssertEqual(AddressText.linkLocal([0, 1, 0, 0, 0, 0, 0, 1]), "fe80::1:0:0:1")
        XCTAssertEqual(AddressText.ipv4([10, 64, 2, 2]), "10.64.2.2")
        XCTAssertEqual(AddressText.hex([0, 0xab]), "00ab")
    }
}
