@testable import Offload
import PPPoEWire
import XCTest

/// The bytes the kernel dataplane's map holds: what the one load of the rule compares, and what
/// its one write puts in front of the frame.
final class OffloadLayoutTests: XCTestCase {
    let client = MACAddress("0e:00:00:00:00:c1")!
    let ac = MACAddress("0e:00:00:00:00:ac")!
    let wan = MACAddress("02:00:00:00:00:0a")!

    /// A session frame from `source` on `session`: the 12 bytes from offset 6 are the key.
    func frame(from source: MACAddress, to destination: MACAddress, session: UInt16) -> [UInt8] {
        destination.bytes + source.bytes + [0x88, 0x64, 0x11, 0x00, UInt8(session >> 8), UInt8(session & 0xFF), 0, 2, 0xC0, 0x21]
    }

    func testTheKeyIsTheTwelveBytesAtOffsetSixOfASessionFrame() {
        let key = OffloadLayout.key(mac: client, session: 0x1234)
        XCTAssertEqual(key.count, OffloadLayout.keyLength)
        XCTAssertEqual(key, Array(frame(from: client, to: wan, session: 0x1234)[6..<18]))
    }

    func testAKeyReadsBackAndAnythingElseDoesNot() {
        let key = OffloadLayout.key(mac: client, session: 0xBEEF)
        let parsed = OffloadLayout.parseKey(key)
        XCTAssertEqual(parsed?.0, client)
        XCTAssertEqual(parsed?.1, 0xBEEF)
        XCTAssertNil(OffloadLayout.parseKey(Array(key.dropLast())), "short")
        XCTAssertNil(OffloadLayout.parseKey(key + [0]), "long")
        var discovery = key
        discovery[7] = 0x63
        XCTAssertNil(OffloadLayout.parseKey(discovery), "a discovery frame's bytes are no session key")
        var coded = key
        coded[9] = 0x09
        XCTAssertNil(OffloadLayout.parseKey(coded), "session frames carry code 0")
    }

    func testTheDataRewritesTheHeaderAndNamesTheEgressInHostOrder() {
        let element = OffloadLayout.element(from: ac, session: 7, to: client, as: wan, session: 0x0102, via: 0x0A0B0C0D)
        XCTAssertEqual(element.key, OffloadLayout.key(mac: ac, session: 7))
        XCTAssertEqual(element.data.count, OffloadLayout.dataLength)

        // Written over the first 18 bytes, the data turns the AC's frame into the client's.
        var rewritten = frame(from: ac, to: wan, session: 7)
        rewritten.replaceSubrange(0..<OffloadLayout.rewriteLength, with: element.data[0..<OffloadLayout.rewriteLength])
        XCTAssertEqual(rewritten, frame(from: wan, to: client, session: 0x0102))

        // Two bytes of padding, then the ifindex in the register `fwd` reads, in host order.
        XCTAssertEqual(Array(element.data[18..<20]), [0, 0])
        let registerStart = Int(OffloadLayout.egressRegisterOffset) * 4
        XCTAssertEqual(registerStart, 20)
        let index = element.data[registerStart..<(registerStart + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        XCTAssertEqual(index, 0x0A0B0C0D)
    }
}

/// The comment the kernel dataplane's table carries, which a second relay reads to say who
/// holds the namespace.
final class OwnerCommentTests: XCTestCase {
    func testTheCommentReadsBackAsThePid() {
        XCTAssertEqual(KernelDataplane.pid(fromComment: KernelDataplane.ownerComment(pid: 4242)), 4242)
        XCTAssertEqual(KernelDataplane.ownerComment(pid: 7), [0, 18] + Array("pppoe-relay pid 7".utf8) + [0])
    }

    func testAnythingElseIsNoPid() {
        for data: [UInt8] in [[], [0], [1, 3, 0x31, 0x32, 0], [0, 40] + Array("pppoe-relay pid 7".utf8),
                              [0, 8] + Array("nft pid 7".utf8), [0, 18] + Array("pppoe-relay pid x".utf8) + [0]] {
            XCTAssertNil(KernelDataplane.pid(fromComment: data), "\(data)")
        }
    }

    /// A kernel count becomes whole frames (14 bytes of Ethernet header each), saturating: a
    /// table holding counts near 2^64 (nft creates counters with any value) must not trap.
    func testKernelCountsBecomeFramesWithoutOverflow() {
        let normal = OffloadLayout.frameCount(packets: 10, bytes: 1000)
        XCTAssertEqual(normal.packets, 10)
        XCTAssertEqual(normal.bytes, 1140)
        XCTAssertEqual(OffloadLayout.frameCount(packets: 1, bytes: .max - 2).bytes, .max)
        XCTAssertEqual(OffloadLayout.frameCount(packets: .max, bytes: 0).bytes, .max)
    }
}
