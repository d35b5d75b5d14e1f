import ArgumentParsing
import XCTest

/// Bad input is the normal case: random command lines, built from the tool's own words,
/// dashes, `=`, empty and non-ASCII words, end in a command, help, the version or one line
/// of error, never in a trap.
final class FuzzTests: XCTestCase {
    func testRandomCommandLinesNeverTrap() {
        let words = ["paint", "walls", "show", "clear", "forward", "help", "--wall", "--wall=", "--colour", "red", "pink",
                     "--coats", "0", "-1", "+2", "99999999999999999999", "--width", "nan", "--brush", "--even", "4",
                     "--dry", "--no-dry", "--dry=1", "--json", "--check", "--", "-", "---", "---x", "-h", "-help", "-xh",
                     "--help", "--version", "--=", "-=", "=", "", " ", "é", "--é", "-é", "\u{0}", "x=y", "--x=y=z"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...8, using: &generator)
            let arguments = (0..<count).map { _ in words.randomElement(using: &generator)! }
            switch outcome(arguments) {
            case let .usage(message):
                XCTAssertFalse(message.isEmpty, "\(arguments)")
                XCTAssertFalse(message.contains("\n") && !arguments.contains(where: { $0.contains("\n") }), "\(arguments)")
            case let .exit(.help(path)):
                _ = HelpText.render(tool, path: path, screenWidth: 80)
            default:
                break
            }
        }
    }
}
