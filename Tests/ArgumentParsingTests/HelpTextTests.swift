@testable import ArgumentParsing
import XCTest

/// Help as swift-argument-parser lays it out: the goldens check relayctl's; these the parts
/// relayctl does not use (positionals, inversions, default subcommands, narrow screens).
final class HelpTextTests: XCTestCase {
    func testALeafCommand() {
        XCTAssertEqual(HelpText.render(tool, path: ["paint"], screenWidth: 80), """
            OVERVIEW: Paint a wall.

            Walls are painted from left to right, one coat after another, until the paint
            runs out.

            USAGE: tool paint --wall <wall> [--colour <colour>] [--coats <coats>] [--width <width>] [--brush <brush> ...] [--even <even>] [--dry] [--no-dry] [--json] [<room>]

            ARGUMENTS:
              <room>                  The room.

            OPTIONS:
              --wall <wall>           The wall to paint.
              --colour <colour>       The colour. (values: red, green, blue; default: red)
              --coats <coats>         Coats of paint. (default: 2)
              --width <width>         Metres. (default: 1.0)
              --brush <brush>         A brush to use (repeatable).
              --even <even>           An even number.
              --dry/--no-dry          Wait until dry.
              --json                  Print JSON instead of text.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testAGroupWithADefaultSubcommand() {
        XCTAssertEqual(HelpText.render(tool, path: ["walls"], screenWidth: 80), """
            OVERVIEW: Look at walls.

            USAGE: tool walls <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              show (default)          Show the walls.
              clear                   Clear the walls.

              See 'tool help walls <subcommand>' for detailed help.
            """)
    }

    func testTheHelpCommandsOwnHelp() {
        XCTAssertEqual(HelpText.render(tool, path: ["help"], screenWidth: 80), """
            OVERVIEW: Show subcommand help information.

            USAGE: tool help [<subcommands> ...]

            ARGUMENTS:
              <subcommands>

            OPTIONS:
              --version               Show the version.

            """)
    }

    func testWrapping() {
        XCTAssertEqual(TextWrapping.wrap("aaa bbb ccc", width: 8), "aaa bbb\nccc")
        // A line breaks at the last space among its first `width` characters, so a word that
        // ends exactly at the width moves on, as swift-argument-parser has it.
        XCTAssertEqual(TextWrapping.wrap("aaa bbb ccc", width: 7), "aaa\nbbb ccc")
        XCTAssertEqual(TextWrapping.wrap("aaa bbb ccc", width: 6), "aaa\nbbb\nccc")
        XCTAssertEqual(TextWrapping.wrap("abcdefgh ij", width: 4), "abcdefgh\nij", "a long word stands alone")
        XCTAssertEqual(TextWrapping.wrap("ab\n\ncd", width: 10), "ab\n\ncd")
        XCTAssertEqual(TextWrapping.wrap("aaa bbb", width: 6, indent: 2), "  aaa\n  bbb")
        XCTAssertEqual(TextWrapping.wrap("aaa", width: 2, indent: 2), "", "no room")
        XCTAssertEqual(TextWrapping.wrap("", width: 80), "")
    }

    /// Any width, however narrow or absurd, renders without trapping.
    func testEveryWidthRenders() {
        for width in [-5, 0, 1, 2, 10, 25, 26, 27, 40, 1000] {
            for path in [[], ["paint"], ["walls"], ["walls", "clear"], ["help"], ["forward"]] {
                _ = HelpText.render(tool, path: path, screenWidth: width)
            }
        }
    }

    func testEditDistance() {
        XCTAssertEqual(EditDistance.between("--bogus", "--log"), 3)
        XCTAssertEqual(EditDistance.between("", "abc"), 3)
        XCTAssertEqual(EditDistance.between("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.between("same", "same"), 0)
    }
}
