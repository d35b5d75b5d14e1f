#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSON
import XCTest

/// The strict reader: what it accepts, what it refuses and why, and that what it reads is what
/// the writer wrote.
final class ReaderTests: XCTestCase {
    private func read(_ text: String, limits: JSONLimits = JSONLimits()) throws -> JSONValue {
        try JSONReader.read(Array(text.utf8), limits: limits)
    }

    private func refusal(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) -> JSONError? {
        do {
            _ = try JSONReader.read(bytes, limits: limits)
            return nil
        } catch { return error }
    }

    private func assertRefused(_ text: String, _ reason: String, limits: JSONLimits = JSONLimits(),
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let error = refusal(Array(text.utf8), limits: limits) else {
            return XCTFail("accepted \(text)", file: file, line: line)
        }
        XCTAssertTrue(error.description.contains(reason), "\(text): \(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
    }

    func testAcceptsEveryKindOfValue() throws {
        XCTAssertEqual(try read(#" {"a": [1, -0, 2.5e-3, 1E+2, true, false, null, "x"], "b": {}} "#), .object([
            JSONMember("a", .array([.number("1"), .number("-0"), .number("2.5e-3"), .number("1E+2"), .bool(true),
                                    .bool(false), .null, .string("x")])),
            JSONMember("b", .object([])),
        ]))
        XCTAssertEqual(try read("\u{FEFF}[]"), .array([]), "a UTF-8 byte order mark may lead")
        XCTAssertEqual(try read("\"\""), .string(""))
        XCTAssertEqual(try read("0"), .number("0"))
    }

    func testResolvesEscapesAndSurrogatePairs() throws {
        XCTAssertEqual(try read(#""\"\\\/\b\f\n\r\t\u0000\u00e9\u00E9\ud83d\ude00""#),
                       .string("\"\\/\u{8}\u{C}\n\r\t\u{0}éé😀"))
        XCTAssertEqual(try read("\"é😀\u{2028}\""), .string("é😀\u{2028}"), "raw UTF-8 stays as it is")
    }

    func testRefusesWhatIsNotJSON() {
        assertRefused("", "ends where a value should be")
        assertRefused("  ", "ends where a value should be")
        assertRefused("{} x", "unexpected text after the document")
        assertRefused("{}{}", "unexpected text after the document")
        assertRefused("[1,]", "where a value should be")
        assertRefused("{\"a\":1,}", "expected a key")
        assertRefused("{'a':1}", "expected a key")
        assertRefused("{\"a\" 1}", "expected \":\"")
        assertRefused("[1 2]", "expected \",\" or \"]\"")
        assertRefused("01", "leading zeros")
        assertRefused("-01", "leading zeros")
        assertRefused("+1", "unexpected \"+\"")
        assertRefused(".5", "unexpected \".\"")
        assertRefused("1.", "digit after \".\"")
        assertRefused("1e", "digit in its exponent")
        assertRefused("-", "digit after \"-\"")
        assertRefused("NaN", "unexpected \"N\"")
        assertRefused("tru", "unexpected \"t\"")
        assertRefused("nul", "unexpected \"n\"")
        assertRefused("\"abc", "not closed")
        assertRefused(#""\x41""#, "is not a JSON escape")
        assertRefused(#""\u12""#, "four hex digits")
        assertRefused(#""\ud83d""#, "half of a surrogate pair")
        assertRefused(#""\ud83dx""#, "half of a surrogate pair")
        assertRefused(#""\ud83d\u0041""#, "half of a surrogate pair")
        assertRefused(#""\ude00""#, "half of a surrogate pair")
        assertRefused("\"a\tb\"", "control character (0x09)")
        assertRefused("\"a\nb\"", "control character (0x0a)")
        assertRefused(#"{"a": 1, "a": 2}"#, "the key \"a\" appears twice")
    }

    func testRefusesInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
                               [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3],
                               [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22]] {
            let error = refusal(bytes)
            XCTAssertNotNil(error, "\(bytes)")
            XCTAssertTrue(error?.reason.contains("UTF-8") ?? false, "\(error.map(String.init(describing:)) ?? "")")
        }
    }

    func testLimitsBoundDepthAndSize() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        assertRefused(deep, "nested deeper than 64")
        XCTAssertNoThrow(try read(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))
        // Far deeper than any stack would take, refused long before.
        assertRefused(String(repeating: "[", count: 1_000_000), "nested deeper than 64")
        assertRefused("[1, 2, 3]", "longer than 8 bytes", limits: JSONLimits(maxBytes: 8))
    }

    func testASyntaxErrorSaysWhere() {
        let error = refusal(Array("{\n  \"a\": 1,\n  \"b\": tru\n}".utf8))
        XCTAssertEqual(error?.kind, .syntax(line: 3, column: 8))
        XCTAssertEqual(error?.description, "not valid JSON: unexpected \"t\" where a value should be (line 3, column 8)")
    }

    /// Everything Foundation's JSONSerialization reads, this reader reads to the same value,
    /// and what it writes reads back the same.
    func testRoundTripsRandomDocuments() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let value = randomValue(depth: 0, &generator)
            for format in [JSONFormat(), .document, .line, JSONFormat(prettyPrinted: true, escapesSlashes: false)] {
                let bytes = JSONWriter.write(value, format: format)
                let back = try JSONReader.read(bytes)
                XCTAssertEqual(format.sortedKeys ? sorted(back) : back, format.sortedKeys ? sorted(value) : value)
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
                                 "Foundation reads what we write")
            }
        }
    }

    private func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .array(elements): .array(elements.map(sorted))
        case let .object(members): .object(members.map { JSONMember($0.key, sorted($0.value)) }
                                            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        default: value
        }
    }

    private func randomValue(depth: Int, _ generator: inout SystemRandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator) {
        case 0: return .string(FoundationParityTests.randomString(&generator))
        case 1: return .number(String(Int64.random(in: .min ... .max, using: &generator)))
        case 2:
            let value = Double(bitPattern: generator.next())
            return try! value.isFinite ? value.jsonValue() : .number("0")
        case 3: return .bool(Bool.random(using: &generator))
        case 4: return .null
        case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        default:
            var members: [JSONMember] = []
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                let key = FoundationParityTests.randomString(&generator)
                guard !members.contains(where: { $0.key == key }) else { continue }
                members.append(JSONMember(key, randomValue(depth: depth + 1, &generator)))
            }
            return .object(members)
        }
    }
}
