import PPPoEWire
import TestSupport
import XCTest

/// Random and mutated frames: the parser must answer every one with a valid packet or a
/// typed error, never a trap, and whatever it accepts must survive a round trip.
final class RandomFrameTests: XCTestCase {
    func testRandomBytesNeverTrap() {
        var random = SplitMix64(seed: 0x5EED_0001)
        var parsed = 0
        for _ in 0..<20_000 {
            var frame = (0..<Int(random.next() % 80)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if frame.count >= 20, random.next() % 2 == 0 {
                // Give half of them a plausible header and length so the tag parser gets exercised too.
                frame[12] = 0x88; frame[13] = 0x63; frame[14] = 0x11
                frame[15] = DiscoveryCode.allCases[Int(random.next() % 7)].rawValue
                frame[18] = 0
                frame[19] = UInt8(random.next() % UInt64(frame.count - 19))
            }
            if checkInvariant(frame) { parsed += 1 }
        }
        XCTAssertGreaterThan(parsed, 0, "some random frames should have been valid")
    }

    func testMutatedGoldenFramesNeverTrap() {
        var random = SplitMix64(seed: 0x5EED_0002)
        var outcomes = (valid: 0, invalid: 0)
        for _ in 0..<20_000 {
            var frame = GoldenFrames.all[Int(random.next() % 4)]
            for _ in 0..<(1 + random.next() % 4) {
                switch random.next() % 4 {
                case 0: frame[Int(random.next() % UInt64(frame.count))] = UInt8(truncatingIfNeeded: random.next())
                case 1: frame = Array(frame.prefix(Int(random.next() % UInt64(frame.count + 1))))
                case 2: frame.append(UInt8(truncatingIfNeeded: random.next()))
                default: if frame.count > 19 { frame[18 + Int(random.next() % 2)] = UInt8(truncatingIfNeeded: random.next()) }
                }
                if frame.isEmpty { break }
            }
            if checkInvariant(frame) { outcomes.valid += 1 } else { outcomes.invalid += 1 }
        }
        XCTAssertGreaterThan(outcomes.valid, 0)
        XCTAssertGreaterThan(outcomes.invalid, 0)
    }

    func testRandomSessionFramesNeverTrap() {
        var random = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<20_000 {
            var frame = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if frame.count >= 20 { frame[12] = 0x88; frame[13] = 0x64; frame[14] = 0x11; frame[15] = 0 }
            frame.withUnsafeBytes { raw in
                // Typed throws: the only way out other than a valid view is a WireError.
                do throws(WireError) {
                    let view = try SessionFrame.read(raw)
                    XCTAssertGreaterThanOrEqual(raw.count, 20)
                    XCTAssertEqual(view.frameLength, 20 + (Int(raw[18]) << 8 | Int(raw[19])))
                    XCTAssertLessThanOrEqual(view.frameLength, raw.count)
                } catch {
                    // The header is forced to a session header of code 0 from 20 bytes on, so the
                    // only errors these frames can earn are a short frame and a length past its end.
                    switch error {
                    case let .truncated(needed, available):
                        XCTAssertEqual(needed, 20)
                        XCTAssertEqual(available, raw.count)
                        XCTAssertLessThan(raw.count, 20)
                    case let .lengthBeyondFrame(declared, available):
                        XCTAssertGreaterThanOrEqual(raw.count, 20)
                        XCTAssertEqual(declared, Int(raw[18]) << 8 | Int(raw[19]))
                        XCTAssertEqual(available, raw.count - 20)
                        XCTAssertGreaterThan(declared, available)
                    default:
                        XCTFail("\(error) for a \(raw.count)-byte frame with a session header")
                    }
                }
            }
        }
    }

    /// True when the frame parsed; then it must re-encode to something that parses the same.
    private func checkInvariant(_ frame: [UInt8]) -> Bool {
        do {
            let packet = try DiscoveryPacket(parsing: frame)
            XCTAssertEqual(try DiscoveryPacket(parsing: packet.serialized()), packet)
            return true
        } catch {
            return false
        }
    }
}
