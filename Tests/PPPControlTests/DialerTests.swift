import Foundation
import PPPControl
import XCTest

/// The dialer against a scripted access concentrator: every packet it sends is decoded and
/// checked, every answer is what pppd (or an ISP's AC) would send.
final class DialerTests: XCTestCase {
    private let user = Array("subscriber".utf8)
    private let password = Array("correct-horse".utf8)
    private let peerChallenge = (0..<16).map { UInt8($0 * 3) }
    private let interfaceID: [UInt8] = [2, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]

    private func dialer() -> PPPDialer {
        PPPDialer(configuration: DialConfiguration(user: user, password: password, mru: 1492, magicNumber: 0x1234_5678,
                                                   peerChallenge: peerChallenge, interfaceIdentifier: interfaceID))
    }

    private func options(_ packet: ControlPacket) throws -> [ConfigurationOption] {
        try ConfigurationOption.parseList(packet.data)
    }

    /// The AC's side of LCP: acks our request, sends its own asking for `authentication`.
    private func openLink(_ d: inout PPPDialer, authentication: [UInt8]) throws -> [DialOutput] {
        let request = try XCTUnwrap(sent(d.start(now: 0), .lcp).first)
        var out = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: request.identifier, data: request.data).serialized(), now: 0.1)
        let theirs = ConfigurationOption.encode([
            .number(type: LCPOption.maximumReceiveUnit, 1492, width: 2),
            ConfigurationOption(type: LCPOption.authenticationProtocol, data: authentication),
            .number(type: LCPOption.magicNumber, 0xcafe_f00d, width: 4),
        ])
        out += d.receive(protocol: PPPProtocol.lcp.rawValue,
                         payload: ControlPacket(code: ControlCode.configureRequest, identifier: 7, data: theirs).serialized(),
                         now: 0.2)
        let ack = try XCTUnwrap(sent(out, .lcp).first)
        XCTAssertEqual(ack.code, ControlCode.configureAck)
        XCTAssertEqual(ack.identifier, 7)
        XCTAssertEqual(ack.data, theirs)
        return out
    }

    /// IPCP with Naks for address and DNS, IPv6CP opened, then the hang-up: returns the events.
    private func finishNetwork(_ d: inout PPPDialer, first: [DialOutput]) throws -> [DialEvent] {
        var all = first
        let ipcpRequest = try XCTUnwrap(sent(first, .ipcp).first)
        let nak = ConfigurationOption.encode([
            ConfigurationOption(type: IPCPPolicy.Option.address, data: [10, 64, 2, 2]),
            ConfigurationOption(type: IPCPPolicy.Option.primaryDNS, data: [192, 0, 2, 53]),
            ConfigurationOption(type: IPCPPolicy.Option.secondaryDNS, data: [192, 0, 2, 54]),
        ])
        var out = d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureNak, identifier: ipcpRequest.identifier, data: nak).serialized(), now: 1)
        let second = try XCTUnwrap(sent(out, .ipcp).first)
        XCTAssertEqual(second.data, nak, "the second request asks for what the Nak offered")
        out += d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 1,
            data: ConfigurationOption.encode([ConfigurationOption(type: IPCPPolicy.Option.address, data: [10, 64, 2, 1])])
        ).serialized(), now: 1)
        out += d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: second.identifier, data: second.data).serialized(), now: 1)
        all += out
        let v6 = try XCTUnwrap(sent(first, .ipv6cp).first)
        out = d.receive(protocol: PPPProtocol.ipv6cp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 1,
            data: ConfigurationOption.encode([ConfigurationOption(type: 1, data: [0, 0, 0, 0, 0, 0, 0, 1])])).serialized(),
            now: 1.1)
        out += d.receive(protocol: PPPProtocol.ipv6cp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: v6.identifier, data: v6.data).serialized(), now: 1.1)
        all += out
        let terminate = try XCTUnwrap(sent(out, .lcp).last)
        XCTAssertEqual(terminate.code, ControlCode.terminateRequest, "both NCPs up: the dialer hangs up")
        XCTAssertEqual(d.phase, .terminating)
        all += d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.terminateAck, identifier: terminate.identifier).serialized(), now: 1.2)
        XCTAssertTrue(d.finished)
        return events(all)
    }

    func testFirstConfigureRequestAsksForMRU1492AndAMagicNumberOnly() throws {
        var d = dialer()
        let request = try XCTUnwrap(sent(d.start(now: 0), .lcp).first)
        XCTAssertEqual(request.code, ControlCode.configureRequest)
        XCTAssertEqual(try options(request), [.number(type: LCPOption.maximumReceiveUnit, 1492, width: 2),
                                              .number(type: LCPOption.magicNumber, 0x1234_5678, width: 4)])
        XCTAssertEqual(d.nextDeadline, 3, "the restart timer runs from the first request")
    }

    func testOptionsRFC2516ForbidsAreRejectedAndNothingIsAcked() throws {
        var d = dialer()
        _ = d.start(now: 0)
        let forbidden: [ConfigurationOption] = [
            .number(type: LCPOption.asyncControlCharacterMap, 0, width: 4),
            ConfigurationOption(type: LCPOption.addressControlFieldCompression),
            ConfigurationOption(type: LCPOption.fcsAlternatives, data: [1]),
        ]
        let request = ConfigurationOption.encode([.number(type: LCPOption.magicNumber, 0xcafe_f00d, width: 4)] + forbidden)
        let out = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 9, data: request).serialized(), now: 0.1)
        let reject = try XCTUnwrap(sent(out, .lcp).first)
        XCTAssertEqual(reject.code, ControlCode.configureReject)
        XCTAssertEqual(try options(reject), forbidden)
    }

    func testUnknownAuthenticationIsNakkedWithMSCHAPv2() throws {
        var d = dialer()
        _ = d.start(now: 0)
        let eap = ConfigurationOption(type: LCPOption.authenticationProtocol, data: [0xc2, 0x27])
        let out = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 3, data: ConfigurationOption.encode([eap])).serialized(), now: 0)
        let nak = try XCTUnwrap(sent(out, .lcp).first)
        XCTAssertEqual(nak.code, ControlCode.configureNak)
        XCTAssertEqual(try options(nak), [ConfigurationOption(type: LCPOption.authenticationProtocol,
                                                              data: [0xc2, 0x23, 0x81])])
    }

    func testUnansweredLinkIsRetriedTenTimesThenFails() {
        var d = dialer()
        var requests = sent(d.start(now: 0), .lcp).count
        var now = 0.0
        while let deadline = d.nextDeadline, !d.finished {
            now = deadline
            let out = d.advance(now: now)
            requests += sent(out, .lcp).filter { $0.code == ControlCode.configureRequest }.count
            if d.finished { XCTAssertEqual(events(out).first, .failed(.link, reason: "LCP negotiation did not converge (10 Configure-Requests)")) }
        }
        XCTAssertTrue(d.finished)
        XCTAssertTrue(d.failed)
        XCTAssertEqual(requests, 10)
        XCTAssertEqual(now, 30, "ten requests three seconds apart, the last one given three seconds too")
    }

    func testPAPLoginThenIPCPAndIPv6CPThenCleanHangUp() throws {
        var d = dialer()
        let out = try openLink(&d, authentication: [0xc0, 0x23])
        let request = try XCTUnwrap(sent(out, .pap).first)
        XCTAssertEqual(request.code, PAPClient.authenticateRequest)
        XCTAssertEqual(request.data, [UInt8(user.count)] + user + [UInt8(password.count)] + password)
        let ack = d.receive(protocol: PPPProtocol.pap.rawValue, payload: ControlPacket(
            code: PAPClient.authenticateAck, identifier: request.identifier, data: [8] + Array("Login ok".utf8)).serialized(),
            now: 0.5)
        let events = try finishNetwork(&d, first: ack)
        XCTAssertEqual(events, [
            .authenticated(.pap, message: Array("Login ok".utf8)),
            .ipv4Configured(address: [10, 64, 2, 2], peer: [10, 64, 2, 1], dns: [[192, 0, 2, 53], [192, 0, 2, 54]]),
            .ipv6Configured(local: interfaceID, peer: [0, 0, 0, 0, 0, 0, 0, 1]),
            .hungUp,
        ])
        XCTAssertFalse(d.failed)
    }

    func testPAPNakCarriesTheACsMessageAndHangsUp() throws {
        var d = dialer()
        let out = try openLink(&d, authentication: [0xc0, 0x23])
        let request = try XCTUnwrap(sent(out, .pap).first)
        let text = Array("E691 wrong user or password\u{1b}[2J".utf8)
        let nak = d.receive(protocol: PPPProtocol.pap.rawValue, payload: ControlPacket(
            code: PAPClient.authenticateNak, identifier: request.identifier, data: [UInt8(text.count)] + text).serialized(),
            now: 0.5)
        XCTAssertEqual(events(nak), [.authenticationFailed(.pap, message: text)])
        XCTAssertEqual(sent(nak, .lcp).map(\.code), [ControlCode.terminateRequest])
        XCTAssertTrue(d.failed)
    }

    /// CHAP-MD5's Response value, checked against Python's hashlib for several identifiers and
    /// challenges of different lengths.
    func testCHAPMD5ResponsesAgreeWithPythonsHashlib() throws {
        var expected: [String] = []
        for (identifier, length) in [(1, 16), (0x42, 1), (0xff, 63)] {
            var d = dialer()
            let challenge = (0..<length).map { UInt8(($0 * 11 + identifier) % 256) }
            let name = Array("lab-ac".utf8)
            _ = try openLink(&d, authentication: [0xc2, 0x23, 5])
            let out = d.receive(protocol: PPPProtocol.chap.rawValue, payload: ControlPacket(
                code: CHAPClient.challenge, identifier: UInt8(identifier),
                data: [UInt8(length)] + challenge + name).serialized(), now: 0.5)
            let response = try XCTUnwrap(sent(out, .chap).first)
            XCTAssertEqual(response.code, CHAPClient.response)
            XCTAssertEqual(response.identifier, UInt8(identifier))
            XCTAssertEqual(response.data.first, 16)
            XCTAssertEqual(Array(response.data.dropFirst(17)), user, "the Name field is the user")
            expected.append(response.data[1...16].map { String(format: "%02x", $0) }.joined())
        }
        let script = """
            import hashlib
            secret = b"correct-horse"
            for ident, length in [(1, 16), (0x42, 1), (0xff, 63)]:
                challenge = bytes((i * 11 + ident) % 256 for i in range(length))
                print(hashlib.md5(bytes([ident]) + secret + challenge).hexdigest())
            """
        XCTAssertEqual(try python(script), expected)
    }

    func testMSCHAPv2SuccessIsVerifiedAndAForgedOneRefused() throws {
        let challenge = (0..<16).map { UInt8(0xa0 + $0) }
        for forged in [false, true] {
            var d = dialer()
            _ = try openLink(&d, authentication: [0xc2, 0x23, 0x81])
            let out = d.receive(protocol: PPPProtocol.chap.rawValue, payload: ControlPacket(
                code: CHAPClient.challenge, identifier: 5, data: [16] + challenge + Array("lab-ac".utf8)).serialized(),
                now: 0.5)
            let response = try XCTUnwrap(sent(out, .chap).first)
            XCTAssertEqual(response.data.first, 49)
            let ntResponse = Array(response.data[25..<49])
            XCTAssertEqual(Array(response.data[1..<17]), peerChallenge)
            XCTAssertEqual(ntResponse, MSCHAPv2.ntResponse(authenticatorChallenge: challenge, peerChallenge: peerChallenge,
                                                           userName: user, password: password))
            var authenticator = MSCHAPv2.authenticatorResponse(password: password, ntResponse: ntResponse,
                                                               peerChallenge: peerChallenge,
                                                               authenticatorChallenge: challenge, userName: user)
            if forged { authenticator = "S=" + String(repeating: "0", count: 40) }
            let success = d.receive(protocol: PPPProtocol.chap.rawValue, payload: ControlPacket(
                code: CHAPClient.success, identifier: 5, data: Array((authenticator + " M=Access granted").utf8)).serialized(),
                now: 0.6)
            if forged {
                XCTAssertEqual(events(success).first.map { if case .authenticationFailed = $0 { true } else { false } }, true)
                XCTAssertTrue(d.failed)
            } else {
                XCTAssertEqual(events(success), [.authenticated(.msCHAPv2, message: Array("Access granted".utf8))])
                XCTAssertEqual(d.phase, .network)
            }
        }
    }

    func testMSCHAPv2FailureTextIsParsed() {
        let text = AuthenticationFailureText(Array("E=691 R=0 C=0123456789ABCDEF0123456789ABCDEF V=3 M=Authentication failure".utf8))
        XCTAssertEqual(text.errorCode, 691)
        XCTAssertEqual(text.message, Array("Authentication failure".utf8))
        XCTAssertEqual(AuthenticationFailureText(Array("E691 bad".utf8)).message, Array("E691 bad".utf8))
    }

    func testIPv6CPProtocolRejectCountsAsNotOfferedAndTheDialSucceeds() throws {
        var d = dialer()
        let out = try openLink(&d, authentication: [0xc0, 0x23])
        let request = try XCTUnwrap(sent(out, .pap).first)
        let network = d.receive(protocol: PPPProtocol.pap.rawValue, payload: ControlPacket(
            code: PAPClient.authenticateAck, identifier: request.identifier, data: [0]).serialized(), now: 0.5)
        let v6 = try XCTUnwrap(sent(network, .ipv6cp).first)
        let reject = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.protocolReject, identifier: 40, data: [0x80, 0x57] + v6.serialized()).serialized(), now: 0.6)
        XCTAssertEqual(events(reject), [.ipv6NotOffered])
        let ipcpRequest = try XCTUnwrap(sent(network, .ipcp).first)
        var rest = d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureReject, identifier: ipcpRequest.identifier,
            data: ConfigurationOption.encode([ConfigurationOption(type: 129, data: [0, 0, 0, 0]),
                                              ConfigurationOption(type: 131, data: [0, 0, 0, 0])])).serialized(), now: 0.7)
        let second = try XCTUnwrap(sent(rest, .ipcp).first)
        XCTAssertEqual(try options(second), [ConfigurationOption(type: 3, data: [0, 0, 0, 0])], "DNS no longer asked for")
        rest += d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 2,
            data: ConfigurationOption.encode([ConfigurationOption(type: 3, data: [10, 0, 0, 1])])).serialized(), now: 0.7)
        rest += d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: second.identifier, data: second.data).serialized(), now: 0.8)
        XCTAssertEqual(events(rest), [.ipv4Configured(address: [0, 0, 0, 0], peer: [10, 0, 0, 1], dns: [])])
        XCTAssertEqual(sent(rest, .lcp).last?.code, ControlCode.terminateRequest)
    }

    func testIPv6CPNeverAnsweredIsGivenUpAfterTheGrace() throws {
        var d = dialer()
        let out = try openLink(&d, authentication: [0xc0, 0x23])
        let request = try XCTUnwrap(sent(out, .pap).first)
        let network = d.receive(protocol: PPPProtocol.pap.rawValue, payload: ControlPacket(
            code: PAPClient.authenticateAck, identifier: request.identifier, data: [0]).serialized(), now: 1)
        let ipcpRequest = try XCTUnwrap(sent(network, .ipcp).first)
        _ = d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureRequest, identifier: 2,
            data: ConfigurationOption.encode([ConfigurationOption(type: 3, data: [10, 0, 0, 1])])).serialized(), now: 1)
        _ = d.receive(protocol: PPPProtocol.ipcp.rawValue, payload: ControlPacket(
            code: ControlCode.configureAck, identifier: ipcpRequest.identifier, data: ipcpRequest.data).serialized(), now: 1.5)
        XCTAssertEqual(d.nextDeadline, 4, "IPv6CP's restart timer, armed at 1 s, comes first")
        var all: [DialOutput] = []
        while let deadline = d.nextDeadline, d.phase == .network { all += d.advance(now: deadline) }
        XCTAssertEqual(events(all), [.ipv6NotOffered])
        XCTAssertEqual(sent(all, .lcp).last?.code, ControlCode.terminateRequest)
    }

    func testEchoRequestIsAnsweredAndUnknownProtocolsRejected() throws {
        var d = dialer()
        _ = try openLink(&d, authentication: [0xc0, 0x23])
        let echo = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.echoRequest, identifier: 77, data: [0xca, 0xfe, 0xf0, 0x0d, 1, 2]).serialized(), now: 0.3)
        let reply = try XCTUnwrap(sent(echo, .lcp).first)
        XCTAssertEqual(reply.code, ControlCode.echoReply)
        XCTAssertEqual(reply.identifier, 77)
        XCTAssertEqual(reply.data, [0x12, 0x34, 0x56, 0x78, 1, 2])
        let ccp = d.receive(protocol: 0x80fd, payload: [1, 1, 0, 4], now: 0.4)
        let reject = try XCTUnwrap(sent(ccp, .lcp).first)
        XCTAssertEqual(reject.code, ControlCode.protocolReject)
        XCTAssertEqual(Array(reject.data.prefix(6)), [0x80, 0xfd, 1, 1, 0, 4])
    }

    func testMalformedPacketsOfKnownProtocolsAreDroppedAndOfUnknownOnesRejected() throws {
        var d = dialer()
        _ = try openLink(&d, authentication: [0xc0, 0x23])
        // Each packet's Length (0x10) runs past the frame's four bytes.
        let overlong: [UInt8] = [1, 9, 0, 0x10]
        for proto in [PPPProtocol.lcp, .pap, .chap, .ipcp, .ipv6cp] {
            let out = d.receive(protocol: proto.rawValue, payload: overlong, now: 0.4)
            XCTAssertTrue(sent(out, .lcp).isEmpty, "a malformed \(proto) packet is dropped, not rejected")
        }
        let unknown = d.receive(protocol: 0x80fd, payload: overlong, now: 0.5)
        let reject = try XCTUnwrap(sent(unknown, .lcp).first)
        XCTAssertEqual(reject.code, ControlCode.protocolReject)
        XCTAssertEqual(Array(reject.data.prefix(6)), [0x80, 0xfd, 1, 9, 0, 0x10])
    }

    func testACsTerminateRequestIsReportedAcknowledgedAndEndsTheDial() throws {
        var d = dialer()
        _ = try openLink(&d, authentication: [0xc2, 0x23, 5])
        let out = d.receive(protocol: PPPProtocol.lcp.rawValue, payload: ControlPacket(
            code: ControlCode.terminateRequest, identifier: 3, data: Array("Authentication failed".utf8)).serialized(),
            now: 1)
        XCTAssertEqual(events(out), [.peerTerminated(.authentication, message: Array("Authentication failed".utf8))])
        XCTAssertEqual(sent(out, .lcp).map(\.code), [ControlCode.terminateAck])
        let end = d.advance(now: try XCTUnwrap(d.nextDeadline))
        XCTAssertEqual(events(end), [.hungUp])
        XCTAssertTrue(d.finished)
        XCTAssertTrue(d.failed)
    }

    func testMalformedPacketsAndOptionListsAreTypedErrors() {
        XCTAssertThrowsError(try ControlPacket(parsing: [1, 1, 0]))
        XCTAssertThrowsError(try ControlPacket(parsing: [1, 1, 0, 9, 0]))
        XCTAssertEqual(try ControlPacket(parsing: [2, 7, 0, 5, 9, 0xee]).data, [9], "bytes past Length are padding")
        XCTAssertThrowsError(try ConfigurationOption.parseList([1, 4, 5]))
        XCTAssertThrowsError(try ConfigurationOption.parseList([1, 1]))
        XCTAssertThrowsError(try ConfigurationOption.parseList([1]))
    }

    private func python(_ script: String) throws -> [String] {
        guard let path = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { throw XCTSkip("no python3 to compare with") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.split(separator: "\n").map(String.init)
    }
}
