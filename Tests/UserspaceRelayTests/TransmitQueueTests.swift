import CShim
@testable import UserspaceRelay
import XCTest

/// The per-egress send queues against a kernel that takes only part of a batch, as a full
/// socket buffer makes sendmmsg do: the rest is offered again in order, what is never taken
/// is counted, and nothing of a failed batch lingers into the next.
final class TransmitQueueTests: XCTestCase {
    /// Frames to queue: distinct buffers, so a sent message tells which frame it was.
    let frames = (0..<16).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8) }

    override func tearDown() {
        frames.forEach { $0.deallocate() }
    }

    /// A stand-in for sendmmsg: takes at most the next of `takes` messages per call (-1 once
    /// they run out, like EAGAIN) and records which frames, in which order, on which slot.
    final class PartialKernel {
        var takes: [Int32]
        var sent: [(slot: Int, frame: UnsafeMutableRawPointer?, length: Int)] = []
        var calls = 0

        init(takes: [Int32]) { self.takes = takes }

        func send(_ slot: Int, _ messages: UnsafeMutablePointer<pr_mmsghdr>, _ count: UInt32) -> Int32 {
            calls += 1
            guard !takes.isEmpty else { return -1 }
            let taken = min(takes.removeFirst(), Int32(count))
            for i in 0..<Int(max(taken, 0)) {
                let vector = messages[i].msg_hdr.msg_iov.pointee
                sent.append((slot, vector.iov_base, vector.iov_len))
            }
            return taken
        }
    }

    func testAPartlyTakenBatchIsOfferedAgainFromTheFirstFrameNotTaken() {
        let queues = TransmitQueues(slots: 2, capacity: 8)
        for i in 0..<6 { queues.enqueue(slot: 1, frame: frames[i], length: 60 + i) }
        let kernel = PartialKernel(takes: [2, 3, 1])
        XCTAssertEqual(queues.flush(kernel.send), 0, "everything went, in three calls")
        XCTAssertEqual(kernel.calls, 3)
        XCTAssertEqual(kernel.sent.map(\.frame), frames[0..<6].map { Optional($0) })
        XCTAssertEqual(kernel.sent.map(\.length), Array(60..<66))
        XCTAssertTrue(kernel.sent.allSatisfy { $0.slot == 1 })
    }

    func testWhatTheKernelRefusesIsCountedAndDoesNotLingerIntoTheNextBatch() {
        let queues = TransmitQueues(slots: 3, capacity: 8)
        for i in 0..<5 { queues.enqueue(slot: 0, frame: frames[i], length: 60) }
        for i in 5..<8 { queues.enqueue(slot: 2, frame: frames[i], length: 60) }
        // Slot 0: two taken, then EAGAIN; slot 2: nothing at all.
        let kernel = PartialKernel(takes: [2])
        XCTAssertEqual(queues.flush(kernel.send), 3 + 3)
        XCTAssertEqual(kernel.sent.map(\.frame), [frames[0], frames[1]])

        // The next batch starts at its own first frame, on an empty queue.
        queues.enqueue(slot: 2, frame: frames[9], length: 61)
        let next = PartialKernel(takes: [8])
        XCTAssertEqual(queues.flush(next.send), 0)
        XCTAssertEqual(next.sent.count, 1)
        XCTAssertEqual(next.sent.first?.frame, frames[9])
        XCTAssertEqual(next.sent.first?.slot, 2)
        XCTAssertEqual(next.sent.first?.length, 61)
    }

    func testAKernelThatTakesNothingIsNotAskedForever() {
        let queues = TransmitQueues(slots: 1, capacity: 4)
        for i in 0..<4 { queues.enqueue(slot: 0, frame: frames[i], length: 60) }
        let kernel = PartialKernel(takes: [0, 4])
        XCTAssertEqual(queues.flush(kernel.send), 4, "sendmmsg returning 0 ends the batch")
        XCTAssertEqual(kernel.calls, 1)
        XCTAssertEqual(queues.flush(kernel.send), 0, "and nothing is left queued to send later")
        XCTAssertEqual(kernel.calls, 1)
    }
}
