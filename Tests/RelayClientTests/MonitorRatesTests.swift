import ControlProtocol
import Foundation
import RelayClient
import XCTest

/// `relayctl monitor`'s arithmetic: rates from counter deltas, with sessions that begin, end
/// or reset between readings and a relay that restarts.
final class MonitorRatesTests: XCTestCase {
    func session(_ client: String, id: UInt16, toAC: (UInt64, UInt64), toClient: (UInt64, UInt64),
                 acName: String = "AC") -> SessionReport {
        SessionReport(lanInterface: "lan0", clientMAC: client, clientSessionID: id, wanInterface: "wan0",
                      acMAC: "02:00:00:00:00:ac", acSessionID: id, acName: acName, serviceName: "isp", uptimeSeconds: 60,
                      idleSeconds: 0, packetsToAC: toAC.0, bytesToAC: toAC.1, packetsToClient: toClient.0,
                      bytesToClient: toClient.1, kernelPacketsToAC: 0, kernelPacketsToClient: 0)
    }

    func status(pid: Int32 = 100, counters: [String: UInt64] = [:], sessions: Int = 0) -> StatusReport {
        StatusReport(pid: pid, dataplane: "userspace", dataplaneReason: "", uptimeSeconds: 3725, interfaces: [],
                     sessionCount: sessions, maxSessions: 100, idleTimeoutSeconds: 0, counters: counters,
                     configuration: RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0"), mss: "off",
                     kernelError: nil)
    }

    func testTheFirstReadingHasNoRatesAndNothingIsNew() {
        let frame = MonitorRates.frame(previous: nil, current: MonitorSample(
            seconds: 10, status: status(), sessions: [session("02:00:00:00:00:01", id: 1, toAC: (5, 500), toClient: (5, 500))]))
        XCTAssertNil(frame.intervalSeconds)
        XCTAssertNil(frame.overall)
        XCTAssertNil(frame.sessions[0].rates)
        XCTAssertFalse(frame.sessions[0].isNew)
        XCTAssertTrue(frame.movedCounters.isEmpty)
    }

    func testRatesAreDeltasOverTheIntervalBusiestFirst() throws {
        let a0 = session("02:00:00:00:00:01", id: 1, toAC: (100, 10_000), toClient: (100, 50_000))
        let b0 = session("02:00:00:00:00:02", id: 2, toAC: (10, 1_000), toClient: (10, 1_000))
        let a1 = session("02:00:00:00:00:01", id: 1, toAC: (104, 10_400), toClient: (104, 50_400))
        let b1 = session("02:00:00:00:00:02", id: 2, toAC: (1010, 1_001_000), toClient: (2010, 2_001_000))
        let previous = MonitorSample(seconds: 10, status: status(counters: ["dropped_malformed": 3, "discovery_relayed": 5]),
                                     sessions: [a0, b0])
        let current = MonitorSample(seconds: 12, status: status(counters: ["dropped_malformed": 7, "discovery_relayed": 9,
                                                                           "dropped_not_for_us": 0]),
                                    sessions: [a1, b1])
        let frame = MonitorRates.frame(previous: previous, current: current)
        XCTAssertEqual(frame.intervalSeconds, 2)
        XCTAssertEqual(frame.sessions.map(\.session.clientSessionID), [2, 1], "busiest first")
        let b = try XCTUnwrap(frame.sessions[0].rates)
        XCTAssertEqual(b, TrafficRates(packetsPerSecondToAC: 500, bitsPerSecondToAC: 4_000_000,
                                       packetsPerSecondToClient: 1000, bitsPerSecondToClient: 8_000_000))
        let a = try XCTUnwrap(frame.sessions[1].rates)
        XCTAssertEqual(a.packetsPerSecondToAC, 2)
        XCTAssertEqual(a.bitsPerSecondToClient, 1600)
        XCTAssertEqual(frame.overall?.packetsPerSecondToAC, 502)
        XCTAssertEqual(frame.overall?.bitsPerSecondToClient, 8_001_600)
        XCTAssertEqual(frame.movedCounters.map(\.name), ["dropped_malformed"], "only drops, only those that moved")
        XCTAssertEqual(frame.movedCounters.first?.delta, 4)
        XCTAssertEqual(frame.movedCounters.first?.total, 7)
        XCTAssertEqual(frame.endedSessions, 0)
    }

    func testNewEndedAndResetSessions() throws {
        let old = session("02:00:00:00:00:01", id: 1, toAC: (100, 10_000), toClient: (100, 10_000))
        let gone = session("02:00:00:00:00:02", id: 2, toAC: (1, 1), toClient: (1, 1))
        // The same client dialled again: another AC session id, so another session.
        let redialled = session("02:00:00:00:00:02", id: 3, toAC: (10, 1000), toClient: (0, 0))
        // Counters that went backwards under the same identity: counted from zero.
        let reset = session("02:00:00:00:00:01", id: 1, toAC: (4, 400), toClient: (2, 200))
        let frame = MonitorRates.frame(previous: MonitorSample(seconds: 0, status: status(), sessions: [old, gone]),
                                       current: MonitorSample(seconds: 1, status: status(), sessions: [reset, redialled]))
        XCTAssertEqual(frame.endedSessions, 1)
        let new = try XCTUnwrap(frame.sessions.first { $0.session.clientSessionID == 3 })
        XCTAssertTrue(new.isNew)
        XCTAssertEqual(new.rates?.packetsPerSecondToAC, 10)
        let again = try XCTUnwrap(frame.sessions.first { $0.session.clientSessionID == 1 })
        XCTAssertFalse(again.isNew)
        XCTAssertEqual(again.rates?.bitsPerSecondToAC, 3200)
    }

