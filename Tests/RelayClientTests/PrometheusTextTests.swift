import ControlProtocol
import JSON
import RelayClient
import UserspaceRelay
import XCTest

final class PrometheusTextTests: XCTestCase {
    func testLabelValuesAreEscapedAsTheFormatSays() {
        XCTAssertEqual(PrometheusText.escapedLabelValue(#"a\b"c"# + "\nd"), #"a\\b\"c\nd"#)
        XCTAssertEqual(PrometheusText.escapedLabelValue("br-lan"), "br-lan")
        XCTAssertEqual(PrometheusText.escapedHelp("a\\b\n\"c\""), #"a\\b\n"c""#)
    }

    func testNamesAreHeldToTheFormatsAlphabet() {
        XCTAssertEqual(PrometheusText.metricName("pppoe_relay_up"), "pppoe_relay_up")
        XCTAssertEqual(PrometheusText.metricName("a b{c}\n"), "a_b_c__")
        XCTAssertEqual(PrometheusText.metricName("9lives"), "_9lives")
        XCTAssertEqual(PrometheusText.metricName(""), "_")
    }

    func testAFamilyIsDeclaredOnceBeforeItsSamples() {
        var out = PrometheusText()
        out.family("x", .gauge, help: "help")
        out.sample("x", ["k": "v"], value: UInt64(3))
        out.family("x", .gauge, help: "again")
        out.sample("x", ["k": "w"], value: true)
        XCTAssertEqual(out.text, "# HELP x help\n# TYPE x gauge\nx{k=\"v\"} 3\nx{k=\"w\"} 1\n")
    }

    /// An interface name built to end the label early and forge a sample stays inside its value.
    func testAHostileInterfaceNameCannotForgeASample() {
        let hostile = "eth0\"} 1\npppoe_relay_up{x=\"\\"
        let text = RelayMetrics.render(status: status(interfaces: [interface(hostile, operstate: "up\n")]), sessions: [])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.filter { $0.hasPrefix("pppoe_relay_up ") || $0.hasPrefix("pppoe_relay_up{") }, ["pppoe_relay_up 1"])
        XCTAssertTrue(text.contains(#"pppoe_relay_interface_carrier{interface="eth0\"} 1\npppoe_relay_up{x=\"\\",role="wan"} 1"#),
                      text)
        XCTAssertTrue(text.contains(#"operstate="up\n"} 1"#), text)
    }

    func testStatusAndSessionsBecomeMetrics() {
        var report = status(interfaces: [interface("wan0", operstate: "up"),
                                         interface("lan0", role: "lan", operstate: "lowerlayerdown", carrier: false)])
        report.counters["dropped_malformed"] = 7
        report.counters["some_future_counter"] = 2
        let sessions = [session(lan: "lan0", idle: 4, bytesToAC: 100, bytesToClient: 1000),
                        session(lan: "lan0", idle: 9, bytesToAC: 50, bytesToClient: 5)]
        let samples = parse(RelayMetrics.render(status: report, sessions: sessions))
        XCTAssertEqual(samples["pppoe_relay_up"], "1")
        XCTAssertEqual(samples["pppoe_relay_uptime_seconds"], "42")
        XCTAssertEqual(samples["pppoe_relay_sessions"], "2")
        XCTAssertEqual(samples["pppoe_relay_sessions_max"], "5000")
        XCTAssertEqual(samples["pppoe_relay_dropped_malformed_total"], "7")
        XCTAssertEqual(samples["pppoe_relay_some_future_counter_total"], "2")
        // Prometheus' linter reads "us" as microseconds: the metric says what the key means.
        report.counters["dropped_not_for_us"] = 3
        let renamed = parse(RelayMetrics.render(status: report, sessions: []))
        XCTAssertEqual(renamed["pppoe_relay_dropped_for_other_hosts_total"], "3")
        XCTAssertFalse(RelayMetrics.render(status: report, sessions: []).contains("pppoe_relay_dropped_not_for_us"))
        XCTAssertEqual(samples[#"pppoe_relay_interface_carrier{interface="lan0",role="lan"}"#], "0")
        XCTAssertEqual(samples[#"pppoe_relay_interface_carrier{interface="wan0",role="wan"}"#], "1")
        XCTAssertEqual(samples[#"pppoe_relay_interface_operstate{interface="lan0",role="lan",operstate="lowerlayerdown"}"#], "1")
        XCTAssertEqual(samples[#"pppoe_relay_interface_sessions{interface="lan0",role="lan"}"#], "2")
        XCTAssertNil(samples[#"pppoe_relay_interface_sessions{interface="wan0",role="wan"}"#], "no client sessions on the WAN")
        XCTAssertEqual(samples[#"pppoe_relay_session_bytes{direction="to_ac"}"#], "150")
        XCTAssertEqual(samples[#"pppoe_relay_session_bytes{direction="to_client"}"#], "1005")
        XCTAssertEqual(samples["pppoe_relay_session_idle_seconds_max"], "9")
        XCTAssertEqual(samples["pppoe_relay_kernel_error"], "0")
        XCTAssertEqual(samples[#"pppoe_relay_dataplane_info{dataplane="kernel",mss="auto"}"#], "1")
        // Every known counter is there, as a counter.
        let text = RelayMetrics.render(status: report, sessions: sessions)
        for (name, _) in RelayCounters().fields {
            XCTAssertTrue(text.contains("# TYPE \(RelayMetrics.counterMetric(name)) counter\n"), name)
        }
    }

    /// A journal that cannot be written costs nothing until the relay restarts: the status,
    /// its JSON and the metrics say so while it lasts.
    func testTheJournalsStateIsInTheStatusItsJSONAndTheMetrics() throws {
        var report = status(interfaces: [])
        XCTAssertNil(parse(RelayMetrics.render(status: report, sessions: []))["pppoe_relay_journal_writable"],
                     "a daemon that says nothing of a journal gets no journal metric")
        report.journalWritable = false
        report.journalError = "No space left on device"
        report.journalWriteFailures = 3
        let samples = parse(RelayMetrics.render(status: report, sessions: []))
        XCTAssertEqual(samples["pppoe_relay_journal_writable"], "0")
        XCTAssertEqual(samples["pppoe_relay_journal_write_failures_total"], "3")
        let text = RelayMetrics.render(status: report, sessions: [])
        XCTAssertTrue(text.contains("# TYPE pppoe_relay_journal_writable gauge\n"), text)
        XCTAssertTrue(text.contains("# TYPE pppoe_relay_journal_write_failures_total counter\n"), text)

        let plain = ReportText.status(report)
        XCTAssertTrue(plain.contains("journal: NOT WRITTEN (No space left on device)"), plain)
        let decoded = try JSON.decode(StatusReport.self, from: ControlJSON.encode(report))
        XCTAssertEqual(decoded.journalWritable, false)
        XCTAssertEqual(decoded.journalError, "No space left on device")
        XCTAssertEqual(decoded.journalWriteFailures, 3)
        let json = String(decoding: ControlJSON.encode(report), as: UTF8.self)
        for key in [#""journal_writable" : false"#, #""journal_error" : "No space left on device""#,
                    #""journal_write_failures" : 3"#] {
            XCTAssertTrue(json.contains(key), json)
        }

        report.journalWritable = true
        report.journalError = nil
        XCTAssertEqual(parse(RelayMetrics.render(status: report, sessions: []))["pppoe_relay_journal_writable"], "1")
        XCTAssertTrue(ReportText.status(report).contains("journal: written, 3 failed writes since start"), ReportText.status(report))
    }

    /// Sessions whose counters sum past 2^64 give the largest value, not a wrapped small one.
    func testSessionTotalsSaturate() {
        let sessions = [session(lan: "lan0", idle: 1, bytesToAC: .max - 10, bytesToClient: 1),
                        session(lan: "lan0", idle: 1, bytesToAC: 20, bytesToClient: 2)]
        let samples = parse(RelayMetrics.render(status: status(interfaces: []), sessions: sessions))
        XCTAssertEqual(samples[#"pppoe_relay_session_bytes{direction="to_ac"}"#], "\(UInt64.max)")
        XCTAssertEqual(samples[#"pppoe_relay_session_bytes{direction="to_client"}"#], "3")
    }

    func testNoRelayIsUpZeroAndNothingElse() {
        XCTAssertEqual(parse(RelayMetrics.notRunning()), ["pppoe_relay_up": "0"])
    }

    // MARK: Helpers

    /// Sample lines as series → value; every family must be declared (HELP, TYPE) before its samples.
    private func parse(_ text: String) -> [String: String] {
        XCTAssertTrue(text.hasSuffix("\n"))
        var declared = Set<String>(), samples: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") { declared.insert(String(line.split(separator: " ")[2])) }
            if line.hasPrefix("#") { continue }
            let space = line.lastIndex(of: " ")!
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            XCTAssertTrue(declared.contains(name), "\(name) sampled before its TYPE")
            XCTAssertNil(samples[series], "\(series) twice")
            samples[series] = String(line[line.index(after: space)...])
        }
        return samples
    }

    private func interface(_ name: String, role: String = "wan", operstate: String, carrier: Bool = true)
        -> StatusReport.Interface {
        .init(name: name, role: role, index: 2, mac: "02:00:00:00:00:01", mtu: 1500, state: "up",
              operstate: operstate, carrier: carrier)
    }

    private func status(interfaces: [StatusReport.Interface]) -> StatusReport {
        StatusReport(pid: 1, dataplane: "kernel", dataplaneReason: "test", uptimeSeconds: 42, interfaces: interfaces,
                     sessionCount: 2, maxSessions: 5000, idleTimeoutSeconds: 600,
                     counters: Dictionary(uniqueKeysWithValues: RelayCounters().fields.map { ($0.name, $0.value) }),
                     configuration: RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0"), mss: "auto",
                     kernelError: nil)
    }

    private func session(lan: String, idle: Int64, bytesToAC: UInt64, bytesToClient: UInt64) -> SessionReport {
        SessionReport(lanInterface: lan, clientMAC: "02:00:00:00:00:02", clientSessionID: 1, wanInterface: "wan0",
                      acMAC: "02:00:00:00:00:03", acSessionID: 7, acName: "ac", serviceName: "", uptimeSeconds: 60,
                      idleSeconds: idle, packetsToAC: 1, bytesToAC: bytesToAC, packetsToClient: 1,
                      bytesToClient: bytesToClient, kernelPacketsToAC: 0, kernelPacketsToClient: 0)
    }
}
