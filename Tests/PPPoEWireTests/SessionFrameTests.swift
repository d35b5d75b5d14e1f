import PPPoEWire
import XCTest

final class SessionFrameTests: XCTestCase {
    /// A session frame carrying an LCP Echo-Request, padded to Ethernet's minimum.
    let frame: [UInt8] = [
        0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x88, 0x64, 0x11, 0x00, 0x00, 0x07, 0x00, 0x0A,
        0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0,
    ] + [UInt8](repeating: 0xEE, count: 30)

    func testReadsHeaderAndCutsPadding() throws {
        let view = try frame.withUnsafeBytes { try SessionFrame.read($0) }
        XCTAssertEqual(view.sessionID, 7)
        XCTAssertEqual(view.source, MACAddress("02:00:00:00:00:02"))
        XCTAssertEqual(view.destination, MACAddress("02:00:00:00:00:01"))
        XCTAssertEqual(view.frameLength, 30)
    }

    func testRewriteChangesOnlyAddressesAndSessionID() {
        var copy = frame
        copy.withUnsafeMutableBytes {
            SessionFrame.rewrite($0.baseAddress!, destination: MACAddress("aa:bb:cc:dd:ee:ff")!,
                                 source: MACAddress("11:22:33:44:55:66")!, sessionID: 0xBEEF)
        }
        XCTAssertEqual(Array(copy[0..<12]), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66])
        XCTAssertEqual(Array(copy[16..<18]), [0xBE, 0xEF])
        XCTAssertEqual(Array(copy[12..<16]), Array(frame[12..<16]))
        XCTAssertEqual(Array(copy[18...]), Array(frame[18...]))
    }

    func testNonZeroCodeIsRejected() {
        var bad = frame
        bad[15] = 0x09
        XCTAssertThrowsError(try bad.withUnsafeBytes { try SessionFrame.read($0) }) {
            XCTAssertEqual($0 as? WireError, .unknownCode(0x09))
        }
    }

    func testMACAddressText() {
        XCTAssertEqual(MACAddress("0A:1b:2c:3d:4e:5f")?.description, "0a:1b:2c:3d:4e:5f")
        XCTAssertNil(MACAddress("0a:1b:2c:3d:4e"))
        XCTAssertNil(MACAddress("0a:1b:2c:3d:4e:zz"))
        XCTAssertNil(MACAddress("0a:1b:2c:3d:4e:5f0"))
        XCTAssertTrue(MACAddress("01:00:5e:00:00:01")!.isGroup)
        XCTAssertFalse(MACAddress("02:00:5e:00:00:01")!.isGroup)
    }
}
