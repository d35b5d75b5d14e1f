import PlainText
import XCTest

/// The text helpers that replaced Foundation's and the string-processing library's.
final class TextTests: XCTestCase {
    func testTrimmingWhitespace() {
        XCTAssertEqual(" \t value=1\r\n".trimmingWhitespace, "value=1")
        XCTAssertEqual(" \n ".trimmingWhitespace, "")
        XCTAssertEqual("a b".trimmingWhitespace, "a b")
    }

    func testContainsSubstring() {
        XCTAssertTrue("hook value=0 now".contains(substring: "value=0"))
        XCTAssertFalse("hook value=1".contains(substring: "value=0"))
        XCTAssertTrue("abc".contains(substring: ""))
        XCTAssertFalse("ab".contains(substring: "abc"))
        XCTAssertTrue("disabled".contains(substring: "disabled"))
        XCTAssertTrue("Grüße, AC".contains(substring: "üße"))
    }

    func testReplacingEveryOccurrence() {
        XCTAssertEqual("say \"hi\" \"x\"".replacing(every: "\"", with: "\\\""), "say \\\"hi\\\" \\\"x\\\"")
        XCTAssertEqual("aaa".replacing(every: "aa", with: "b"), "ba", "left to right, without overlaps")
        XCTAssertEqual("abc".replacing(every: "", with: "x"), "abc")
        XCTAssertEqual("".replacing(every: "a", with: "b"), "")
        XCTAssertEqual("é-é".replacing(every: "é", with: "e"), "e-e")
    }

    /// The same answers as the standard library's own, on random ASCII text.
    func testAgreesWithTheStringProcessingLibraryOnRandomText() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab\"\\ ")
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let needle = String((0..<Int.random(in: 1...3, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            XCTAssertEqual(text.contains(substring: needle), text.contains(needle), "\(text) / \(needle)")
            XCTAssertEqual(text.replacing(every: needle, with: "#"), text.replacing(needle, with: "#"), "\(text) / \(needle)")
        }
    }
}
