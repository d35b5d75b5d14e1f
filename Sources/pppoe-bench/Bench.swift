import ArgumentParsing
import CShim
import Libc

/// The benchmark's tools: traffic (`flood`, `discovery-flood`) and session set-up (`setup`),
/// driven by scripts/bench. Errors are shown as swift-argument-parser's own `main` showed them
/// (Error, Help, Usage; exit 64 for a usage error), since that is what the scripts have seen.
@main
enum Bench {
    static let command = CommandDescription(
        name: "pppoe-bench", abstract: "Benchmark tools for pppoe-relay (run by scripts/bench).",
        subcommands: [Flood.command, Setup.command, DiscoveryFlood.command])

    /// sysexits.h's EX_USAGE.
    static let usageStatus: Int32 = 64

    static func main() {
        var parser = CommandLineParser(root: command, arguments: Array(CommandLine.arguments.dropFirst()))
        do throws(CommandLineExit) {
            switch try parser.selectCommand() {
            case ["flood"]: try execute(Flood.self, &parser)
            case ["setup"]: try execute(Setup.self, &parser)
            case ["discovery-flood"]: try execute(DiscoveryFlood.self, &parser)
            case let path:
                // The tools alone: their help, as for --help.
                try parser.finishGroup()
                throw .help(path: path)
            }
        } catch {
            switch error {
            case let .help(path):
                print(HelpText.render(command, path: path, screenWidth: helpWidth))
                exit(0)
            case let .version(version):
                print(version)
                exit(0)
            case let .usage(problem):
                standardError(ErrorText.render(command, path: parser.path, error: problem))
                exit(usageStatus)
            }
        }
    }

    private static func execute<C: BenchCommand>(_ type: C.Type, _ parser: inout CommandLineParser) throws(CommandLineExit) {
        let command = try parser.parse(type)
        do {
            try command.run()
        } catch let error as BenchError {
            standardError(ErrorText.render(Bench.command, path: [], error: UsageError(error.message)))
            exit(usageStatus)
        } catch {
            standardError("Error: \(error)")
            exit(1)
        }
    }

    /// The width help is wrapped to: $COLUMNS, else the terminal's on standard output, else 80.
    static var helpWidth: Int {
        if let columns = getenv("COLUMNS"), let width = Int(String(cString: columns)) { return width }
        var rows: UInt16 = 0, columns: UInt16 = 0
        if pr_terminal_size(1, &rows, &columns) == 0, columns > 0 { return Int(columns) }
        return 80
    }

    private static func standardError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// A bench tool: its description and typed values, and what it does.
protocol BenchCommand: Command {
    func run() throws
}

/// A tool that cannot do what it was asked (no such interface, no sessions in the file):
/// shown with the usage, exit 64, as a validation error would be.
struct BenchError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
