import Foundation
import HDLCFraming
import XCTest

/// RFC 1662's framing against the RFC's own statements, an independent FCS written in Python
/// (bit by bit, no table), and random frames through encode → decode.
final class HDLCFramingTests: XCTestCase {
    func encode(_ frame: [UInt8], accm: ACCM = .all, addressAndControl: Bool = true) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: HDLCEncoder.worstCase(frame.count))
        let n = frame.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { HDLCEncoder.encode(input, into: $0, accm: accm, addressAndControl: addressAndControl) }
        }
        return Array(out[0..<(n ?? 0)])
    }

    func decodeAll(_ stream: [UInt8], decoder: inout HDLCDecoder) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        stream.withUnsafeBytes { input in
            var offset = 0
            while let frame = decoder.next(input, offset: &offset) { frames.append(Array(frame.bytes)) }
        }
        return frames
    }

    /// The CRC-16/X.25 check value (the FCS of RFC 1662, sent complemented) of "123456789".
    func testFCSOfTheStandardCheckString() {
        XCTAssertEqual(~FCS16.compute(Array("123456789".utf8)), 0x906E)
    }

    /// RFC 1662 §C.2: the FCS over a frame and its own (complemented, low byte first) FCS is 0xF0B8.
    func testFCSOverAFrameAndItsFCSIsTheGoodValue() {
        let frame: [UInt8] = [0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04]
        let fcs = ~FCS16.compute(frame)
        XCTAssertEqual(FCS16.compute(frame + [UInt8(fcs & 0xFF), UInt8(fcs >> 8)]), FCS16.good)
    }

    /// RFC 1662 §4.2: 0x7E goes as 7D 5E, 0x7D as 7D 5D, and a byte in the ACCM as 7D, byte ^ 0x20.
    func testEscapesAsRFC1662Says() {
        let encoded = encode([0x7E, 0x7D, 0x01, 0x41], accm: .all)
        XCTAssertEqual(Array(encoded[0..<3]), [0x7E, 0xFF, 0x7D])
        XCTAssertEqual(Array(encoded[3..<11]), [0x23, 0x7D, 0x5E, 0x7D, 0x5D, 0x7D, 0x21, 0x41])
        XCTAssertEqual(encoded.last, 0x7E)
        // With an empty map, control characters go as they are; flag and escape never do.
        let plain = encode([0x7E, 0x01, 0x11], accm: .none)
        XCTAssertEqual(Array(plain[1..<7]), [0xFF, 0x03, 0x7D, 0x5E, 0x01, 0x11])
    }

    func testLCPConfigureRequestMatchesAnIndependentEncoder() throws {
        // An LCP Configure-Request with ACCM 0 and a magic number, as pppd would send it.
        let frame: [UInt8] = [0xC0, 0x21, 0x01, 0x01, 0x00, 0x0E, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00,
                              0x05, 0x06, 0x12, 0x34, 0x56, 0x78]
        let python = try runPython(pythonEncoder + "import sys\nsys.stdout.write(encode(bytes.fromhex(sys.argv[1])).hex())\n",
                                   [Data(frame).map { String(format: "%02x", $0) }.joined()])
        XCTAssertEqual(encode(frame).map { String(format: "%02x", $0) }.joined(), python)
    }

    /// A thousand random inputs: our table-driven FCS equals Python's bit-by-bit one.
    func testFCSMatchesABitwisePythonImplementation() throws {
        var generator = SystemRandomNumberGenerator()
        let inputs = (0..<1000).map { _ in (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255) } }
        let hex = inputs.map { $0.map { String(format: "%02x", $0) }.joined() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fcs-inputs-\(getpid()).txt")
        try (hex.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let script = pythonEncoder + """
            import sys
            for line in open(sys.argv[1]).read().split("\\n")[:-1]:
                print("%04x" % fcs_bitwise(bytes.fromhex(line)))
            """
        let lines = try runPython(script, [path.path]).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, inputs.count)
        for (input, line) in zip(inputs, lines) {
            XCTAssertEqual(String(format: "%04x", FCS16.compute(input)), String(line), "input \(input)")
        }
    }

    func testRandomFramesSurviveEncodeThenDecodeUnderEveryMap() {
        var decoder = HDLCDecoder(capacity: 4096)
        var stream: [UInt8] = []
        var frames: [[UInt8]] = []
        for _ in 0..<2000 {
            let frame = [0x00, 0x21] + (0..<Int.random(in: 0...1600)).map { _ in UInt8.random(in: 0...255) }
            frames.append(frame)
            let accm = [ACCM.all, .none, ACCM(0x000A_0000)].randomElement()!
            stream += encode(frame, accm: accm)
        }
        // Delivered in random-sized chunks, as a serial line does.
        var decoded: [[UInt8]] = []
        var at = 0
        while at < stream.count {
            let end = min(stream.count, at + Int.random(in: 1...700))
            decoded += decodeAll(Array(stream[at..<end]), decoder: &decoder)
            at = end
        }
        XCTAssertEqual(decoded.count, frames.count)
        XCTAssertEqual(decoded, frames)
        XCTAssertEqual(decoder.badFCS, 0)
    }

    func testAddressAndControlMayBeCompressed() {
        var decoder = HDLCDecoder()
        let frame: [UInt8] = [0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0]
        let frames = decodeAll(encode(frame, addressAndControl: false), decoder: &decoder)
        XCTAssertEqual(frames, [frame])
    }

    func testCorruptionAbortAndOverflowAreCountedAndTheStreamRecovers() {
        var decoder = HDLCDecoder(capacity: 64)
        let good: [UInt8] = [0xC0, 0x21, 0x09, 0x07, 0x00, 0x04]
        var corrupt = encode(good)
        corrupt[5] ^= 0x01
        let aborted: [UInt8] = [0x7E, 0xFF, 0x03, 0xC0, 0x7D, 0x7E]
        let long: [UInt8] = encode([0x00, 0x21] + [UInt8](repeating: 0x41, count: 100))
        // Noise before the first flag (a modem's "CONNECT" line) is not a frame at all.
        var stream: [UInt8] = Array("CONNECT 115200\r\n".utf8)
        stream += corrupt
        stream += aborted
        stream += long
        stream += encode(good)
        XCTAssertEqual(decodeAll(stream, decoder: &decoder), [good])
        XCTAssertEqual(decoder.badFCS, 1)
        XCTAssertEqual(decoder.aborted, 1)
        XCTAssertEqual(decoder.tooLong, 1)
    }

    func testControlCharactersInTheReceiveMapAreIgnored() {
        var decoder = HDLCDecoder(receiveACCM: ACCM(1 << 0x11 | 1 << 0x13))
        let frame: [UInt8] = [0x00, 0x21, 0x45, 0x00]
        var stream = encode(frame)
        // XON/XOFF inserted by a DCE's flow control.
        stream.insert(0x11, at: 4)
        stream.insert(0x13, at: 2)
        XCTAssertEqual(decodeAll(stream, decoder: &decoder), [frame])
    }

    func testEncodeRefusesABufferTooSmall() {
        var out = [UInt8](repeating: 0, count: 8)
        let frame: [UInt8] = [0x7E, 0x7E, 0x7E, 0x7E]
        let n = frame.withUnsafeBytes { input in out.withUnsafeMutableBytes { HDLCEncoder.encode(input, into: $0) } }
        XCTAssertNil(n)
    }

    // MARK: Python, not ours

    let pythonEncoder = """
        def fcs_bitwise(data):
            fcs = 0xFFFF
            for byte in data:
                fcs ^= byte
                for _ in range(8):
                    fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
            return fcs

        def encode(frame):
            body = b"\\xff\\x03" + frame
            fcs = fcs_bitwise(body) ^ 0xFFFF
            body += bytes([fcs & 0xFF, fcs >> 8])
            out = bytearray(b"\\x7e")
            for b in body:
                out += bytes([0x7D, b ^ 0x20]) if b < 0x20 or b in (0x7D, 0x7E) else bytes([b])
            return bytes(out + b"\\x7e")

        """

    func runPython(_ script: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("/usr/bin/python3 is needed for the independent implementation")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
