import RelayLog
import XCTest

/// A flood becomes a line a minute per kind, never a line per frame.
final class DropSummaryTests: XCTestCase {
    func testAFloodIsSummarisedAtMostOncePerIntervalPerKind() {
        var summary = DropSummary(interval: 60)
        XCTAssertTrue(summary.lines([("dropped_padi_rate_client", 0)], now: 0).isEmpty, "the first reading is the baseline")
        var lines: [(Int64, String)] = []
        var count: UInt64 = 0
        // 300 s of flood, 1000 PADIs a second, read once a second.
        for now in Int64(1)...300 {
            count += 1000
            lines += summary.lines([("dropped_padi_rate_client", count)], now: now).map { (now, $0.text) }
        }
        XCTAssertEqual(lines.map(\.0), [1, 61, 121, 181, 241], "at once, then once a minute")
        XCTAssertEqual(lines[0].1, "dropped 1,000 PADIs over the per-client rate limit in the last 1 s (dropped_padi_rate_client)")
        XCTAssertEqual(lines[1].1, "dropped 60,000 PADIs over the per-client rate limit in the last 60 s (dropped_padi_rate_client)")
        // The flood stops; what is left is reported when it is due, then nothing.
        var later: [Int64] = []
        for now in Int64(301)...600 {
            later += summary.lines([("dropped_padi_rate_client", count)], now: now).map { _ in now }
        }
        XCTAssertEqual(later, [301])
        let flushed = summary.lines([("dropped_padi_rate_client", count + 5)], now: 601, flush: true)
        XCTAssertEqual(flushed.map(\.text), ["dropped 5 PADIs over the per-client rate limit in the last 1 s (dropped_padi_rate_client)"])
    }

    func testKindsAreRateLimitedApartAndRoutineOnesNeedVerbose() {
        var summary = DropSummary(interval: 60)
        let names = ["dropped_malformed", "refused_table_full", "dropped_unknown_session", "session_frames_to_ac"]
        _ = summary.lines(names.map { ($0, 0) }, now: 0)
        let lines = summary.lines(names.map { ($0, 3) }, now: 1)
        XCTAssertEqual(lines.map(\.text), ["dropped 3 malformed frames in the last 1 s (dropped_malformed)",
                                           "refused 3 sessions because the table is full in the last 1 s (refused_table_full)"])
        XCTAssertEqual(lines.map(\.level), [.notice, .warning])
        var verbose = DropSummary(interval: 60, includesRoutine: true)
        _ = verbose.lines(names.map { ($0, 0) }, now: 0)
        XCTAssertEqual(verbose.lines(names.map { ($0, 3) }, now: 1).count, 3)
    }

    func testLineBudgetHoldsBackAndCounts() {
        var budget = LineBudget(perSecond: 2, burst: 3, now: 0)
        XCTAssertEqual((0..<10).filter { _ in budget.admit(now: 0) }.count, 3)
        XCTAssertEqual((0..<10).filter { _ in budget.admit(now: 1) }.count, 2)
        XCTAssertEqual(budget.takeWithheld(), 15)
        XCTAssertEqual(budget.takeWithheld(), 0)
    }
}
