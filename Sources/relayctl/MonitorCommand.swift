import ArgumentParsing
import ControlProtocol
import RelayClient
import UserspaceRelay
import Libc

extension Relayctl {
    struct Monitor: RelayctlCommand {
        static let defaultInterval = 1.0

        static let command = CommandDescription(
            name: "monitor",
            abstract: "Watch the running relay: rates per session each way, totals, idle time, drops that moved.",
            discussion: """
                In a terminal it redraws in place, busiest session first, until q or Ctrl-C. Into a \
                pipe it prints one block per interval (the first after one interval: rates need two \
                readings); --json prints one JSON object per line. Exit 3 when no relay runs.
                """,
            arguments: [
                .option("interval", as: Double.self, help: "Seconds between readings (0.2 to 3600).",
                        defaultValue: "\(defaultInterval)"),
                .option("count", as: Int.self, help: "Stop after this many blocks (default: run until stopped)."),
            ] + OutputOptions.arguments + RuntimeOptions.arguments)

        var interval: Double
        var count: Int?
        var output: OutputOptions
        var runtime: RuntimeOptions

        init(parsing values: ParsedValues) throws(UsageError) {
            interval = try values.value("interval", as: Double.self) ?? Self.defaultInterval
            count = try values.value("count", as: Int.self)
            output = OutputOptions(parsing: values)
            runtime = RuntimeOptions(parsing: values)
        }

        func validate() throws(UsageError) {
            guard interval >= 0.2, interval <= 3600 else { throw UsageError("--interval must be between 0.2 and 3600 seconds") }
            if let count, count < 1 { throw UsageError("--count must be at least 1") }
        }

        func run() throws(DaemonError) {
            let directory = runtime.resolvedRuntimeDirectory
            // Before the screen is taken: no relay is one line on a normal terminal, exit 3.
            var previous = try reading(directory)
            if !output.json, var screen = TerminalScreen() {
                let outcome = live(on: &screen, first: previous, directory: directory)
                _ = consume screen
                if case let .failed(reason, code) = outcome { Relayctl.fail(reason, code: code) }
                return
            }
            var blocks = 0
            var next = previous.seconds + interval
            while count.map({ blocks < $0 }) ?? true {
                sleep(until: next)
                next += interval
                let sample = try reading(directory)
                let frame = MonitorRates.frame(previous: previous, current: sample)
                if output.json {
                    FileOutput.standardOutput(String(decoding: MonitorLine(frame).json, as: UTF8.self))
                } else {
                    FileOutput.standardOutput(MonitorText.render(frame, clock: wallClock()) + "\n")
                }
                previous = sample
                blocks += 1
            }
        }

        private enum Outcome { case quit, failed(String, Int32) }

        /// Redraws every interval until a quit key or signal; every return restores the screen
        /// (its owner's deinit), so errors are reported after, on the normal screen.
        private func live(on screen: inout TerminalScreen, first: MonitorSample, directory: String) -> Outcome {
            var previous: MonitorSample? = nil
            var sample = first
            var drawn = 0
            var next = first.seconds
            while true {
                let frame = MonitorRates.frame(previous: previous, current: sample)
                let text = MonitorText.render(frame, rows: screen.size.rows - 1, clock: wallClock())
                screen.draw(text + "\n\npress q to quit")
                drawn += 1
                if let count, drawn >= count { return .quit }
                next += interval
                while true {
                    let left = next - MonotonicClock.preciseSeconds()
                    if left <= 0 { break }
                    if screen.waitForKey(milliseconds: Int32((left * 1000).rounded(.up))) == .quit { return .quit }
                }
                previous = sample
                do { sample = try Self.read(directory) } catch {
                    if case let .notRunning(reason) = error { return .failed(reason, Relayctl.notRunningStatus) }
                    return .failed(error.description, 1)
                }
            }
        }

        private func reading(_ directory: String) throws(DaemonError) -> MonitorSample {
            do { return try Self.read(directory) } catch {
                guard case let .notRunning(reason) = error else { throw error }
                Relayctl.fail(reason, code: Relayctl.notRunningStatus)
            }
        }

        private static func read(_ directory: String) throws(DaemonError) -> MonitorSample {
            let status = try ControlClient.query(.status, runtimeDirectory: directory, as: StatusReport.self)
            let sessions = try ControlClient.query(.sessions, runtimeDirectory: directory, as: SessionsReport.self)
            return MonitorSample(seconds: MonotonicClock.preciseSeconds(), status: status, sessions: sessions.sessions)
        }
    }
}

/// Sleeps until the monotonic clock reads `seconds`, so blocks keep their rhythm however long
/// a reading takes.
private func sleep(until seconds: Double) {
    while true {
        let left = seconds - MonotonicClock.preciseSeconds()
        guard left > 0 else { return }
        var request = timespec(tv_sec: .init(left), tv_nsec: .init((left - left.rounded(.down)) * 1e9))
        _ = nanosleep(&request, nil)
    }
}

/// The local time of day, HH:MM:SS, for each block.
private func wallClock() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : String(n) }
    return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}
