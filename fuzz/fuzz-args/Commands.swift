import ArgumentParsing

/// A command tree in relayctl's shapes, for the fuzzer: a root with a version, a leaf with
/// required, repeating, typed and checked options, a group, a positional with a reason to
/// refuse, and a command that hands the rest of its line on to be parsed again (as `daemon`
/// hands on the options of `run`).
enum Plane: String, CaseIterable, ArgumentValue {
    case auto, kernel, userspace
}

/// 536 to 65495, or `off`: a value that says why it refuses.
struct Clamp: ArgumentValue, Equatable {
    let value: Int?
    init(argument text: String) throws(ArgumentValueError) {
        if text == "off" { value = nil; return }
        guard let number = Int(text) else { throw .because("mss must be off or a number, not \(text)") }
        guard (536...65495).contains(number) else { throw .because("mss must be 536 to 65495, not \(number)") }
        value = number
    }
}

struct Relay: Command {
    static let command = CommandDescription(
        name: "run", abstract: "Relay.",
        arguments: [
            .option("lan", help: "A LAN (repeatable).", repeating: true),
            .option("wan", help: "The WAN.", required: true),
            .option("plane", as: Plane.self, help: "The dataplane.", defaultValue: "auto"),
            .option("max", as: Int.self, help: "Sessions.", defaultValue: "5000"),
            .option("timeout", as: Double.self, help: "Seconds.", defaultValue: "3.0"),
            .option("mss", as: Clamp.self, help: "Clamping."),
            .flag("verbose", inversion: "quiet", help: "Say more."),
        ])

    let lans: [String]
    let wan: String
    let plane: Plane
    let max: Int
    let mss: Clamp?

    init(parsing values: ParsedValues) throws(UsageError) {
        lans = values.strings("lan")
        wan = try values.required("wan")
        plane = try values.value("plane", as: Plane.self) ?? .auto
        max = try values.value("max", as: Int.self) ?? 5000
        _ = try values.value("timeout", as: Double.self)
        mss = try values.value("mss", as: Clamp.self)
    }

    func validate() throws(UsageError) {
        guard (1...65534).contains(max) else { throw UsageError("--max must be 1 to 65534") }
        guard !lans.contains(wan) else { throw UsageError("interface \(wan) is both LAN and WAN") }
    }
}

struct MSSSet: Command {
    static let command = CommandDescription(
        name: "set", abstract: "Set it.",
        arguments: [.positional("setting", as: Clamp.self, help: "off or an MSS."), .flag("json", help: "JSON.")])
    let setting: Clamp
    init(parsing values: ParsedValues) throws(UsageError) { setting = try values.required("setting", as: Clamp.self) }
}

struct HandOn: Command {
    static let command = CommandDescription(
        name: "daemon", abstract: "Hand the rest on.",
        arguments: [.option("config", help: "A file."), .flag("check", help: "Only check."),
                    .remainder("relay-arguments", help: "The options of run.")])
    let rest: [String]
    init(parsing values: ParsedValues) throws(UsageError) { rest = values.strings("relay-arguments") }
}

let tree = CommandDescription(
    name: "tool", abstract: "A tool.", discussion: "Of several commands.", version: "1.0",
    subcommands: [Relay.command, CommandDescription(name: "mss", abstract: "MSS.", subcommands: [MSSSet.command]),
                  HandOn.command])
