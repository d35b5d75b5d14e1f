import Foundation
import XCTest

/// What monitoring reads: status --json and metrics agree, interface state comes from the
/// kernel's operstate and carrier, sessions report how long they have been idle.
final class MonitoringTests: LabTestCase {
    func testStatusMetricsAndSessionsAgreeAndFollowTheLink() throws {
        guard FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/prometheus_client") else {
            throw XCTSkip("python3-prometheus-client is missing: run scripts/setup")
        }
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)

        var status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["running"] as? Bool, true)
        XCTAssertEqual(status["schema_version"] as? Int, 1)
        for interface in try XCTUnwrap(status["interfaces"] as? [[String: Any]]) {
            XCTAssertEqual(interface["operstate"] as? String, "up", "\(interface)")
            XCTAssertEqual(interface["carrier"] as? Bool, true, "\(interface)")
        }
        let configuration = try XCTUnwrap(status["configuration"] as? [String: Any])
        XCTAssertEqual(configuration["lan_interfaces"] as? [String], ["lan0"])

        // The client sends no more after its two echoes: the session's idle time grows.
        try lab.waitUntil("the session has been idle 2 s", timeout: 10) {
            (try self.onlySession()["idle_seconds"] as? Int ?? 0) >= 2
        }
        let session = try onlySession()
        XCTAssertLessThanOrEqual(try XCTUnwrap(session["idle_seconds"] as? Int), try XCTUnwrap(session["uptime_seconds"] as? Int))
        let text = lab.relayctl(in: routerNS, ["sessions"])
        try lab.check(text, "relayctl sessions")
        XCTAssertTrue(text.stdout.contains("IDLE(s)"), text.stdout)

        // The client's end of lan0 goes down: lan0 still exists (state up) but has no carrier,
        // and the kernel calls it down (a veth has no lower device to be lowerlayerdown).
        try lab.check(lab.run(in: client1NS, ["ip", "link", "set", "cl0", "down"]), "cl0 down")
        try lab.waitUntil("status shows lan0 without carrier", timeout: 10) {
            let report = try XCTUnwrap(self.lab.query(self.routerNS, "status") as? [String: Any])
            let lan0 = (report["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "lan0" }
            return lan0?["carrier"] as? Bool == false && lan0?["operstate"] as? String == "down"
                && lan0?["state"] as? String == "up"
        }
        let plain = lab.relayctl(in: routerNS, ["status"])
        XCTAssertTrue(plain.stdout.contains("lan: lan0 up (operstate down, carrier off"), plain.stdout)

        // Metrics, parsed by prometheus_client (not our code), against status --json.
        let metrics = lab.relayctl(in: routerNS, ["metrics"])
        try lab.check(metrics, "relayctl metrics")
        try metrics.stdout.write(to: lab.file("metrics.prom"), atomically: true, encoding: .utf8)
        let parsed = lab.run(in: routerNS, ["/usr/bin/python3", "-c", """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ','.join('%s=%s' % kv for kv in sorted(s.labels.items()))
                    out[s.name + ('{' + labels + '}' if labels else '')] = s.value
            print(json.dumps(out))
            """, lab.file("metrics.prom").path])
        try lab.check(parsed, "prometheus_client parses the metrics")
        let samples = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Double])
        status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(samples["pppoe_relay_up"], 1)
        XCTAssertEqual(samples["pppoe_relay_sessions"], Double(try XCTUnwrap(status["session_count"] as? Int)))
        XCTAssertEqual(samples["pppoe_relay_sessions_max"], Double(try XCTUnwrap(status["max_sessions"] as? Int)))
        XCTAssertEqual(samples["pppoe_relay_interface_carrier{interface=lan0,role=lan}"], 0)
        XCTAssertEqual(samples["pppoe_relay_interface_carrier{interface=wan0,role=wan}"], 1)
        XCTAssertEqual(samples["pppoe_relay_interface_operstate{interface=lan0,operstate=down,role=lan}"], 1)
        XCTAssertEqual(samples["pppoe_relay_interface_sessions{interface=lan0,role=lan}"], 1)
        // prometheus_client names a counter's sample NAME_total. Counters only grow, so each is
        // at least what the earlier status said and at most what the later one says.
        let counters = try XCTUnwrap(status["counters"] as? [String: Int])
        XCTAssertFalse(counters.isEmpty)
        for (name, value) in counters {
            // The one counter whose metric is named apart from its key (promtool reads "us" as µs).
            let metric = name == "dropped_not_for_us" ? "dropped_for_other_hosts" : name
            let sample = try XCTUnwrap(samples["pppoe_relay_\(metric)_total"], name)
            XCTAssertLessThanOrEqual(sample, Double(value), name)
        }
        XCTAssertGreaterThanOrEqual(samples["pppoe_relay_sessions_created_total"] ?? 0, 1)
    }

    /// Prometheus' own linter (promtool, not our code) accepts every metric name, type and help
    /// text a relay with a live session prints, on each dataplane: the counters the kernel
    /// dataplane fills are the same names, but a relay is the only honest source of the list.
    func testPromtoolAcceptsTheMetricsOfTheUserspaceDataplane() throws { try promtoolAcceptsMetrics(on: "userspace") }
    func testPromtoolAcceptsTheMetricsOfTheKernelDataplane() throws { try promtoolAcceptsMetrics(on: "kernel") }

    private func promtoolAcceptsMetrics(on dataplane: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            throw XCTSkip("promtool is missing (Debian's prometheus package): run scripts/setup")
        }
        // The linter is live: the name this relay once printed is flagged, so a pass below means something.
        let oldName = "pppoe_relay_dropped_not_for_us_total"
        try "# HELP \(oldName) x\n# TYPE \(oldName) counter\n\(oldName) 0\n"
            .write(to: lab.file("old.prom"), atomically: true, encoding: .utf8)
        let old = promtool(lab.file("old.prom"))
        XCTAssertNotEqual(old.status, 0)
        XCTAssertTrue(old.stdout.contains("abbreviated units"), old.stdout)

        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        try lab.startRelay(in: routerNS, lans: ["lan0"], wan: "wan0", extra: ["--dataplane", dataplane])
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 2)
        try waitForReplies("client", atLeast: 2)
        let status = try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any])
        XCTAssertEqual(status["dataplane"] as? String, dataplane, "\(status)")

        let metrics = lab.relayctl(in: routerNS, ["metrics"])
        try lab.check(metrics, "relayctl metrics")
        XCTAssertTrue(metrics.stdout.contains("\npppoe_relay_sessions 1\n"), metrics.stdout)
        XCTAssertTrue(metrics.stdout.contains("dataplane=\"\(dataplane)\""), metrics.stdout)
        try metrics.stdout.write(to: lab.file("metrics.prom"), atomically: true, encoding: .utf8)
        let lint = promtool(lab.file("metrics.prom"))
        XCTAssertEqual(lint.status, 0, "promtool check metrics:\n\(lint.stdout)")
        XCTAssertEqual(lint.stdout, "", "promtool's complaints")
    }

    /// `promtool check metrics` on a file; its findings (stdout and stderr together) in `stdout`.
    private func promtool(_ file: URL) -> Lab.Output {
        Lab.run(["/bin/sh", "-c", "/usr/bin/promtool check metrics < \"$1\" 2>&1", "promtool", file.path])
    }

    func testNoRelayIsExitThreeWithRunningFalseAndUpZero() throws {
        let runtime = lab.file("nothing-here").path
        let json = Lab.run([Lab.relayctl, "status", "--json", "--runtime-dir", runtime])
        XCTAssertEqual(json.status, 3)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(document["running"] as? Bool, false)
        XCTAssertEqual(document["schema_version"] as? Int, 1)
        XCTAssertTrue((document["reason"] as? String)?.contains("no relay is running") == true, "\(document)")
        XCTAssertEqual(json.stderr.split(separator: "\n").count, 1, json.stderr)

        let metrics = Lab.run([Lab.relayctl, "metrics", "--runtime-dir", runtime])
        XCTAssertEqual(metrics.status, 3)
        XCTAssertEqual(metrics.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }, ["pppoe_relay_up 0"])
    }
}
