import Foundation
import XCTest

/// Control clients that connect and say nothing, or read their answer a byte at a time, while
/// a client dials and pushes LCP through the relay: forwarding must not notice them. (A daemon
/// that served them inline, waiting 200 ms on each silent one, stalled for seconds.)
final class ControlLoadTests: LabTestCase {
    /// Keeps `silent` connections open and quiet, and `slow` clients that write their request a
    /// byte every 0.2 s and read the answer 256 bytes every 0.2 s, counting the complete answers
    /// in `pressure.answers`. Whatever the relay closes (deadline, eviction) is opened again at
    /// once, so the pressure never lets up. Writes `pressure.ready` once all are connected.
    func startPressure(silent: Int, slow: Int) throws {
        let script = """
            import json, select, socket, sys, time
            path, silent, slow, ready, answers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
            def connect():
                s = socket.socket(socket.AF_UNIX); s.connect(path); return s
            def slow_client():
                return {'socket': connect(), 'request': b'status\\n', 'answer': b''}
            quiet = [connect() for _ in range(silent)]
            slow_clients = [slow_client() for _ in range(slow)]
            open(ready, 'w').write('%d %d\\n' % (len(quiet), len(slow_clients)))
            complete = 0
            while True:
                time.sleep(0.2)
                closed, _, _ = select.select(quiet, [], [], 0)
                for s in closed:
                    quiet[quiet.index(s)] = connect(); s.close()
                for i, c in enumerate(slow_clients):
                    try:
                        if c['request']:
                            c['socket'].sendall(c['request'][:1]); c['request'] = c['request'][1:]
                            continue
                        chunk = c['socket'].recv(256)
                        if chunk:
                            c['answer'] += chunk
                            continue
                        if c['answer'].startswith(b'{') and 'pid' in json.loads(c['answer']):
                            complete += 1
                            open(answers, 'w').write('%d\\n' % complete)
                    except OSError:
                        pass  # closed by the relay before it was done: start over
                    c['socket'].close(); slow_clients[i] = slow_client()
            """
        try lab.spawn("pressure", in: routerNS, [Lab.python, "-c", script, lab.file("run/control.sock").path,
                                                 String(silent), String(slow), lab.file("pressure.ready").path,
                                                 lab.file("pressure.answers").path])
        try lab.waitUntil("the control clients are connected", timeout: 10) { !lab.text("pressure.ready").isEmpty }
    }

