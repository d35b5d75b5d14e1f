/// Runs a chat script against the modem without ever waiting: the poll loop hands it what
/// the line delivered (`received`), writes what it asks (`pendingOutput`, `wrote`) and ticks
/// it for its deadlines. Discovery goes on meanwhile, so a client's PADRs are heard (and
/// held) while the modem dials.
public struct ChatRunner {
    public enum Status: Equatable, Sendable {
        case running
        /// The last expect was seen and the last send written: the line speaks PPP now.
        case connected(line: String)
        case failed(reason: String)
    }

    private enum Phase {
        case waiting(until: Int64, then: ChatScript.Send)
        case writing
        case expecting(deadline: Int64)
    }

    public private(set) var status: Status = .running
    /// Index of the step running, for status ("chat step 2/3").
    public private(set) var step = 0
    public var stepCount: Int { script.steps.count }
    private let script: ChatScript
    private var phase: Phase
    private var expect: [UInt8]
    /// Alternatives of the current step already tried (they are tried in order, so this is
    /// also the index of the next one).
    private var alternativesTried = 0
    private var output: [UInt8] = []
    /// What the modem said since the current expect began (the last `windowLimit` bytes).
    private var window: [UInt8] = []
    private static let windowLimit = 512
    /// The modem's last words, for the log: the line the final expect was found in.
    private var lastLine: [UInt8] = []

    public init(script: ChatScript, now: Int64) {
        self.script = script
        expect = script.steps[0].expect
        phase = .expecting(deadline: now + Int64(script.steps[0].timeoutSeconds) * 1000)
        checkExpect(now: now)
    }

    /// Bytes to write to the modem now (empty when none); once connected, what is left to
    /// write ahead of the first PPP frame.
    public var pendingOutput: [UInt8] { output }

    public mutating func wrote(_ count: Int, now: Int64) {
        output.removeFirst(min(count, output.count))
        if output.isEmpty, status == .running, case .writing = phase { sent(now: now) }
    }

    /// What the modem sent. Returns, once connected, the offset in `bytes` where PPP begins.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: Int64) -> Int? {
        guard status == .running else { return nil }
        for (offset, byte) in bytes.enumerated() {
            window.append(byte)
            if byte == 0x0A || byte == 0x0D { if !window.isEmpty { noteLine() } }
            if window.count > Self.windowLimit { window.removeFirst(window.count - Self.windowLimit) }
            if let abort = script.abortStrings.first(where: { !$0.isEmpty && window.ends(with: $0) }) {
                status = .failed(reason: "modem said \(String(decoding: abort, as: UTF8.self))")
                return nil
            }
            guard case .expecting = phase, !expect.isEmpty, window.ends(with: expect) else { continue }
            matched(now: now)
            if case .connected = status { return offset + 1 }
        }
        return nil
    }

    public mutating func tick(now: Int64) {
        guard status == .running else { return }
        switch phase {
        case let .waiting(until, send) where now >= until:
            output += send.bytes
            phase = .writing
            if output.isEmpty { sent(now: now) }
        case let .expecting(deadline) where now >= deadline:
            let current = script.steps[step]
            if alternativesTried < current.alternatives.count {
                let alternative = current.alternatives[alternativesTried]
                alternativesTried += 1
                expect = alternative.expect
                window.removeAll()
                phase = .expecting(deadline: now + Int64(current.timeoutSeconds) * 1000)
                start(alternative.send, now: now, thenExpect: true)
            } else {
                let text = String(decoding: expect, as: UTF8.self)
                status = .failed(reason: "no \(text.isEmpty ? "answer" : text) within \(current.timeoutSeconds) s")
            }
        default:
            break
        }
    }

    /// Milliseconds until the runner needs a tick, for the poll timeout.
    public func nextDeadline() -> Int64? {
        switch phase {
        case let .waiting(until, _): until
        case let .expecting(deadline): deadline
        case .writing: nil
        }
    }

    private mutating func noteLine() {
        let line = window.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).last.map(Array.init) ?? []
        if !line.isEmpty { lastLine = line }
    }

    private mutating func checkExpect(now: Int64) {
        if expect.isEmpty { matched(now: now) }
    }

    private mutating func matched(now: Int64) {
        if let line = window.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).last { lastLine = Array(line) }
        window.removeAll()
        let current = script.steps[step]
        if step == script.steps.count - 1 {
            // The last expect: the modem speaks PPP from the next byte, so the last send (a
            // carriage return, usually) goes out at once, ahead of any PPP frame.
            if let send = current.send { output += send.bytes }
            step += 1
            status = .connected(line: String(decoding: lastLine, as: UTF8.self))
            return
        }
        if let send = current.send {
            start(send, now: now, thenExpect: false)
        } else {
            advance(now: now)
        }
    }

    /// A send after its delay; `thenExpect`: a subexpectation's send, after which the current
    /// expect (already set) is waited for again.
    private mutating func start(_ send: ChatScript.Send, now: Int64, thenExpect: Bool) {
        if thenExpect {
            output += send.bytes
            return
        }
        if send.delayMilliseconds > 0 {
            phase = .waiting(until: now + Int64(send.delayMilliseconds), then: send)
        } else {
            output += send.bytes
            phase = .writing
            if output.isEmpty { sent(now: now) }
        }
    }

    private mutating func sent(now: Int64) {
        advance(now: now)
    }

    private mutating func advance(now: Int64) {
        step += 1
        alternativesTried = 0
        guard step < script.steps.count else {
            status = .connected(line: String(decoding: lastLine, as: UTF8.self))
            return
        }
        expect = script.steps[step].expect
        phase = .expecting(deadline: now + Int64(script.steps[step].timeoutSeconds) * 1000)
        checkExpect(now: now)
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
