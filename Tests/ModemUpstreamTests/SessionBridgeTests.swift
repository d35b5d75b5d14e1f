import CAllocationCounter
import HDLCFraming
import ModemUpstream
import PPPoEWire
import XCTest

/// The session path between the LAN and the serial line: correct both ways, and allocation-free.
final class SessionBridgeTests: XCTestCase {
    let local = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    let client = MACAddress(0x02, 0, 0, 0, 0, 0x02)
    let sessionID: UInt16 = 0x1234

    func sessionFrame(_ ppp: [UInt8], from source: MACAddress? = nil, session: UInt16? = nil) -> [UInt8] {
        let id = session ?? sessionID
        return local.bytes + (source ?? client).bytes + [0x88, 0x64, 0x11, 0x00, UInt8(id >> 8), UInt8(id & 0xFF),
                                                         UInt8(ppp.count >> 8), UInt8(ppp.count & 0xFF)] + ppp
    }

    func hdlc(_ ppp: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: HDLCEncoder.worstCase(ppp.count))
        let n = ppp.withUnsafeBytes { input in out.withUnsafeMutableBytes { HDLCEncoder.encode(input, into: $0)! } }
        return Array(out[0..<n])
    }

    /// What the bridge queued for the serial line, read back through a pipe.
    func drained(_ bridge: inout SessionBridge) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        // An empty queue must read as nothing, not block.
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        XCTAssertTrue(bridge.toModem.drain(to: fds[1]))
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        return Array(buffer[0..<max(0, n)])
    }

    let ipv4: [UInt8] = [0x00, 0x21, 0x45, 0x00, 0x00, 0x14] + [UInt8](repeating: 0x7E, count: 14)

    func testFramesCrossBothWaysAndStrangersAreIgnored() throws {
        var bridge = SessionBridge(localMAC: local)
        bridge.begin(client: client, sessionID: sessionID, now: 0)
        var frame = sessionFrame(ipv4)
        let verdict = frame.withUnsafeMutableBytes { bridge.fromClient($0, length: $0.count, now: 1) }
        XCTAssertEqual(verdict, .queued)
        XCTAssertEqual(try drained(&bridge), hdlc(ipv4))

        for var stranger in [sessionFrame(ipv4, from: MACAddress(2, 0, 0, 0, 0, 9)), sessionFrame(ipv4, session: 7)] {
            XCTAssertEqual(stranger.withUnsafeMutableBytes { bridge.fromClient($0, length: $0.count, now: 1) }, .notOurs)
        }

        var sent: [[UInt8]] = []
        let line = Array("\r\nCONNECT\r\n".utf8) + hdlc(ipv4) + hdlc(ipv4)
        bridge.begin(client: client, sessionID: sessionID, now: 2)
        let result = line.withUnsafeBytes { bridge.fromModem($0) { sent.append(Array($0)) } }
        XCTAssertEqual(result, .carrying)
        XCTAssertEqual(sent, [sessionFrame(ipv4).replacingSource(local, destination: client)] + [sessionFrame(ipv4).replacingSource(local, destination: client)])
    }

    func testForbiddenLCPOptionsAreHandledByTheBridgeBothWays() throws {
        var bridge = SessionBridge(localMAC: local)
        bridge.begin(client: client, sessionID: sessionID, now: 0)
        // The modem asks for ACCM and ACFC: rejected toward the modem, not shown to the client.
        let request: [UInt8] = [0xC0, 0x21, 0x01, 0x05, 0x00, 0x12, 0x02, 0x06, 0, 0, 0, 0, 0x05, 0x06, 1, 2, 3, 4, 0x08, 0x02]
        var sent: [[UInt8]] = []
        _ = hdlc(request).withUnsafeBytes { bridge.fromModem($0) { sent.append(Array($0)) } }
        XCTAssertEqual(sent, [])
        XCTAssertEqual(try drained(&bridge), hdlc([0xC0, 0x21, 0x04, 0x05, 0x00, 0x0C, 0x02, 0x06, 0, 0, 0, 0, 0x08, 0x02]))
        XCTAssertEqual(bridge.counters.lcpOptionsRejected, 1)
        // The client asks for an ACCM: rejected toward the client, not shown to the modem.
        var fromClient = sessionFrame([0xC0, 0x21, 0x01, 0x09, 0x00, 0x0A, 0x02, 0x06, 0, 0, 0, 0])
        let verdict = fromClient.withUnsafeMutableBytes { bridge.fromClient($0, length: $0.count, now: 1) }
        guard case let .replyToClient(length) = verdict else { return XCTFail("\(verdict)") }
        XCTAssertEqual(Array(bridge.clientReply[0..<length]),
                       sessionFrame([0xC0, 0x21, 0x04, 0x09, 0x00, 0x0A, 0x02, 0x06, 0, 0, 0, 0]).replacingSource(local, destination: client))
        XCTAssertEqual(try drained(&bridge), [])
        // The modem terminating: its request reaches the client, the modem gets its Ack, the session ends.
        sent = []
        let terminate: [UInt8] = [0xC0, 0x21, 0x05, 0x33, 0x00, 0x04]
        let result = hdlc(terminate).withUnsafeBytes { bridge.fromModem($0) { sent.append(Array($0)) } }
        XCTAssertEqual(result, .terminated)
        XCTAssertEqual(sent.count, 1)
        XCTAssertEqual(try drained(&bridge), hdlc([0xC0, 0x21, 0x06, 0x33, 0x00, 0x04]))
    }

    func testAFullSerialQueueDropsWholeFrames() {
        var bridge = SessionBridge(localMAC: local, queueBytes: 8192)
        bridge.begin(client: client, sessionID: sessionID, now: 0)
        var frame = sessionFrame([0x00, 0x21] + [UInt8](repeating: 0x41, count: 1400))
        for _ in 0..<20 { _ = frame.withUnsafeMutableBytes { bridge.fromClient($0, length: $0.count, now: 1) } }
        XCTAssertGreaterThan(bridge.counters.modemQueueFull, 0)
        XCTAssertEqual(bridge.toModem.count % hdlc([0x00, 0x21] + [UInt8](repeating: 0x41, count: 1400)).count, 0,
                       "only whole frames are queued")
    }

    func testTheAllocationCounterSeesAllocations() {
        let before = pr_thread_allocation_count()
        let array = [Int](repeating: 1, count: Int.random(in: 100...200))
        XCTAssertGreaterThan(pr_thread_allocation_count(), before, "the counter must see an allocation (\(array.count))")
    }

    /// The per-frame path both ways, LCP echoes included, allocates nothing once running.
    func testBridgingAHundredThousandFramesEachWayAllocatesNothing() {
        var bridge = SessionBridge(localMAC: local, queueBytes: 1 << 20)
        bridge.begin(client: client, sessionID: sessionID, now: 0)
        let echo: [UInt8] = [0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0]
        let templates = [sessionFrame(ipv4), sessionFrame(echo)]
        let buffers = templates.map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16) }
        defer { buffers.forEach { $0.deallocate() } }
        let lineBytes = hdlc(ipv4) + hdlc(echo)
        let line = UnsafeMutableRawBufferPointer.allocate(byteCount: lineBytes.count, alignment: 16)
        defer { line.deallocate() }
        line.copyBytes(from: lineBytes)
        var sink = 0

        func run(_ rounds: Int) -> Int {
            var handled = 0
            for _ in 0..<rounds {
                for i in 0..<templates.count {
                    templates[i].withUnsafeBytes { buffers[i].baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    if bridge.fromClient(buffers[i], length: templates[i].count, now: 1) == .queued { handled += 1 }
                }
                bridge.toModem.removeAll()
                _ = bridge.fromModem(UnsafeRawBufferPointer(line)) { frame in
                    sink &+= frame.count
                    handled += 1
                }
            }
            return handled
        }

        XCTAssertEqual(run(1000), 4000, "warm-up: every frame crosses")
        let before = pr_thread_allocation_count()
        let handled = run(100_000)
        let allocations = pr_thread_allocation_count() - before
        XCTAssertEqual(handled, 400_000)
        XCTAssertEqual(allocations, 0, "\(allocations) allocations for \(handled) frames")
        XCTAssertGreaterThan(sink, 0)
    }
}

extension Array where Element == UInt8 {
    /// A LAN-side frame turned around: what the bridge sends toward the client.
    func replacingSource(_ source: MACAddress, destination: MACAddress) -> [UInt8] {
        destination.bytes + source.bytes + Array(self[12...])
    }
}
