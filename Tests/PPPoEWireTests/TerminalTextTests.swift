import Foundation
import PPPoEWire
import XCTest

/// Names from the wire shown to people: nothing a terminal would act on survives.
final class TerminalTextTests: XCTestCase {
    func testControlCharactersBecomeVisibleEscapes() {
        XCTAssertEqual(TerminalText.escaped("AC\u{1B}[2J\nfake line\r\t"), "AC\\e[2J\\nfake line\\r\\t")
        XCTAssertEqual(TerminalText.escaped("\u{0}\u{7}\u{7F}"), "\\x00\\x07\\x7f")
        XCTAssertEqual(TerminalText.escaped("a\u{9B}31mb\u{85}"), "a\\u{9b}31mb\\u{85}", "C1 controls (CSI, NEL)")
        XCTAssertEqual(TerminalText.escaped("x\u{202E}cod.exe\u{2066}\u{2028}"), "x\\u{202e}cod.exe\\u{2066}\\u{2028}")
    }

    /// Two ACs whose names differ only in invisible characters must not look the same.
    func testFormatAndDefaultIgnorableCharactersAreEscapedInTextAndJSON() throws {
        XCTAssertEqual(TerminalText.escaped("Lab\u{200B}AC\u{FEFF}"), "Lab\\u{200b}AC\\u{feff}")
        XCTAssertEqual(TerminalText.escaped("a\u{034F}b\u{180E}c\u{AD}"), "a\\u{34f}b\\u{180e}c\\u{ad}")
        XCTAssertEqual(TerminalText.escaped("isp\u{E0001}\u{E0041}\u{E007F}"), "isp\\u{e0001}\\u{e0041}\\u{e007f}")
        let name = "Lab\u{200B}AC\u{E0041}\u{034F}"
        let json = try JSONEncoder().encode(["ac_name": name])
        let safe = String(decoding: TerminalText.escapingJSON(Array(json)), as: UTF8.self)
        XCTAssertEqual(safe, #"{"ac_name":"Lab\u200bAC\udb40\udc41\u034f"}"#, "past U+FFFF as a surrogate pair")
        XCTAssertFalse(safe.unicodeScalars.contains { $0.value > 0x7F }, "nothing invisible left raw: \(safe)")
        let decoded = try JSONSerialization.jsonObject(with: Data(safe.utf8)) as? [String: String]
        XCTAssertEqual(decoded?["ac_name"], name, "the same string to a JSON parser")
    }

    /// The escaped set is written as ranges (the router build may lack Unicode's tables): every
    /// scalar the standard library calls a format character (Cf) or default-ignorable is in it,
    /// and nothing else is, apart from the controls and the line and paragraph separators.
    func testTheEscapedRangesAreExactlyUnicodesFormatAndDefaultIgnorableCharacters() {
        var missing: [String] = [], extra: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let properties = scalar.properties
            let invisible = properties.generalCategory == .format || properties.isDefaultIgnorableCodePoint
            let control = properties.generalCategory == .control || value == 0x2028 || value == 0x2029
            let escaped = TerminalText.escaped(String(Character(scalar))) != String(Character(scalar))
            if invisible && !escaped { missing.append(String(value, radix: 16)) }
            if escaped && !invisible && !control { extra.append(String(value, radix: 16)) }
        }
        XCTAssertEqual(missing, [], "format or default-ignorable, shown raw")
        XCTAssertEqual(extra, [], "escaped without being format, default-ignorable or a control")
    }

    func testOrdinaryNamesAreUntouched() {
        for name in ["LabAC", "Zürich-BRAS 7", "東京-ac", "isp\\backslash", "emoji 🛰"] {
            XCTAssertEqual(TerminalText.escaped(name), name)
        }
    }

    func testInvalidUTF8IsShownByteForByte() {
        // A stray byte, a valid é, an overlong NUL, a surrogate, a truncated sequence.
        let bytes: [UInt8] = [0x41, 0xFF, 0xC3, 0xA9, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xE2, 0x82]
        XCTAssertEqual(TerminalText.decoding(bytes), "A\\xffé\\xc0\\x80\\xed\\xa0\\x80\\xe2\\x82")
        XCTAssertEqual(TerminalText.decoding(Array("plain".utf8)), "plain")
        XCTAssertEqual(TerminalText.decoding([0xF4, 0x90, 0x80, 0x80]), "\\xf4\\x90\\x80\\x80", "past U+10FFFF")
        XCTAssertEqual(Tag(.acName, [0x61, 0x1B, 0xFE]).text, "a\u{1B}\\xfe")
        XCTAssertEqual(TerminalText.escaped(Tag(.acName, [0x61, 0x1B, 0xFE]).text), "a\\e\\xfe")
    }

    func testJSONStaysValidAndCarriesTheSameStringWithoutRawControls() throws {
        let name = "AC\u{1B}[2J\n\u{9B}1m\u{7F}\u{202E}é"
        let json = try JSONEncoder().encode(["ac_name": name])
        let safe = TerminalText.escapingJSON(Array(json))
        let decoded = try JSONSerialization.jsonObject(with: Data(safe)) as? [String: String]
        XCTAssertEqual(decoded?["ac_name"], name, "the same string to a JSON parser")
        let text = String(decoding: safe, as: UTF8.self)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" },
                       "no raw control in \(text)")
        XCTAssertTrue(text.contains("\\u009b"), text)
        XCTAssertTrue(text.contains("é"), "ordinary text stays as it is")
    }

    func testRandomBytesNeverLeaveAControlCharacter() {
        var state: UInt64 = 0x7E47
        for _ in 0..<2000 {
            let bytes = (0..<Int(state % 24)).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let shown = TerminalText.escaped(TerminalText.decoding(bytes))
            XCTAssertFalse(shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(bytes)")
        }
    }
}
