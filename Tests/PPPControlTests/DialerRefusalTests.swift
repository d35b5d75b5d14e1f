import LineCheck
import PPPControl
import XCTest

/// Access concentrators that answer but ask for what the check will not give: an MRU no PPPoE
/// link carries, options it rejects, EAP, an authentication method left out of `--allow`. Each
/// ends as the failure it is, naming what the AC asked for, and never as "no answer".
final class DialerRefusalTests: XCTestCase {
    private let user = Array("subscriber".utf8)
    private let password = Array("correct-horse".utf8)

    private func dialer(allowed: [AuthenticationProtocol] = AuthenticationProtocol.all) -> PPPDialer {
        var configuration = DialConfiguration(user: user, password: password, mru: 1492, magicNumber: 0x1234_5678,
                                              peerChallenge: Array(repeating: 7, count: 16),
                                              interfaceIdentifier: [2, 1, 2, 3, 4, 5, 6, 7])
        configuration.allowed = allowed
        return PPPDialer(configuration: configuration)
    }

    private func lcp(_ d: inout PPPDialer, _ code: UInt8, _ identifier: UInt8, _ options: [ConfigurationOption],
                     now: Double = 0.1) -> [DialOutput] {
        d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: code, identifier: identifier, data: ConfigurationOption.encode(options)).serialized(), now: now)
    }

    /// Starts the dialer and acks its first Configure-Request, as an AC does.
    private func started(_ d: inout PPPDialer) throws -> [DialOutput] {
        let out = d.start(now: 0)
        let request = try XCTUnwrap(sent(out, .lcp).first)
        return out + d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: request.identifier, data: request.data).serialized(), now: 0.05)
    }

    private func mru(_ value: UInt32) -> ConfigurationOption {
        .number(type: LCPOption.maximumReceiveUnit, value, width: 2)
    }

    private func authentication(_ data: [UInt8]) -> ConfigurationOption {
        ConfigurationOption(type: LCPOption.authenticationProtocol, data: data)
    }

    private let pap: [UInt8] = [0xc0, 0x23]
    private let chapMD5: [UInt8] = [0xc2, 0x23, 5]
    private let eap: [UInt8] = [0xc2, 0x27]

    // MARK: MRU

    func testAnMRUNoLinkOrNoPPPoELinkCarriesIsNakkedAndTheReportSaysWhatWasAsked() throws {
        for (asked, offered) in [(UInt32(0), UInt32(128)), (127, 128), (65535, 1492), (1493, 1492)] {
            var d = dialer()
            _ = try started(&d)
            let nak = try XCTUnwrap(sent(lcp(&d, ControlCode.configureRequest, 1, [mru(asked)]), .lcp).first)
            XCTAssertEqual(nak.code, ControlCode.configureNak, "MRU \(asked)")
            XCTAssertEqual(try ConfigurationOption.parseList(nak.data), [mru(offered)], "MRU \(asked)")
            // The AC takes the suggestion: LCP opens with it, and the report names the first ask.
            let out = lcp(&d, ControlCode.configureRequest, 2, [mru(offered)])
            XCTAssertEqual(sent(out, .lcp).first?.code, ControlCode.configureAck)
            let opened = try XCTUnwrap(events(out).first)
            XCTAssertEqual(opened, .linkOpened(mru: UInt16(offered), authentication: nil, nakkedMRU: UInt16(asked)))
            let step = try XCTUnwrap(CheckNarration.step(for: opened))
            XCTAssertEqual(step.code, CheckStep.linkUp.rawValue)
            XCTAssertEqual(step.mru, Int(offered))
            XCTAssertEqual(step.text, "LCP up: the AC's MRU \(offered) (it asked for \(asked) first, which the link "
                           + "cannot carry: Nakked), authentication none")
        }
    }

    func testMRUsFrom128To1492AreAcknowledged() throws {
        for value in [UInt32(128), 576, 1492] {
            var d = dialer()
            _ = try started(&d)
            let out = lcp(&d, ControlCode.configureRequest, 1, [mru(value)])
            XCTAssertEqual(sent(out, .lcp).first?.code, ControlCode.configureAck, "MRU \(value)")
            XCTAssertEqual(events(out), [.linkOpened(mru: UInt16(value), authentication: nil, nakkedMRU: nil)])
        }
    }

    func testAnACInsistingOnMRU0FailsTheLinkNamingIt() throws {
        var d = dialer()
        var out = try started(&d)
        for identifier in 1...10 { out += lcp(&d, ControlCode.configureRequest, UInt8(identifier), [mru(0)]) }
        XCTAssertEqual(events(out), [.failed(.link, reason: "LCP did not open: the access concentrator insists on MRU 0 "
                                             + "(below 128, the least a link carries), which the check refuses "
                                             + "(10 Configure-Requests in a row refused)")])
        XCTAssertEqual(sent(out, .lcp).last?.code, ControlCode.terminateRequest, "the check hangs up at once")
        XCTAssertFalse(sent(out, .lcp).contains { $0.code == ControlCode.configureAck }, "MRU 0 is never acknowledged")
    }

    // MARK: options the AC keeps sending

    func testAnACResendingARejectedOptionEndsAsLinkFailureNamingIt() throws {
        var d = dialer()
        var out = try started(&d)
        let acfc = ConfigurationOption(type: LCPOption.addressControlFieldCompression)
        for identifier in 1...9 {
            out += lcp(&d, ControlCode.configureRequest, UInt8(identifier), [mru(1492), acfc])
            XCTAssertFalse(d.finished)
        }
        XCTAssertEqual(d.refusingProtocol, .link, "the AC answers, but with what we refuse")
        XCTAssertEqual(sent(out, .lcp).filter { $0.code == ControlCode.configureReject }.count, 9)
        out = lcp(&d, ControlCode.configureRequest, 10, [mru(1492), acfc])
        let failure = try XCTUnwrap(events(out).first)
        XCTAssertEqual(failure, .failed(.link, reason: "LCP did not open: the access concentrator insists on address and "
                                        + "control field compression (forbidden over PPPoE), which the check refuses "
                                        + "(10 Configure-Requests in a row refused)"))
        XCTAssertEqual(CheckNarration.step(for: failure)?.code, CheckStep.linkFailed.rawValue)
        XCTAssertEqual(d.phase, .terminating)
    }

    func testAnACAskingForEAPAgainAndAgainEndsAsLinkFailureNamingEAP() throws {
        var d = dialer()
        var out = try started(&d)
        for identifier in 1...10 { out += lcp(&d, ControlCode.configureRequest, UInt8(identifier), [authentication(eap)]) }
        let answers = sent(out, .lcp).filter { $0.code != ControlCode.configureRequest && $0.code != ControlCode.terminateRequest }
        XCTAssertEqual(answers.map(\.code), Array(repeating: ControlCode.configureNak, count: 3)
                       + Array(repeating: ControlCode.configureReject, count: 7),
                       "each method we speak proposed once, then EAP rejected")
        XCTAssertEqual(events(out), [.failed(.link, reason: "LCP did not open: the access concentrator insists on "
                                             + "authentication EAP (not spoken by this client), which the check refuses "
                                             + "(10 Configure-Requests in a row refused)")])
    }

    /// The time limit runs out while the AC still insists (it resends slowly): the failure
    /// names what it asked for; "no answer" is kept for an AC that fell silent.
    func testTheTimeLimitDuringARefusalReportsTheRefusalNotSilence() throws {
        var d = dialer()
        _ = try started(&d)
        _ = lcp(&d, ControlCode.configureRequest, 1, [authentication(eap)])
        _ = lcp(&d, ControlCode.configureRequest, 2, [authentication([0xc2, 0x23, 0x80])])
        XCTAssertEqual(d.refusingProtocol, .link)
        let out = d.giveUp(now: 30)
        XCTAssertEqual(events(out).first, .failed(.link, reason: "LCP did not open: the access concentrator insists on "
                                                  + "authentication MS-CHAP (v1) (not spoken by this client), which the "
                                                  + "check refuses (2 Configure-Requests in a row refused)"))
        var silent = dialer()
        _ = silent.start(now: 0)
        XCTAssertNil(silent.refusingProtocol)
        XCTAssertEqual(events(silent.giveUp(now: 30)).first,
                       .failed(.link, reason: "no answer from the access concentrator in time"))
    }

    func testAnIPCPOptionTheACInsistsOnFailsTheNetworkPhaseNamingIt() throws {
        var d = dialer()
        _ = try started(&d)
        _ = lcp(&d, ControlCode.configureRequest, 1, [mru(1492)])
        XCTAssertEqual(d.phase, .network)
        var out: [DialOutput] = []
        let compression = ConfigurationOption(type: IPCPPolicy.Option.compression, data: [0, 0x2d, 15, 1])
        for identifier in 1...10 {
            out += d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
                code: ControlCode.configureRequest, identifier: UInt8(identifier),
                data: ConfigurationOption.encode([compression])).serialized(), now: 0.2)
        }
        let failure = try XCTUnwrap(events(out).first)
        XCTAssertEqual(failure, .failed(.network, reason: "IPCP did not open: the access concentrator insists on "
                                        + "Van Jacobson compression, which the check refuses (10 Configure-Requests in a row refused)"))
        XCTAssertEqual(CheckNarration.step(for: failure)?.code, CheckStep.networkFailed.rawValue)
        XCTAssertEqual(sent(out, .lcp).last?.code, ControlCode.terminateRequest)
    }

    // MARK: --allow

    func testPAPLeftOutOfAllowIsNakkedWithCHAPAndNoPasswordIsSent() throws {
        var d = dialer(allowed: [.chapMD5])
        var out = try started(&d)
        out += lcp(&d, ControlCode.configureRequest, 1, [authentication(pap)])
        let nak = try XCTUnwrap(sent(out, .lcp).last)
        XCTAssertEqual(nak.code, ControlCode.configureNak)
        XCTAssertEqual(try ConfigurationOption.parseList(nak.data), [authentication(chapMD5)], "CHAP proposed instead")
        for identifier in 2...10 { out += lcp(&d, ControlCode.configureRequest, UInt8(identifier), [authentication(pap)]) }
        XCTAssertTrue(sent(out, .pap).isEmpty, "no PAP Authenticate-Request")
        XCTAssertFalse(sent(out, .lcp).contains { $0.code == ControlCode.configureAck }, "PAP is never acknowledged")
        let refusal = try XCTUnwrap(events(out).first)
        XCTAssertEqual(refusal, .authenticationNotAllowed(.pap, allowed: [.chapMD5]))
        XCTAssertTrue(d.failed)
        XCTAssertEqual(sent(out, .lcp).last?.code, ControlCode.terminateRequest)
        let step = try XCTUnwrap(CheckNarration.step(for: refusal))
        XCTAssertEqual(step.code, 34)
        XCTAssertEqual(step.name, "authentication_not_allowed")
        XCTAssertEqual(step.authentication, "PAP")
        XCTAssertEqual(step.text, "the AC asks for PAP, which --allow chap leaves out: refused, the password was not sent")
        XCTAssertEqual(CheckReport(interface: "wan0", steps: [step]).code, 34)
    }

    /// An AC that moves from CHAP to PAP (renegotiating LCP once the link is up) gets no
    /// password in clear when PAP is not allowed; with PAP allowed, PAP is what it gets.
    func testAnACSwitchingFromCHAPToPAPGetsNoClearPasswordUnlessPAPIsAllowed() throws {
        for allowed in [[AuthenticationProtocol.msCHAPv2, .chapMD5], AuthenticationProtocol.all] {
            var d = dialer(allowed: allowed)
            var out = try started(&d)
            out += lcp(&d, ControlCode.configureRequest, 1, [authentication(chapMD5)])
            XCTAssertEqual(d.phase, .authentication)
            out += lcp(&d, ControlCode.configureRequest, 2, [authentication(pap)])
            if let request = sent(out, .lcp).last(where: { $0.code == ControlCode.configureRequest }) {
                out += d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
                    code: ControlCode.configureAck, identifier: request.identifier, data: request.data).serialized(), now: 0.3)
            }
            let papRequests = sent(out, .pap)
            if allowed.contains(.pap) {
                XCTAssertEqual(papRequests.count, 1, "allowed: PAP answers the AC's choice")
            } else {
                XCTAssertEqual(papRequests, [], "PAP not allowed: the password stays here")
                XCTAssertEqual(sent(out, .lcp).last(where: { $0.identifier == 2 })?.code, ControlCode.configureNak)
            }
        }
    }

    func testAnACThatHangsUpOnTheRefusalIsReportedAsTheRefusalFirst() throws {
        var d = dialer(allowed: [.msCHAPv2])
        _ = try started(&d)
        _ = lcp(&d, ControlCode.configureRequest, 1, [authentication(pap)])
        let out = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.terminateRequest, identifier: 9, data: Array("PAP only".utf8)).serialized(), now: 0.2)
        XCTAssertEqual(events(out), [.authenticationNotAllowed(.pap, allowed: [.msCHAPv2]),
                                     .peerTerminated(.link, message: Array("PAP only".utf8))])
        let steps = events(out).compactMap { CheckNarration.step(for: $0) }
        XCTAssertEqual(CheckReport(interface: "wan0", steps: steps).code, CheckStep.authenticationNotAllowed.rawValue)
    }

    func testAllowNamesAreRouterOSsAndTheDefaultIsEveryMethodStrongestFirst() {
        XCTAssertEqual(AuthenticationProtocol.all, [.msCHAPv2, .chapMD5, .pap])
        XCTAssertEqual(AuthenticationProtocol.all.map(\.allowName), ["mschap2", "chap", "pap"])
        XCTAssertEqual(AuthenticationProtocol(allowName: "chap"), .chapMD5)
        XCTAssertNil(AuthenticationProtocol(allowName: "mschap1"), "MS-CHAPv1 is not spoken")
        XCTAssertEqual(LineCheckOptions(interface: "wan0", user: [], password: []).allowed, AuthenticationProtocol.all)
        XCTAssertEqual(LCPPolicy(mru: 1492, magicNumber: 1, allowed: [.pap, .msCHAPv2]).allowed, [.msCHAPv2, .pap])
    }
}
