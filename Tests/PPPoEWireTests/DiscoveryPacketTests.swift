import PPPoEWire
import XCTest

final class DiscoveryPacketTests: XCTestCase {
    let client = MACAddress("ca:50:3c:c3:35:be")!
    let server = MACAddress("2a:e7:f4:80:25:12")!

    func testGoldenPADI() throws {
        let packet = try DiscoveryPacket(parsing: GoldenFrames.padi)
        XCTAssertEqual(packet.code, .padi)
        XCTAssertEqual(packet.destination, .broadcast)
        XCTAssertEqual(packet.source, client)
        XCTAssertEqual(packet.sessionID, 0)
        XCTAssertEqual(packet.tags, [Tag(.serviceName), Tag(.hostUniq, text: "96c")])
    }

    func testGoldenPADO() throws {
        let packet = try DiscoveryPacket(parsing: GoldenFrames.pado)
        XCTAssertEqual(packet.code, .pado)
        XCTAssertEqual(packet.source, server)
        XCTAssertEqual(packet.destination, client)
        XCTAssertEqual(packet.tag(.acName)?.text, "TestAC")
        XCTAssertEqual(packet.tag(.serviceName)?.text, "isp")
        XCTAssertEqual(packet.tag(.acCookie)?.value.count, 20)
        XCTAssertEqual(packet.tag(.hostUniq)?.text, "96c")
    }

    func testGoldenPADRAndPADS() throws {
        let padr = try DiscoveryPacket(parsing: GoldenFrames.padr)
        XCTAssertEqual(padr.code, .padr)
        XCTAssertEqual(padr.destination, server)
        let pado = try DiscoveryPacket(parsing: GoldenFrames.pado)
        XCTAssertEqual(padr.tag(.acCookie), pado.tag(.acCookie), "the client echoes the AC-Cookie")
        let pads = try DiscoveryPacket(parsing: GoldenFrames.pads)
        XCTAssertEqual(pads.code, .pads)
        XCTAssertEqual(pads.sessionID, 2)
    }

    func testGoldenFramesRoundTripByteForByte() throws {
        for frame in GoldenFrames.all {
            XCTAssertEqual(try DiscoveryPacket(parsing: frame).serialized(), frame)
        }
    }

    func testEthernetPaddingIsIgnored() throws {
        let padded = GoldenFrames.padi + [UInt8](repeating: 0, count: 60 - GoldenFrames.padi.count)
        let packet = try DiscoveryPacket(parsing: padded)
        XCTAssertEqual(packet, try DiscoveryPacket(parsing: GoldenFrames.padi))
        XCTAssertEqual(packet.serialized(), GoldenFrames.padi)
    }

    func testEveryRFCTagAndUnknownTagsSurviveARoundTrip() throws {
        let tags = [
            Tag(.serviceName, text: "isp"), Tag(.acName, text: "ac"), Tag(.hostUniq, [1, 2, 3, 4]),
            Tag(.acCookie, [9, 9]), Tag(.vendorSpecific, [0, 0, 0x0d, 0xe9, 1]), Tag(.relaySessionID, Array(0..<12)),
            Tag(.pppMaxPayload, [0x05, 0xdc]), Tag(.serviceNameError, text: "no"), Tag(.acSystemError, text: "busy"),
            Tag(.genericError, text: "oops"), Tag(TagType(rawValue: 0x7777), [0xde, 0xad]), Tag(.endOfList),
        ]
        let packet = DiscoveryPacket(destination: server, source: client, code: .pads, sessionID: 0x1234, tags: tags)
        let parsed = try DiscoveryPacket(parsing: packet.serialized())
        XCTAssertEqual(parsed, packet)
        XCTAssertEqual(parsed.tag(.pppMaxPayload)?.maxPayload, 1500)
        XCTAssertEqual(parsed.tag(TagType(rawValue: 0x7777))?.value, [0xde, 0xad])
    }

    func testTagsAfterEndOfListAreNotRead() throws {
        var bytes = DiscoveryPacket(destination: server, source: client, code: .padi,
                                    tags: [Tag(.serviceName), Tag(.endOfList), Tag(.hostUniq, [1])]).serialized()
        bytes[19] = UInt8(bytes.count - 20)
        let parsed = try DiscoveryPacket(parsing: bytes)
        XCTAssertEqual(parsed.tags, [Tag(.serviceName), Tag(.endOfList)])
    }

    func testSetTagGoesInFrontOfEndOfList() {
        var packet = DiscoveryPacket(destination: server, source: client, code: .padi, tags: [Tag(.serviceName), Tag(.endOfList)])
        packet.setTag(Tag(.relaySessionID, [1]))
        XCTAssertEqual(packet.tags.map(\.type), [.serviceName, .relaySessionID, .endOfList])
        packet.setTag(Tag(.relaySessionID, [2]))
        XCTAssertEqual(packet.tag(.relaySessionID)?.value, [2], "replaced, not added twice")
        XCTAssertEqual(packet.tags.count, 3)
    }

    func testTypedErrors() {
        XCTAssertThrowsError(try DiscoveryPacket(parsing: Array(GoldenFrames.padi.prefix(19)))) {
            XCTAssertEqual($0 as? WireError, .truncated(needed: 20, available: 19))
        }
        var wrongType = GoldenFrames.padi
        wrongType[13] = 0x64
        XCTAssertThrowsError(try DiscoveryPacket(parsing: wrongType)) {
            XCTAssertEqual($0 as? WireError, .wrongEtherType(0x8864))
        }
        var wrongVersion = GoldenFrames.padi
        wrongVersion[14] = 0x21
        XCTAssertThrowsError(try DiscoveryPacket(parsing: wrongVersion)) {
            XCTAssertEqual($0 as? WireError, .wrongVersionType(0x21))
        }
        var unknownCode = GoldenFrames.padi
        unknownCode[15] = 0x42
        XCTAssertThrowsError(try DiscoveryPacket(parsing: unknownCode)) {
            XCTAssertEqual($0 as? WireError, .unknownCode(0x42))
        }
        var longLength = GoldenFrames.padi
        longLength[19] = 200
        XCTAssertThrowsError(try DiscoveryPacket(parsing: longLength)) {
            XCTAssertEqual($0 as? WireError, .lengthBeyondFrame(declared: 200, available: 11))
        }
        var longTag = GoldenFrames.padi
        longTag[27] = 9 // Host-Uniq claims 9 bytes, 3 are there
        XCTAssertThrowsError(try DiscoveryPacket(parsing: longTag)) {
            XCTAssertEqual($0 as? WireError, .tagBeyondPayload(type: 0x0103, offset: 4))
        }
        var halfTag = GoldenFrames.padi + [0x01]
        halfTag[19] = 12 // a payload ending one byte into a tag header
        XCTAssertThrowsError(try DiscoveryPacket(parsing: halfTag)) {
            XCTAssertEqual($0 as? WireError, .tagBeyondPayload(type: 0, offset: 11))
        }
    }
}
