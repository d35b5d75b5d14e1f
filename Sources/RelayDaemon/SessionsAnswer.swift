import ControlProtocol
import UserspaceRelay

/// A `sessions` answer built in slices between turns of the loop. At 65,534 sessions the whole
/// document is tens of megabytes and took the loop over a second to encode; a userspace
/// dataplane forwarded nothing meanwhile and its rings (two milliseconds of frames) overflowed.
/// Now the answer starts from which slots held a session when it was asked, and each turn of
/// the loop encodes the next sessions among them (those still live) into the client's output,
/// as much as the client has room for (`ControlServer.room`): a client that does not read gets
/// no more than its cap, where encoding on regardless held the whole document for each one.
/// The document is laid out as the whole one was (`ControlJSON.encode`: sorted keys,
/// pretty-printed), each session encoded alone and indented to its place in the array.
struct SessionsAnswer {
    /// Most sessions encoded per turn of the loop: under a millisecond of work.
    static let sliceSize = 48

    let client: Int
    let serial: UInt64
    /// The slots that held a session when asked, a bit each: 8 KiB at 65,536 slots, where a
    /// list of slot numbers took 256 KiB for every client asking.
    let asked: [UInt64]
    /// The next slot to look at.
    var next = 0
    /// Sessions written so far (a comma goes before every one but the first).
    var encoded = 0

    init(client: Int, serial: UInt64, table: borrowing SessionTable) {
        self.client = client
        self.serial = serial
        var asked = [UInt64](repeating: 0, count: (table.capacity + 63) / 64)
        for slot in 0..<table.capacity where table.isLive(Int32(slot)) {
            asked[slot / 64] |= 1 << UInt64(slot % 64)
        }
        self.asked = asked
    }

    /// The next slot asked about from `next` on, which `next` moves past; nil when none is left.
    mutating func nextSlot() -> Int32? {
        while next < asked.count * 64 {
            let word = asked[next / 64] >> UInt64(next % 64)
            if word == 0 {
                next = (next / 64 + 1) * 64
                continue
            }
            let slot = next + word.trailingZeroBitCount
            next = slot + 1
            return Int32(slot)
        }
        return nil
    }
}

extension RelayDaemon {
    /// Takes a `sessions` request to answer in slices; false for any other request.
    mutating func beganSessionsAnswer(_ request: ControlRequest, slot client: Int) -> Bool {
        guard case .sessions = request, engine.core.table.count > 0 else { return false }
        refreshCountsForAnswer()
        let serial = control.beginAnswer(client, Array("{\n  \"schema_version\" : \(JSONSchema.version),\n  \"sessions\" : [\n    ".utf8))
        sessionsAnswers.append(SessionsAnswer(client: client, serial: serial, table: engine.core.table))
        return true
    }

    /// Reads the kernel dataplane's counters for a `status` or `sessions` answer, unless a read
    /// for another client ended under `countsReuseMilliseconds` ago. At 65,534 sessions a read
    /// takes the loop most of a second and megabytes of heap: clients asking together (32 at
    /// once, queued behind the first read) share one, instead of holding the loop half a minute.
    mutating func refreshCountsForAnswer() {
        let countsReuseMilliseconds: Int64 = 100
        if let last = countsReadForAnswers, MonotonicClock.milliseconds() - last < countsReuseMilliseconds { return }
        engine.refreshForwardedCounts()
        countsReadForAnswers = MonotonicClock.milliseconds()
    }

    /// Some answer in progress has a client with room for more (the loop must not sleep), or
    /// whose client is gone (it is to be cleared away).
    var sessionsAnswerCanGrow: Bool {
        guard !sessionsAnswers.isEmpty else { return false }
        let total = control.pendingTotal
        return sessionsAnswers.contains { (control.room($0.client, serial: $0.serial, pendingTotal: total) ?? 1) > 0 }
    }

    /// The next slice of every answer in progress whose client has room for it; an answer
    /// whose client went away is dropped.
    mutating func continueSessionsAnswers() {
        guard sessionsAnswerCanGrow else { return }
        let now = MonotonicClock.seconds()
        let names = engine.core.interfaces.map { $0.name }
        var index = 0
        while index < sessionsAnswers.count {
            var answer = sessionsAnswers[index]
            guard let room = control.room(answer.client, serial: answer.serial, pendingTotal: control.pendingTotal),
                  room == 0 || extend(&answer, room: room, now: now, names: names) else {
                sessionsAnswers.remove(at: index)
                continue
            }
            sessionsAnswers[index] = answer
            index += 1
        }
    }

    /// Encodes up to `room` bytes (and one session more) of `answer` into its client's output;
    /// false once the answer is complete or its client gone.
    private mutating func extend(_ answer: inout SessionsAnswer, room: Int, now: Int64, names: [String]) -> Bool {
        var bytes: [UInt8] = []
        var done = false
        var looked = 0
        while bytes.count < room && looked < SessionsAnswer.sliceSize {
            guard let slot = answer.nextSlot() else {
                done = true
                break
            }
            looked += 1
            guard engine.core.table.isLive(slot) else { continue }
            if answer.encoded > 0 { bytes += Array(",\n    ".utf8) }
            for byte in ControlJSON.encode(sessionReport(at: slot, now: now, names: names)) {
                bytes.append(byte)
                if byte == UInt8(ascii: "\n") { bytes += [0x20, 0x20, 0x20, 0x20] }
            }
            answer.encoded += 1
        }
        if done { bytes += Array("\n  ]\n}".utf8) }
        return control.append(answer.client, serial: answer.serial, bytes, complete: done) && !done
    }
}
