import ArgumentParsing
import XCTest

/// The parser on a small tool: values, their order, the errors and their words.
final class ParsingTests: XCTestCase {
    func usage(_ message: String) -> Outcome { .usage(message) }

    func testValuesOfEveryKind() {
        XCTAssertEqual(outcome(["paint", "--wall", "north"]),
                       .paint(wall: "north", colour: .red, coats: 2, brushes: [], dry: false, room: nil))
        XCTAssertEqual(outcome(["paint", "kitchen", "--colour", "blue", "--wall=west", "--coats", "+3", "--brush", "a",
                                "--brush=b", "--dry"]),
                       .paint(wall: "west", colour: .blue, coats: 3, brushes: ["a", "b"], dry: true, room: "kitchen"))
        // The last of a single-valued option counts; an inversion turns a flag off again.
        XCTAssertEqual(outcome(["paint", "--wall", "a", "--wall", "b", "--dry", "--no-dry"]),
                       .paint(wall: "b", colour: .red, coats: 2, brushes: [], dry: false, room: nil))
        // `--name=` is the option without a value: the next word is its value.
        XCTAssertEqual(outcome(["paint", "--wall=", "east"]),
                       .paint(wall: "east", colour: .red, coats: 2, brushes: [], dry: false, room: nil))
        // After `--` a word that looks like an option is a value.
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--", "--dry"]),
                       .paint(wall: "w", colour: .red, coats: 2, brushes: [], dry: false, room: "--dry"))
    }

    func testSubcommandsGroupsAndDefaults() {
        XCTAssertEqual(outcome(["walls", "clear", "1", "2"]), .clear([1, 2]))
        XCTAssertEqual(outcome(["walls", "show", "--json"]), .show(json: true))
        XCTAssertEqual(outcome(["walls"]), .show(json: false), "the default subcommand")
        XCTAssertEqual(outcome(["walls", "--json"]), .show(json: true))
        XCTAssertEqual(outcome([]), .group([]), "the root alone is the program's to answer")
        XCTAssertEqual(outcome(["frobnicate"]), usage("Unexpected argument 'frobnicate'"))
        XCTAssertEqual(outcome(["--bogus", "paint"]), usage("Unknown option '--bogus'"))
        XCTAssertEqual(outcome(["a", "b"]), usage("2 unexpected arguments: 'a', 'b'"))
    }

    func testTheRemainderIsHandedOnAsGiven() {
        XCTAssertEqual(outcome(["forward", "--check", "--x=1", "y", "--", "--check"]),
                       .forward(check: true, rest: ["--x=1", "y", "--", "--check"]))
        XCTAssertEqual(outcome(["forward", "--x", "--help"]), .exit(.help(path: ["forward"])))
    }

    func testErrorsSayWhatAndWhere() {
        XCTAssertEqual(outcome(["paint"]), usage("Missing expected argument '--wall <wall>'"))
        XCTAssertEqual(outcome(["paint", "--wall"]), usage("Missing value for '--wall <wall>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "--dry"]), usage("Missing value for '--wall <wall>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--coats", "-1"]), usage("Missing value for '--coats <coats>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--coats", "x"]), usage("The value 'x' is invalid for '--coats <coats>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--colour", "pink"]),
                       usage("The value 'pink' is invalid for '--colour <colour>'. Please provide one of 'red', 'green' or 'blue'."))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--even", "3"]),
                       usage("The value '3' is invalid for '--even <even>': 3 is odd"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--dry=yes"]),
                       usage("The option '--dry' does not take any value, but 'yes' was specified."))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--coats", "0"]), usage("--coats must be at least 1"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--colr", "red"]),
                       usage("Unknown option '--colr'. Did you mean '--colour'?"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "-x"]), usage("Unknown option '-x'"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "-wal"]), usage("Unknown option '-wal'. Did you mean '--wall'?"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "room", "extra"]), usage("Unexpected argument 'extra'"))
        XCTAssertEqual(outcome(["paint", "---wall"]), usage("Invalid option: ---wall"))
        XCTAssertEqual(outcome(["walls", "clear", "one"]), usage("The value 'one' is invalid for '<walls>'"))
    }

    /// A bad value is reported where it stands, before anything missing; a missing required
    /// option before a failed validation; a failed validation before what is left over.
    func testTheOrderOfErrors() {
        XCTAssertEqual(outcome(["paint", "--coats", "x", "--wall"]), usage("The value 'x' is invalid for '--coats <coats>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "--coats", "x"]), usage("Missing value for '--wall <wall>'"))
        XCTAssertEqual(outcome(["paint", "--bogus"]), usage("Missing expected argument '--wall <wall>'"))
        XCTAssertEqual(outcome(["paint", "--wall", "w", "--coats", "0", "--bogus"]), usage("--coats must be at least 1"))
    }

    func testHelpAndVersionWinOverEverythingButABadValue() {
        XCTAssertEqual(outcome(["--help"]), .exit(.help(path: [])))
        XCTAssertEqual(outcome(["-help"]), .exit(.help(path: [])))
        XCTAssertEqual(outcome(["paint", "-h"]), .exit(.help(path: ["paint"])))
        XCTAssertEqual(outcome(["paint", "--bogus", "--help"]), .exit(.help(path: ["paint"])))
        XCTAssertEqual(outcome(["paint", "--coats", "0", "--help"]), .exit(.help(path: ["paint"])))
        XCTAssertEqual(outcome(["paint", "--coats", "x", "--help"]), usage("The value 'x' is invalid for '--coats <coats>'"))
        XCTAssertEqual(outcome(["paint", "--", "--help"]), usage("Missing expected argument '--wall <wall>'"))
        XCTAssertEqual(outcome(["walls", "--help"]), .exit(.help(path: ["walls"])))
        XCTAssertEqual(outcome(["paint", "--help-hidden"]), .exit(.help(path: ["paint"])))
        XCTAssertEqual(outcome(["help", "--help-hidden"]), usage("Unknown option '--help-hidden'"))
        XCTAssertEqual(outcome(["--version"]), .exit(.version("1.2.3")))
        XCTAssertEqual(outcome(["paint", "--version"]), .exit(.version("1.2.3")))
        XCTAssertEqual(outcome(["--version", "--help"]), .exit(.help(path: [])))
        XCTAssertEqual(outcome(["help"]), .exit(.help(path: [])))
        XCTAssertEqual(outcome(["help", "walls", "clear", "extra"]), .exit(.help(path: ["walls", "clear"])))
        XCTAssertEqual(outcome(["help", "walls", "nosuch"]), .exit(.help(path: ["walls"])))
        XCTAssertEqual(outcome(["help", "paint", "--help"]), .exit(.help(path: ["paint"])))
        XCTAssertEqual(outcome(["help", "help"]), .exit(.help(path: ["help"])))
        XCTAssertEqual(outcome(["help", "--version"]), .exit(.version("1.2.3")))
        XCTAssertEqual(outcome(["help", "--bogus"]), usage("Unknown option '--bogus'"))
        XCTAssertEqual(outcome(["walls", "help"]), usage("Unexpected argument 'help'"), "help is the root's alone")
    }

    func testAnArgumentGroupParsedFromWhatWasHandedOn() throws {
        let paint = try CommandLineParser.parse(Paint.self, arguments: ["--wall", "w", "--dry", "hall"])
        XCTAssertEqual(paint.wall, "w")
        XCTAssertEqual(paint.room, "hall")
        XCTAssertTrue(paint.dry)
        XCTAssertThrowsError(try CommandLineParser.parse(Paint.self, arguments: ["--wall", "w", "--help"])) { error in
            XCTAssertEqual(error as? CommandLineExit, .usage(UsageError("Unknown option '--help'. Did you mean '--wall'?")))
        }
        XCTAssertThrowsError(try CommandLineParser.parse(Paint.self, arguments: ["---wall", "w"])) { error in
            XCTAssertEqual(error as? CommandLineExit, .usage(UsageError("Invalid option: ---wall")))
        }
        var parser = CommandLineParser(root: tool, arguments: ["paint", "---wall"])
        XCTAssertThrowsError(try parser.parse(Paint.self), "a word no option can be fails whichever step comes first")
    }
}

/// The error text in swift-argument-parser's own layout, with its "Help:" line where the error
/// is about one argument.
final class ErrorTextTests: XCTestCase {
    func error(_ arguments: [String]) -> (path: [String], error: UsageError)? {
        var parser = CommandLineParser(root: tool, arguments: arguments)
        do throws(CommandLineExit) {
            _ = try parser.selectCommand()
            _ = try parser.parse(Paint.self)
            return nil
        } catch {
            guard case let .usage(problem) = error else { return nil }
            return (parser.path, problem)
        }
    }

    func testAnErrorAboutOneArgumentSaysWhatItIs() throws {
        let missing = try XCTUnwrap(error(["paint"]))
        XCTAssertEqual(ErrorText.render(tool, path: missing.path, error: missing.error), """
            Error: Missing expected argument '--wall <wall>'
            Help:  --wall <wall>  The wall to paint.
            Usage: tool paint --wall <wall> [--colour <colour>] [--coats <coats>] [--width <width>] [--brush <brush> ...] [--even <even>] [--dry] [--no-dry] [--json] [<room>]
              See 'tool paint --help' for more information.
            """)
        let bad = try XCTUnwrap(error(["paint", "--wall", "w", "--coats", "x"]))
        XCTAssertEqual(bad.error.argumentHelp, "--coats <coats>  Coats of paint.")
    }

    func testOtherErrorsHaveNoHelpLine() throws {
        let unknown = try XCTUnwrap(error(["paint", "--wall", "w", "--bogus"]))
        XCTAssertEqual(ErrorText.render(tool, path: [], error: unknown.error), """
            Error: Unknown option '--bogus'. Did you mean '--coats'?
            Usage: tool <subcommand>
              See 'tool --help' for more information.
            """)
    }
}
