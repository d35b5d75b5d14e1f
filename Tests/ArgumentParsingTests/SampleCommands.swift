import ArgumentParsing

/// A small tool in the shape of relayctl: a root with a version, a leaf with every kind of
/// argument, a group with a default subcommand, and a command that hands its rest on.
enum Colour: String, CaseIterable, ArgumentValue {
    case red, green, blue
}

/// A value that says why it is refused.
struct Even: ArgumentValue, Equatable {
    let value: Int
    init(argument text: String) throws(ArgumentValueError) {
        guard let number = Int(text) else { throw .because("\(text) is no number") }
        guard number % 2 == 0 else { throw .because("\(number) is odd") }
        value = number
    }
}

struct Paint: Command {
    static let command = CommandDescription(
        name: "paint", abstract: "Paint a wall.",
        discussion: "Walls are painted from left to right, one coat after another, until the paint runs out.",
        arguments: [
            .option("wall", help: "The wall to paint.", required: true),
            .option("colour", as: Colour.self, help: "The colour.", defaultValue: "red"),
            .option("coats", as: Int.self, help: "Coats of paint.", defaultValue: "2"),
            .option("width", as: Double.self, help: "Metres.", defaultValue: "1.0"),
            .option("brush", help: "A brush to use (repeatable).", repeating: true),
            .option("even", as: Even.self, help: "An even number."),
            .flag("dry", inversion: "no-dry", help: "Wait until dry."),
            .flag("json", help: "Print JSON instead of text."),
            .positional("room", as: String.self, help: "The room.", required: false),
        ])

    var wall: String
    var colour: Colour
    var coats: Int
    var width: Double
    var brushes: [String]
    var even: Even?
    var dry: Bool
    var json: Bool
    var room: String?

    init(parsing values: ParsedValues) throws(UsageError) {
        wall = try values.required("wall")
        colour = try values.value("colour", as: Colour.self) ?? .red
        coats = try values.value("coats", as: Int.self) ?? 2
        width = try values.value("width", as: Double.self) ?? 1
        brushes = values.strings("brush")
        even = try values.value("even", as: Even.self)
        dry = values.flag("dry")
        json = values.flag("json")
        room = values.string("room")
    }

    func validate() throws(UsageError) {
        guard coats >= 1 else { throw UsageError("--coats must be at least 1") }
    }
}

struct Show: Command {
    static let command = CommandDescription(name: "show", abstract: "Show the walls.",
                                            arguments: [.flag("json", help: "Print JSON instead of text.")])
    var json: Bool
    init(parsing values: ParsedValues) throws(UsageError) { json = values.flag("json") }
}

struct Clear: Command {
    static let command = CommandDescription(name: "clear", abstract: "Clear the walls.",
                                            arguments: [.positional("walls", as: Int.self, help: "Walls to clear.",
                                                                    repeating: true)])
    var walls: [Int]
    init(parsing values: ParsedValues) throws(UsageError) { walls = try values.values("walls", as: Int.self) }
}

struct Forward: Command {
    static let command = CommandDescription(
        name: "forward", abstract: "Hand everything on.",
        arguments: [.flag("check", help: "Only check."), .remainder("rest", help: "What is handed on.")])
    var check: Bool
    var rest: [String]
    init(parsing values: ParsedValues) throws(UsageError) {
        check = values.flag("check")
        rest = values.strings("rest")
    }
}

let walls = CommandDescription(name: "walls", abstract: "Look at walls.", subcommands: [Show.command, Clear.command],
                               defaultSubcommand: "show")

let tool = CommandDescription(name: "tool", abstract: "Decorate.", version: "1.2.3",
                              subcommands: [Paint.command, walls, Forward.command])

/// What a command line comes to: the command and its values, or how parsing ended.
enum Outcome: Equatable {
    case paint(wall: String, colour: Colour, coats: Int, brushes: [String], dry: Bool, room: String?)
    case show(json: Bool)
    case clear([Int])
    case forward(check: Bool, rest: [String])
    case group([String])
    /// A usage error's message.
    case usage(String)
    /// Help or the version.
    case exit(CommandLineExit)
}

func outcome(_ arguments: [String]) -> Outcome {
    var parser = CommandLineParser(root: tool, arguments: arguments)
    do throws(CommandLineExit) {
        switch try parser.selectCommand() {
        case ["paint"]:
            let paint = try parser.parse(Paint.self)
            return .paint(wall: paint.wall, colour: paint.colour, coats: paint.coats, brushes: paint.brushes,
                          dry: paint.dry, room: paint.room)
        case ["walls", "show"]: return .show(json: try parser.parse(Show.self).json)
        case ["walls", "clear"]: return .clear(try parser.parse(Clear.self).walls)
        case ["forward"]:
            let forward = try parser.parse(Forward.self)
            return .forward(check: forward.check, rest: forward.rest)
        case let path:
            try parser.finishGroup()
            return .group(path)
        }
    } catch {
        if case let .usage(problem) = error { return .usage(problem.message) }
        return .exit(error)
    }
}
