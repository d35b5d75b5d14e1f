import ControlProtocol
import UserspaceRelay

/// A `sessions` answer built in slices between turns of the loop. At 65,534 sessions the whole
/// document is tens of megabytes and took the loop over a second to encode; a userspace
/// dataplane forwarded nothing meanwhile and its rings (two milliseconds of frames) overflowed.
/// Now the answer starts with the sessions' slots as they are, and each turn of the loop encodes
/// the next `sliceSize` of them (those still live) into the client's output, which drains as the
/// client reads. The document is laid out as the whole one was (`ControlJSON.encode`: sorted
/// keys, pretty-printed), each session encoded alone and indented to its place in the array.
struct SessionsAnswer {
    /// Sessions encoded per turn of the loop: under a millisecond of work.
    static let sliceSize = 48

    let client: Int
    let serial: UInt64
    let slots: [Int32]
    var next = 0
    /// Sessions written so far (a comma goes before every one but the first).
    var encoded = 0
}

extension RelayDaemon {
    /// Takes a `sessions` request to answer in slices; false for any other request.
    mutating func beganSessionsAnswer(_ request: ControlRequest, slot client: Int) -> Bool {
        guard case .sessions = request, engine.core.table.count > 0 else { return false }
        engine.refreshForwardedCounts()
        let serial = control.beginAnswer(client, Array("{\n  \"schema_version\" : \(JSONSchema.version),\n  \"sessions\" : [\n    ".utf8))
        sessionsAnswers.append(SessionsAnswer(client: client, serial: serial, slots: engine.core.table.liveSlots))
        return true
    }

    /// The next slice of every answer in progress; an answer whose client went away is dropped.
    mutating func continueSessionsAnswers() {
        guard !sessionsAnswers.isEmpty else { return }
        let now = MonotonicClock.seconds()
        let names = engine.core.interfaces.map { $0.name }
        var index = 0
        while index < sessionsAnswers.count {
            var answer = sessionsAnswers[index]
            var bytes: [UInt8] = []
            let end = min(answer.next + SessionsAnswer.sliceSize, answer.slots.count)
            for slot in answer.slots[answer.next..<end] where engine.core.table.isLive(slot) {
                if answer.encoded > 0 { bytes += Array(",\n    ".utf8) }
                for byte in ControlJSON.encode(sessionReport(at: slot, now: now, names: names)) {
                    bytes.append(byte)
                    if byte == UInt8(ascii: "\n") { bytes += [0x20, 0x20, 0x20, 0x20] }
                }
                answer.encoded += 1
            }
            let done = end == answer.slots.count
            if done { bytes += Array("\n  ]\n}".utf8) }
            answer.next = end
            if control.append(answer.client, serial: answer.serial, bytes, complete: done) && !done {
                sessionsAnswers[index] = answer
                index += 1
            } else {
                sessionsAnswers.remove(at: index)
            }
        }
    }
}
