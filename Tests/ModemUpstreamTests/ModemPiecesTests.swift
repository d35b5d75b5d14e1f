import HDLCFraming
import ModemUpstream
import PPPoEWire
import XCTest

final class ModemPiecesTests: XCTestCase {
    // MARK: SipHash and the cookie

    /// The SipHash paper's vectors: key 00..0f, messages 00..(n-1).
    func testSipHashMatchesTheReferenceVectors() {
        let hasher = SipHash24(key0: 0x0706_0504_0302_0100, key1: 0x0F0E_0D0C_0B0A_0908)
        XCTAssertEqual(hasher.hash([]), 0x726F_DB47_DD0E_0E31)
        XCTAssertEqual(hasher.hash(Array(0..<15)), 0xA129_CA61_49BE_45E5)
        XCTAssertEqual(hasher.hash(Array(0..<8)), 0x93F5_F579_9A93_2462)
    }

    func testCookieVerifiesForItsClientAndTimeOnly() {
        let cookie = ACCookie(key0: 1, key1: 2)
        let client = MACAddress(2, 0, 0, 0, 0, 1), other = MACAddress(2, 0, 0, 0, 0, 2)
        let issued = cookie.issue(for: client, minute: 1000)
        XCTAssertTrue(cookie.verify(issued, for: client, minute: 1000))
        XCTAssertTrue(cookie.verify(issued, for: client, minute: 1000 + ACCookie.lifetimeMinutes))
        XCTAssertFalse(cookie.verify(issued, for: client, minute: 1001 + ACCookie.lifetimeMinutes))
        XCTAssertFalse(cookie.verify(issued, for: other, minute: 1000))
        XCTAssertFalse(ACCookie(key0: 1, key1: 3).verify(issued, for: client, minute: 1000), "another key (a restart)")
        var forged = issued
        forged[11] ^= 1
        XCTAssertFalse(cookie.verify(forged, for: client, minute: 1000))
        XCTAssertFalse(cookie.verify(Array(issued.prefix(8)), for: client, minute: 1000))
    }

    // MARK: Chat scripts

    func testChatScriptParsesChat8Format() throws {
        let script = try ChatScript(parsing: """
            # a comment
            ABORT BUSY ABORT 'NO CARRIER'
            TIMEOUT 5
            '' 'AT\\c'
            OK-AT-OK ATD*99#
            SAY "dialling"
            CONNECT ''
            """)
        XCTAssertEqual(script.abortStrings, [Array("BUSY".utf8), Array("NO CARRIER".utf8)])
        XCTAssertEqual(script.steps.count, 3)
        XCTAssertEqual(script.steps[0].expect, [])
        XCTAssertEqual(script.steps[0].send?.bytes, Array("AT".utf8), "\\c: no carriage return")
        XCTAssertEqual(script.steps[1].expect, Array("OK".utf8))
        XCTAssertEqual(script.steps[1].alternatives.count, 1)
        XCTAssertEqual(script.steps[1].alternatives[0].send.bytes, Array("AT\r".utf8))
        XCTAssertEqual(script.steps[1].send?.bytes, Array("ATD*99#\r".utf8))
        XCTAssertEqual(script.steps[1].timeoutSeconds, 5)
        XCTAssertEqual(script.steps[2].send?.bytes, [0x0D])
        XCTAssertNoThrow(try ChatScript(parsing: ChatScript.builtIn))
        let dashed = try ChatScript(parsing: "'' AT 'CONNECT\\-V42' ''")
        XCTAssertEqual(dashed.steps[1].expect, Array("CONNECT-V42".utf8), "an escaped dash is expected, not a subexpectation")
        XCTAssertEqual(dashed.steps[1].alternatives.count, 0)
    }

