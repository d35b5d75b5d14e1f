import ArgumentParsing
import XCTest

/// Bad input is the normal case: random command lines, built from the tool's own words,
/// dashes, `=`, empty and non-ASCII words, end in a command, help, the version or one line
/// of error, never in a trap. Seeded, so that a failure names a command line that fails again.
final class FuzzTests: XCTestCase {
    /// SplitMix64: small, fast, and the same sequence on every machine.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let words = ["paint", "walls", "show", "clear", "forward", "help", "--wall", "--wall=", "--colour", "red", "pink",
                        "--coats", "0", "-1", "+2", "99999999999999999999", "--width", "nan", "--brush", "--even", "4",
                        "--dry", "--no-dry", "--dry=1", "--json", "--check", "--", "-", "---", "---x", "-h", "-help", "-xh",
                        "--help", "--version", "--=", "-=", "=", "", " ", "é", "--é", "-é", "\u{0}", "x=y", "--x=y=z",
                        "e\u{301}", "-\u{301}", "\n"]

    func randomLine(_ generator: inout SeededGenerator) -> [String] {
        (0..<Int.random(in: 0...8, using: &generator)).map { _ in Self.words.randomElement(using: &generator)! }
    }

    func testRandomCommandLinesNeverTrap() {
        var generator = SeededGenerator(state: 2026)
        for _ in 0..<20_000 {
            let arguments = randomLine(&generator)
            switch outcome(arguments) {
            case let .usage(message):
                XCTAssertFalse(message.isEmpty, "\(arguments)")
                XCTAssertTrue(!message.contains("\n") || arguments.contains(where: { $0.contains("\n") }), "\(arguments)")
            case let .exit(.help(path)):
                _ = HelpText.render(tool, path: path, screenWidth: 80)
            default:
                break
            }
        }
    }

    func testRandomArgumentsHandedOnNeverTrap() {
        var generator = SeededGenerator(state: 6)
        for _ in 0..<5_000 {
            let arguments = randomLine(&generator)
            do throws(CommandLineExit) {
                _ = try CommandLineParser.parse(Paint.self, arguments: arguments)
            } catch {
                guard case let .usage(problem) = error else { return XCTFail("\(arguments): \(error)") }
                _ = ErrorText.render(tool, path: ["paint"], error: problem)
            }
        }
    }
}
