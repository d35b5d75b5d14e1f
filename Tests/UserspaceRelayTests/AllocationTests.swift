import CAllocationCounter
import PPPoEWire
import UserspaceRelay
import XCTest

/// The steady-state forwarding path allocates nothing: not per frame, not per SYN it clamps.
extension RelayCoreTests {
    func testTheAllocationCounterSeesAllocations() {
        let before = pr_thread_allocation_count()
        let array = [Int](repeating: 1, count: Int.random(in: 100...200))
        XCTAssertGreaterThan(pr_thread_allocation_count(), before, "the counter must see an allocation (\(array.count))")
    }

    func testForwardingAHundredThousandFramesEachWayAllocatesNothing() throws {
        var core = makeCore()
        XCTAssertNotNil(establish(&core, client: client1, lanSlot: 1, acSession: 7))
        let up = sessionFrame(from: client1, to: lan1MAC, session: 7)
        let down = sessionFrame(from: ac, to: wanMAC, session: 7)
        let syn = synFrame(mss: 1460, from: client1, to: lan1MAC, session: 7)
        // Buffers allocated once, refilled from the templates before each frame, as a receive ring would be.
        let templates = [(up, UInt8(1)), (down, UInt8(0)), (syn, UInt8(1))]
        let buffers = templates.map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16) }
        defer { buffers.forEach { $0.deallocate() } }
        let sources = templates.map { template in
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: template.0.count, alignment: 16)
            bytes.copyBytes(from: template.0)
            return (bytes, template.1)
        }
        defer { sources.forEach { $0.0.deallocate() } }

        func forwardAll(_ rounds: Int) -> Int {
            var forwarded = 0
            for _ in 0..<rounds {
                for i in 0..<sources.count {
                    let (source, slot) = sources[i]
                    buffers[i].baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count)
                    let frame = UnsafeMutableRawBufferPointer(rebasing: buffers[i][0..<source.count])
                    if core.forwardSession(frame, from: slot, now: 200) != nil { forwarded += 1 }
                }
            }
            return forwarded
        }

        XCTAssertEqual(forwardAll(1000), 3000, "warm-up: every frame forwarded")
        let before = pr_thread_allocation_count()
        let forwarded = forwardAll(100_000)
        let allocations = pr_thread_allocation_count() - before
        XCTAssertEqual(forwarded, 300_000)
        XCTAssertEqual(allocations, 0, "\(allocations) allocations for \(forwarded) frames")
        XCTAssertEqual(core.counters.mssClampedToAC, 101_000, "the SYN was clamped every time")
    }
}