    func testBadChatScriptsAreOneLineErrors() {
        for text in ["", "TIMEOUT x '' AT", "'' 'AT", "ABORT", "'' A\\zT"] {
            XCTAssertThrowsError(try ChatScript(parsing: text), text) { error in
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }

    func feed(_ runner: inout ChatRunner, _ text: String, now: Int64) -> Int? {
        Array(text.utf8).withUnsafeBytes { runner.received($0, now: now) }
    }

    func testChatRunsToConnectAndSaysWherePPPBegins() throws {
        var runner = ChatRunner(script: try ChatScript(parsing: "'' AT OK ATD*99# CONNECT ''"), now: 0)
        XCTAssertEqual(runner.pendingOutput, Array("AT\r".utf8))
        runner.wrote(3, now: 1)
        XCTAssertNil(feed(&runner, "AT\r\r\nOK\r\n", now: 2))
        XCTAssertEqual(runner.pendingOutput, Array("ATD*99#\r".utf8))
        runner.wrote(8, now: 3)
        let offset = feed(&runner, "\r\nCONNECT 150000000\r\n~\u{7f}", now: 4)
        XCTAssertEqual(offset, 9, "PPP is everything after the expected string (the line noise after it is for the HDLC decoder to skip)")
        XCTAssertEqual(runner.status, .connected(line: "CONNECT"))
        XCTAssertEqual(runner.pendingOutput, [0x0D], "the last send still goes out, before PPP")
    }

    func testChatAbortsAndTimesOut() throws {
        let script = try ChatScript(parsing: "ABORT 'NO CARRIER' TIMEOUT 2 '' AT OK ATD CONNECT ''")
        var aborted = ChatRunner(script: script, now: 0)
        aborted.wrote(3, now: 0)
        _ = feed(&aborted, "OK\r\n", now: 1)
        aborted.wrote(4, now: 1)
        _ = feed(&aborted, "NO CARRIER\r\n", now: 2)
        XCTAssertEqual(aborted.status, .failed(reason: "modem said NO CARRIER"))

        var silent = ChatRunner(script: script, now: 0)
        silent.wrote(3, now: 0)
        silent.tick(now: 1999)
        XCTAssertEqual(silent.status, .running)
        silent.tick(now: 2000)
        XCTAssertEqual(silent.status, .failed(reason: "no OK within 2 s"))
    }

    func testSubexpectationSendsOnTimeout() throws {
        var runner = ChatRunner(script: try ChatScript(parsing: "TIMEOUT 1 '' AT OK-AT-OK ATD CONNECT ''"), now: 0)
        runner.wrote(3, now: 0)
        runner.tick(now: 1000)
        XCTAssertEqual(runner.status, .running)
        XCTAssertEqual(runner.pendingOutput, Array("AT\r".utf8), "the alternative is sent")
        runner.wrote(3, now: 1000)
        _ = feed(&runner, "OK\r\n", now: 1100)
        XCTAssertEqual(runner.pendingOutput, Array("ATD\r".utf8))
    }

    func testSendDelayWaits() throws {
        var runner = ChatRunner(script: try ChatScript(parsing: "'' \\dAT CONNECT ''"), now: 0)
        XCTAssertEqual(runner.pendingOutput, [])
        runner.tick(now: 999)
        XCTAssertEqual(runner.pendingOutput, [])
        runner.tick(now: 1000)
        XCTAssertEqual(runner.pendingOutput, Array("AT\r".utf8))
    }

    // MARK: The LCP option filter

    func lcp(_ code: UInt8, _ id: UInt8, _ options: [UInt8]) -> [UInt8] {
        let length = 4 + options.count
        return [0xC0, 0x21, code, id, UInt8(length >> 8), UInt8(length & 0xFF)] + options
    }

    func filter(_ frame: [UInt8]) -> (LCPOptionFilter.Verdict, [UInt8], [UInt8]) {
        var bytes = frame + [0, 0]
        var reply = [UInt8](repeating: 0, count: 256)
        var length = frame.count
        let verdict = bytes.withUnsafeMutableBytes { b in
            reply.withUnsafeMutableBytes { LCPOptionFilter.filter(b, length: &length, reply: $0) }
        }
        if case let .reply(n) = verdict { return (verdict, Array(bytes[0..<length]), Array(reply[0..<n])) }
        return (verdict, Array(bytes[0..<length]), [])
    }

    let accm: [UInt8] = [0x02, 0x06, 0x00, 0x00, 0x00, 0x00]
    let magic: [UInt8] = [0x05, 0x06, 0x01, 0x02, 0x03, 0x04]
    let pfc: [UInt8] = [0x07, 0x02]
    let acfc: [UInt8] = [0x08, 0x02]
    let fcsAlternatives: [UInt8] = [0x09, 0x03, 0x01]
    let mru: [UInt8] = [0x01, 0x04, 0x05, 0xD4]

    func testForbiddenOptionsInARequestAreRejectedToItsSender() {
        let (verdict, _, reply) = filter(lcp(1, 7, mru + accm + magic + pfc + acfc + fcsAlternatives))
        XCTAssertEqual(verdict, .reply(length: 6 + accm.count + acfc.count + fcsAlternatives.count))
        XCTAssertEqual(reply, lcp(4, 7, accm + acfc + fcsAlternatives))
        let (clean, frame, _) = filter(lcp(1, 8, mru + magic + pfc))
        XCTAssertEqual(clean, .forward)
        XCTAssertEqual(frame, lcp(1, 8, mru + magic + pfc), "allowed options pass untouched")
    }

    func testForbiddenOptionsLeaveNaksAndRejects() {
        let (nak, frame, _) = filter(lcp(3, 2, accm + mru))
        XCTAssertEqual(nak, .forward)
        XCTAssertEqual(frame, lcp(3, 2, mru))
        XCTAssertEqual(filter(lcp(4, 2, acfc)).0, .drop, "nothing left to say")
        XCTAssertEqual(filter(lcp(5, 9, [])).0, .terminateRequest(identifier: 9))
        XCTAssertEqual(filter(lcp(9, 1, [0, 0, 0, 0])).0, .forward)
        // Malformed option lists and other protocols go through as they are.
        XCTAssertEqual(filter(lcp(1, 1, [0x02, 0x09, 0x00])).0, .forward)
        XCTAssertEqual(filter([0x00, 0x21, 0x45, 0x00, 0x00, 0x14]).0, .forward)
    }
}
