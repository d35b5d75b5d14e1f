import ArgumentParsing
import FuzzSupport

/// libFuzzer's entry point: the input is a command line, its words separated by NUL bytes.
/// Whatever it is, parsing ends in a command, help, the version or one usage error (one line
/// unless a word had a line break in it), twice alike; and help and the error text render at
/// any width.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArguments(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    let first = outcome(arguments)
    expect(first == outcome(arguments), "the same command line parsed twice differently: \(arguments)")
    switch first {
    case let .stopped(.help(path)):
        for width in [0, 30, 80] { _ = HelpText.render(tree, path: path, screenWidth: width) }
    case let .stopped(.usage(problem)):
        expect(!problem.message.isEmpty, "an empty usage error for \(arguments)")
        expect(!problem.message.contains("\n") || arguments.contains(where: { $0.contains("\n") }),
               "a usage error of several lines for \(arguments): \(problem.message)")
        _ = ErrorText.render(tree, path: [], error: problem)
    case let .relay(wan, lans):
        expect(!lans.contains(wan), "validation let \(wan) be LAN and WAN")
    case .stopped(.version), .set, .group:
        break
    }
    return 0
}

enum Outcome: Equatable {
    case relay(wan: String, lans: [String])
    case set
    case group([String])
    case stopped(CommandLineExit)
}

func outcome(_ arguments: [String]) -> Outcome {
    var parser = CommandLineParser(root: tree, arguments: arguments)
    do throws(CommandLineExit) {
        switch try parser.selectCommand() {
        case ["run"]:
            let relay = try parser.parse(Relay.self)
            return .relay(wan: relay.wan, lans: relay.lans)
        case ["mss", "set"]:
            _ = try parser.parse(MSSSet.self)
            return .set
        case ["daemon"]:
            let handOn = try parser.parse(HandOn.self)
            let relay = try CommandLineParser.parse(Relay.self, arguments: handOn.rest)
            return .relay(wan: relay.wan, lans: relay.lans)
        case let path:
            try parser.finishGroup()
            return .group(path)
        }
    } catch {
        return .stopped(error)
    }
}

#if !FUZZING
@main
enum ReplayArguments {
    static func main() {
        replay(arguments: Array(CommandLine.arguments.dropFirst()), name: "fuzz-args") { bytes in
            _ = bytes.withUnsafeBufferPointer { fuzzArguments($0.baseAddress, $0.count) }
        }
    }
}
#endif