    /// Another pid: every counter of the old relay is history, and nothing "ended" because of it.
    func testARestartedRelaysAdoptedSessionsShowTheirRealRateAndResetCountersCountFromZero() {
        let previous = MonitorSample(seconds: 0, status: status(pid: 1, counters: ["dropped_malformed": 50]), sessions: [
            session("02:00:00:00:00:01", id: 1, toAC: (900, 90_000), toClient: (0, 0)),
            session("02:00:00:00:00:02", id: 2, toAC: (900, 90_000), toClient: (0, 0)),
        ])
        let current = MonitorSample(seconds: 1, status: status(pid: 2, counters: ["dropped_malformed": 2]), sessions: [
            session("02:00:00:00:00:01", id: 1, toAC: (1000, 100_000), toClient: (0, 0)),
            session("02:00:00:00:00:02", id: 2, toAC: (30, 3_000), toClient: (0, 0)),
        ])
        let frame = MonitorRates.frame(previous: previous, current: current)
        XCTAssertTrue(frame.restarted)
        XCTAssertEqual(frame.endedSessions, 0)
        let byID = Dictionary(uniqueKeysWithValues: frame.sessions.map { ($0.session.clientSessionID, $0) })
        XCTAssertEqual(byID[1]?.rates?.packetsPerSecondToAC, 100, "an adopted session's rate is its interval's, not its history")
        XCTAssertEqual(byID[1]?.rates?.bitsPerSecondToAC, 80_000)
        XCTAssertEqual(byID[1]?.isNew, false)
        XCTAssertEqual(byID[2]?.rates?.packetsPerSecondToAC, 30, "counters that went backwards count from zero")
        XCTAssertEqual(byID[2]?.isNew, false)
        XCTAssertEqual(frame.movedCounters.first?.delta, 2, "a drop counter that went backwards counts from zero")
    }

    func testTextShowsRatesTotalsAndEscapesNames() {
        var before = session("02:00:00:00:00:01", id: 7, toAC: (0, 0), toClient: (0, 0))
        before.lanInterface = "lan\u{1B}[31m"
        let previous = MonitorSample(seconds: 0, status: status(counters: ["dropped_unknown_session": 1]), sessions: [before])
        var lan = session("02:00:00:00:00:01", id: 7, toAC: (1500, 1_500_000), toClient: (3000, 4_500_000))
        lan.lanInterface = "lan\u{1B}[31m"
        let frame = MonitorRates.frame(previous: previous, current: MonitorSample(
            seconds: 1, status: status(counters: ["dropped_unknown_session": 4], sessions: 1), sessions: [lan]))
        let text = MonitorText.render(frame, clock: "12:00:00")
        XCTAssertTrue(text.hasPrefix("relay pid 100, userspace dataplane, up 1h02m, 1 session, 12:00:00\n"), text)
        XCTAssertTrue(text.contains("overall over 1 s: to AC 1.50k 12.0M, to client 3.00k 36.0M"), text)
        XCTAssertTrue(text.contains("drops: dropped_unknown_session +3 (4)"), text)
        XCTAssertTrue(text.contains(#"lan\e[31m"#), text)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B })
        XCTAssertTrue(text.contains("1.50MB"), text)
        XCTAssertFalse(text.contains("ended"), text)
        XCTAssertTrue(text.contains("02:00:00:00:00:01    7 "), text)
    }

    func testATerminalTooShortSaysHowManySessionsAreNotShown() {
        let sessions = (1...30).map { session("02:00:00:00:00:01", id: UInt16($0), toAC: (UInt64($0), 0), toClient: (0, 0)) }
        let frame = MonitorRates.frame(previous: nil, current: MonitorSample(seconds: 0, status: status(sessions: 30), sessions: sessions))
        let text = MonitorText.render(frame, rows: 12)
        XCTAssertLessThanOrEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 12, text)
        XCTAssertTrue(text.hasSuffix("more sessions (quieter)"), text)
    }

    func testJSONLinesAreOneLineVersionedSnakeCase() throws {
        let frame = MonitorRates.frame(
            previous: MonitorSample(seconds: 0, status: status(), sessions: []),
            current: MonitorSample(seconds: 0.5, status: status(counters: ["dropped_malformed": 1], sessions: 1),
                                   sessions: [session("02:00:00:00:00:01", id: 1, toAC: (1, 100), toClient: (0, 0))]))
        let json = MonitorLine(frame).json
        XCTAssertFalse(json.contains(UInt8(ascii: "\n")))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        XCTAssertEqual(object["schema_version"] as? Int, 1)
        XCTAssertEqual(object["interval_seconds"] as? Double, 0.5)
        XCTAssertEqual(object["counters_moved"] as? [String: Int], ["dropped_malformed": 1])
        let overall = try XCTUnwrap(object["overall"] as? [String: Double])
        XCTAssertEqual(overall["bits_per_second_to_ac"], 1600)
        let session = try XCTUnwrap((object["sessions"] as? [[String: Any]])?.first)
        XCTAssertEqual(session["client_mac"] as? String, "02:00:00:00:00:01")
        XCTAssertEqual(session["new"] as? Bool, true)
        XCTAssertEqual((session["rates"] as? [String: Double])?["packets_per_second_to_ac"], 2)
        for key in Array(object.keys) + Array(session.keys) { XCTAssertEqual(key, key.lowercased()) }
    }
}