    /// Sockets the relay process holds open.
    func socketCount(_ pid: Int32) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))?
            .hasPrefix("socket:") == true }.count
    }

    /// Round trips of our LCP Echo-Requests (sent after the first reply, when the session is
    /// surely up), matched to their replies by identifier.
    func echoRoundTrips(_ client: String) -> (sent: Int, times: [Double]) {
        let replies = lab.events(client, "rx", code: 10)
        guard let first = replies.first?["time"] as? Double else { return (0, []) }
        let sent = lab.events(client, "tx", code: 9).filter { ($0["time"] as? Double ?? 0) > first }
        let times = sent.compactMap { request -> Double? in
            guard let id = request["id"] as? Int, let at = request["time"] as? Double,
                  let reply = replies.first(where: { $0["id"] as? Int == id && ($0["time"] as? Double ?? 0) >= at }),
                  let back = reply["time"] as? Double else { return nil }
            return back - at
        }
        return (sent.count, times)
    }

    func testSilentAndSlowControlClientsDoNotHoldForwardingUp() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        let baseline = socketCount(relay.processIdentifier)
        try startPressure(silent: 20, slow: 2)
        // Checked, not awaited: a relay that closes them early must still show what they cost.
        let held = (try? lab.waitUntil("the relay holds the 20 silent control connections", timeout: 5) {
            self.socketCount(relay.processIdentifier) >= baseline + 20
        }) != nil
        XCTAssertTrue(held, "the relay holds every silent client")

        // A client dials through the relay while they stay connected, and pushes 40 echoes.
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 40, interval: 0.1)
        try waitForReplies("client", atLeast: 40, timeout: 30)
        XCTAssertGreaterThanOrEqual(socketCount(relay.processIdentifier), baseline + 20,
                                    "the silent clients were connected throughout")
        let answered = Int(lab.text("pressure.answers").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(answered, 0, "a request written a byte at a time is still answered in full")
        let (sent, times) = echoRoundTrips("client")
        XCTAssertGreaterThanOrEqual(sent, 30)
        XCTAssertEqual(times.count, sent, "every echo answered")
        let sorted = times.sorted()
        let median = sorted[sorted.count / 2], worst = sorted.last ?? 0
        print("LCP echo round trip with 20 silent and 2 slow control clients: median \(Int(median * 1000)) ms, "
              + "worst \(Int(worst * 1000)) ms over \(times.count) echoes")
        XCTAssertLessThan(worst, 0.5, "an echo waited behind the control clients (median \(median) s)")

        // And the control socket still serves people at once.
        let started = Date()
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    /// An answer far larger than the socket's buffer (1,000 sessions), read 32 KiB every 0.25 s:
    /// the relay writes what fits and comes back when there is room, while more clients set up
    /// sessions and echo through it, and root's status still answers at once. (A relay that
    /// wrote it blocking would stall for the two seconds the reader takes.)
    func testASlowReaderOfALargeAnswerDoesNotHoldForwardingUp() throws {
        try buildTopology()
        try startTestAC(["--quiet"], seconds: 120)
        try startRelay()
        try startMassClients("mass", count: 1000, sample: 10)
        XCTAssertEqual(try massClientSummary("mass", timeout: 90)["established"] as? Int, 1000)

        try lab.spawn("reader", in: routerNS, [Lab.python, "-c", """
            import json, socket, sys, time
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'sessions\\n')
            started, answer = time.time(), b''
            open(sys.argv[2] + '.started', 'w').write('reading\\n')
            while True:
                chunk = s.recv(32768)
                if not chunk:
                    break
                answer += chunk
                time.sleep(0.25)
            open(sys.argv[2], 'w').write('%d %d %.2f\\n' % (len(answer), len(json.loads(answer)['sessions']), time.time() - started))
            """, lab.file("run/control.sock").path, lab.file("reader.result").path])
        try lab.waitUntil("the reader started", timeout: 5) { !lab.text("reader.result.started").isEmpty }

        // While it reads: 20 more clients dial and echo through the relay, and status answers.
        try startMassClients("more", count: 20, sample: 20, offset: 1000)
        let started = Date()
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "status waited behind the slow reader")
        let more = try massClientSummary("more", timeout: 30)
        XCTAssertEqual(more["established"] as? Int, 20, "\(more)")
        XCTAssertEqual(more["answered"] as? Int, 20, "\(more)")
        XCTAssertTrue(lab.text("reader.result").isEmpty, "the slow reader was still reading meanwhile")

        try lab.waitUntil("the slow reader has its whole answer", timeout: 15) { !lab.text("reader.result").isEmpty }
        let result = lab.text("reader.result").trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        let bytes = Int(result[0]) ?? 0, sessions = Int(result[1]) ?? 0, seconds = Double(result[2]) ?? 0
        print("slow reader: \(bytes) bytes, \(sessions) sessions in \(seconds) s")
        // A UNIX socket queues at most its send buffer (net.core.wmem_default) for the reader.
        let buffer = Int(lab.run(in: routerNS, ["cat", "/proc/sys/net/core/wmem_default"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 212_992
        XCTAssertGreaterThan(bytes, 2 * buffer, "an answer the socket cannot take in one write")
        XCTAssertGreaterThanOrEqual(sessions, 1000, "the whole answer, resumed after every partial write")
        XCTAssertGreaterThan(seconds, 2, "read slowly")
    }

    /// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM).
    func memoryKiB(_ pid: Int32, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        return try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    /// 30 clients ask for `sessions` with 8,000 sessions in the table (4 MB of JSON each)
    /// and never read a byte. The relay gives each only what fits under its caps, drops them
    /// with a line naming them once they have read nothing for a while, and meanwhile a client
    /// that reads gets its whole answer. (A relay that encoded on regardless held the whole
    /// document for each: 65,534 sessions and 32 such clients took it from 88 to 694 MB.)
    func testClientsThatNeverReadHoldNoMoreThanTheCaps() throws {
        let sessions = 8000, stuck = 30
        try buildTopology()
        try startTestAC(["--quiet"], seconds: 300)
        let relay = try startRelay(extra: ["--padi-rate", "0", "--max-sessions", String(sessions)])
        try startMassClients("mass", count: sessions, sample: 100)
        XCTAssertEqual(try massClientSummary("mass", timeout: 240)["established"] as? Int, sessions)
        let pid = relay.processIdentifier
        // The peak from here on: writing 5 to clear_refs sets VmHWM back to the current RSS.
        try lab.check(Lab.run(["sh", "-c", "echo 5 > /proc/\(pid)/clear_refs"]), "reset the relay's peak RSS")
        let before = try memoryKiB(pid, "VmRSS")

        let stuckPID = try lab.spawn("stuck", in: routerNS, [Lab.python, "-c", """
            import socket, sys, time
            path, count, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            held = []
            for _ in range(count):
                s = socket.socket(socket.AF_UNIX)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
                s.connect(path); s.sendall(b'sessions\\n'); held.append(s)
            open(ready, 'w').write('%d\\n' % len(held))
            time.sleep(120)
            """, lab.file("run/control.sock").path, String(stuck), lab.file("stuck.ready").path]).processIdentifier
        try lab.waitUntil("the clients that never read have asked", timeout: 10) { !lab.text("stuck.ready").isEmpty }

        try lab.spawn("reader", in: routerNS, [Lab.python, "-c", """
            import json, socket, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'sessions\\n')
            answer = b''
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            open(sys.argv[2], 'w').write('%d %d\\n' % (len(answer), len(json.loads(answer)['sessions'])))
            """, lab.file("run/control.sock").path, lab.file("reader.result").path])
        try lab.waitUntil("the reader has its whole answer", timeout: 15) { !lab.text("reader.result").isEmpty }
        let result = lab.text("reader.result").split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(result.last, sessions, "a client that reads gets every session while the others hold theirs")

        let dropped = {
            self.lab.text("relay.err").split(separator: "\n").filter { $0.contains("control client uid 0 pid \(stuckPID) dropped: read nothing") }
        }
        let all = (try? lab.waitUntil("the relay dropped the clients that never read", timeout: 15) { dropped().count >= stuck }) != nil
        XCTAssertTrue(all, "every client that never read is dropped with a line naming it: \(dropped().count) of \(stuck)")
        let peak = try memoryKiB(pid, "VmHWM"), after = try memoryKiB(pid, "VmRSS")
        let answerBytes = result.first ?? 0
        print("\(stuck) clients that never read \(answerBytes)-byte sessions answers (\(sessions) sessions): relay RSS "
              + "\(before) KiB before, \(peak) KiB peak, \(after) KiB after; \(dropped().first ?? "")")
        // What the caps allow: one client's unread output under 256 KiB and one session more
        // (a slice stops once past its room); all of theirs under 4 MiB, and 16 KiB more for
        // each of 32 that read all it had; 2 MiB for the allocator. Each client would otherwise
        // hold what was encoded for it until it was dropped, megabytes.
        let kibibyte = 1024, session = 4 * kibibyte
        for line in dropped() {
            let waiting = line.split(separator: " ").reversed().dropFirst().first.flatMap { Int($0) } ?? .max
            XCTAssertLessThanOrEqual(waiting, 256 * kibibyte + session, "one client's unread output over its cap: \(line)")
        }
        let allowed = 4096 * kibibyte + 32 * (16 * kibibyte + session) + 2048 * kibibyte
        XCTAssertLessThan((peak - before) * kibibyte, allowed, "the relay held more for the clients that never read than its caps")
        XCTAssertTrue(relay.isRunning)
    }

    func testMoreIdleClientsThanSeatsCannotLockPeopleOut() throws {
        try buildTopology()
        let relay = try startRelay()
        let baseline = socketCount(relay.processIdentifier)
        try startPressure(silent: 50, slow: 0)
        let full = (try? lab.waitUntil("the relay is full of idle clients", timeout: 5) {
            self.socketCount(relay.processIdentifier) >= baseline + 32
        }) != nil
        XCTAssertTrue(full, "the relay holds as many idle clients as it has seats")
        XCTAssertLessThanOrEqual(socketCount(relay.processIdentifier), baseline + 32, "at most 32 control clients")
        for _ in 0..<5 {
            let out = lab.relayctl(in: routerNS, ["status"])
            XCTAssertEqual(out.status, 0, "a full house of idle clients must not lock root out: \(out.stderr)")
        }
        XCTAssertTrue(relay.isRunning)
    }

    /// Out of descriptors (a tight RLIMIT_NOFILE, or another process holding the system's): a
    /// connection the relay cannot accept stays queued and keeps its socket readable. The relay
    /// closes its oldest control client to make room instead of waking for it again and again,
    /// and root's status still answers.
    func testRunningOutOfDescriptorsNeitherSpinsNorLocksStatusOut() throws {
        try buildTopology()
        let relay = try startRelay()
        let pid = relay.processIdentifier
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) }
        var limit = 0
        while limit - open.filter({ $0 < limit }).count < 2 { limit += 1 }
        try lab.check(Lab.run(["prlimit", "--pid", String(pid), "--nofile=\(limit):\(limit)"]), "lower the relay's descriptor limit")
        // Two silent clients take the two free descriptors; the third finds none.
        try startPressure(silent: 3, slow: 0)
        let before = try processCPUSeconds(pid)
        Thread.sleep(forTimeInterval: 2)
        let spent = try processCPUSeconds(pid) - before
        XCTAssertLessThan(spent, 0.5, "the relay spun on a connection it could not accept: \(spent) s of CPU in 2 s")
        let out = lab.relayctl(in: routerNS, ["status"])
        XCTAssertEqual(out.status, 0, "status with no descriptor to spare: \(out.stderr)")
        XCTAssertTrue(relay.isRunning)
    }
}
