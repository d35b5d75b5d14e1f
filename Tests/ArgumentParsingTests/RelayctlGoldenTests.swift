import Foundation
import XCTest

/// relayctl's command line as users know it, and pppoe-bench's, recorded from their
/// swift-argument-parser builds (record-goldens): help in every form, the version, and good and
/// bad command lines, each with its stdout, stderr and exit status. The programs as built must
/// answer every one alike.
final class RelayctlGoldenTests: XCTestCase {
    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")
    static let root = goldens.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// relayctl as built for this test run (or $RELAYCTL_BIN).
    static var relayctl: String {
        if let path = ProcessInfo.processInfo.environment["RELAYCTL_BIN"] { return path }
        return built("relayctl")
    }

    /// A program as built for this test run: found beside the test binary or above it.
    static func built(_ program: String) -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(program).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/\(program)").path
    }

    struct Case {
        let name: String
        let status: Int32
        let settings: [String: String]
        let program: String
        let arguments: [String]

        var commandLine: String { (settings.map { "\($0.key)=\($0.value)" } + [program] + arguments).joined(separator: " ") }
    }

    /// Goldens/results: NNN, exit status, then the command line's fields, separated by tabs
    /// (VARIABLE=value settings first, then the program, then its arguments; '' is an empty one).
    static func cases() throws -> [Case] {
        let text = try String(contentsOf: goldens.appendingPathComponent("results"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            var fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let name = fields.removeFirst()
            let status = Int32(fields.removeFirst()) ?? -1
            var settings: [String: String] = [:]
            while let first = fields.first, let equals = first.firstIndex(of: "=") {
                settings[String(first[..<equals])] = String(first[first.index(after: equals)...])
                fields.removeFirst()
            }
            let program = fields.removeFirst()
            return Case(name: name, status: status, settings: settings, program: program,
                        arguments: fields.map { $0 == "''" ? "" : $0 })
        }
    }

    func expected(_ name: String, _ suffix: String) -> String {
        let url = Self.goldens.appendingPathComponent("\(name).\(suffix)")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    func run(_ golden: Case) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: golden.program == "relayctl" ? Self.relayctl : Self.built(golden.program))
        process.arguments = golden.arguments
        var environment = ProcessInfo.processInfo.environment
        for variable in ["RELAYCTL_RUNTIME_DIR", "RELAYCTL_CONFIG", "RELAYCTL_PASSWORD", "COLUMNS"] {
            environment[variable] = nil
        }
        environment.merge(golden.settings) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    func testEveryRecordedCommandLineIsAnsweredAsBefore() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.relayctl) else {
            return XCTFail("relayctl is not built at \(Self.relayctl): run swift build first")
        }
        let cases = try Self.cases()
        XCTAssertGreaterThan(cases.count, 300)
        for golden in cases {
            let answer = try run(golden)
            XCTAssertEqual(answer.status, golden.status, "exit status of \(golden.commandLine)")
            let stdout = expected(golden.name, "out")
            if stdout == "0.0.0-dev\n" {
                // The version is the build's: any one word on one line.
                XCTAssertTrue(answer.stdout.hasSuffix("\n") && !answer.stdout.dropLast().contains(where: { $0 == "\n" || $0 == " " }),
                              "version from \(golden.commandLine): \(answer.stdout)")
            } else {
                XCTAssertEqual(answer.stdout, stdout, "stdout of \(golden.commandLine)")
            }
            XCTAssertEqual(answer.stderr, expected(golden.name, "err"), "stderr of \(golden.commandLine)")
        }
    }
}
