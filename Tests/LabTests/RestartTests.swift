import Foundation
import XCTest

/// Sessions survive the daemon: a crash (SIGKILL) and a new start, `relayctl restart`, an upgrade
/// of the binary, a restart with one LAN fewer; and a journal that cannot be read costs nothing
/// but itself. A real rp-pppoe client sends an LCP Echo-Request every 100 ms throughout: on the
/// kernel dataplane (whose table outlives the daemon) none may be lost; on the userspace one at
/// most those of the gap; and no client dials again.
class RestartScenarios: LabTestCase {
    static let interval = 0.1

    /// Echoes sent and answered by `client` once it has sent `count` and the last had time to come back.
    func settledEchoes(_ client: String, count: Int) throws -> (sent: Int, answered: Int) {
        try lab.waitUntil("\(client) sent its \(count) echoes", timeout: Double(count) * Self.interval + 30) {
            lab.events(client, "tx", code: 9).count >= count
        }
        // Replies come back within milliseconds; a lost one never does: up to 2 s for the last ones.
        let deadline = Date().addingTimeInterval(2)
        while lab.echoReplies(client) < count, Date() < deadline { usleep(20_000) }
        return (lab.events(client, "tx", code: 9).count, lab.echoReplies(client))
    }

    var relayPID: Int32? {
        ((try? lab.query(routerNS, "status") as? [String: Any])?["pid"] as? Int).map { Int32($0) }
    }

    func status() throws -> [String: Any] { try XCTUnwrap(lab.query(routerNS, "status") as? [String: Any]) }

    /// Stops whichever daemon answers now (one `relayctl restart` started detached).
    func stopDetachedRelay() {
        guard let pid = relayPID else { return }
        kill(pid, SIGTERM)
        try? lab.waitUntil("the detached relay exited", timeout: 10) { kill(pid, 0) != 0 }
    }

    /// The same session before and after, carried on: same ids, counters and uptime went on.
    func assertCarriedOn(_ before: [String: Any], _ after: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        for key in ["client_mac", "client_session_id", "ac_mac", "ac_session_id", "lan_interface", "ac_name", "service_name"] {
            XCTAssertEqual("\(after[key] ?? "-")", "\(before[key] ?? "-")", key, file: file, line: line)
        }
        XCTAssertGreaterThanOrEqual(after["uptime_seconds"] as? Int ?? -1, before["uptime_seconds"] as? Int ?? 0, file: file, line: line)
        XCTAssertGreaterThanOrEqual(after["packets_to_ac"] as? Int ?? -1, before["packets_to_ac"] as? Int ?? 0, file: file, line: line)
        XCTAssertGreaterThanOrEqual(after["packets_to_client"] as? Int ?? -1, before["packets_to_client"] as? Int ?? 0,
                                    file: file, line: line)
    }

    /// What every restart scenario checks once the echoes settled: nothing lost on the kernel
    /// dataplane, at most the gap's on the userspace one, one session, no second dial.
    func assertNoRedialAndLoss(_ what: String, gap: Double, count: Int) throws {
        let (sent, answered) = try settledEchoes("client", count: count)
        let lost = sent - answered
        print("\(what), \(dataplane) dataplane: \(lost) of \(sent) echoes lost, restart gap \(String(format: "%.3f", gap)) s")
        if dataplane == "kernel" {
            XCTAssertEqual(lost, 0, "the kernel table forwards while no daemon runs")
        } else {
            XCTAssertLessThanOrEqual(Double(lost) * Self.interval, gap + 2 * Self.interval, "more lost than the gap explains")
        }
        XCTAssertEqual(lab.events("server", "start").count, 1, "the client dialled again")
        XCTAssertTrue(lab.events("client", "exit").isEmpty, "the client gave up: \(lab.events("client", "exit"))")
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }

    func dial(echoes: Int) throws {
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: echoes, interval: Self.interval)
        try waitForReplies("client", atLeast: 5)
    }

    func scenarioSIGKILLAndStartAgainKeepsTheSession() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try dial(echoes: 60)
        let before = try onlySession()
        // A crash loses the userspace counts since the journal's last write (once a second): wait for one.
        let taken = Date()
        try lab.waitUntil("the journal was written after the reading", timeout: 5) {
            let written = try FileManager.default.attributesOfItem(atPath: lab.file("run/sessions.journal").path)[.modificationDate]
            return (written as? Date ?? .distantPast) > taken
        }

        let stopped = Date()
        lab.signal(relay, SIGKILL)
        try lab.waitUntil("the relay died", timeout: 5) { !relay.isRunning }
        try startRelay()
        let gap = Date().timeIntervalSince(stopped)

        assertCarriedOn(before, try onlySession())
        let status = try status()
        XCTAssertEqual(status["adopted_sessions"] as? Int, 1)
        XCTAssertNotNil(status["away_seconds"] as? Int)
        XCTAssertTrue(lab.text("relay.err").contains("adopted 1 sessions from the previous daemon"), lab.text("relay.err"))
        try assertNoRedialAndLoss("SIGKILL and start", gap: gap, count: 60)
    }

    func scenarioRelayctlRestartKeepsTheSession() throws {
        try restartThroughRelayctl(binary: Lab.relayctl, what: "relayctl restart")
    }

    /// An upgrade: the relay runs from bin/relayctl, a different binary is installed in its place
    /// (the old file unlinked, as a package manager does; the copy has bytes appended so that it
    /// is not the same file), and the new one restarts the relay.
    func scenarioAnUpgradedBinaryRestartsKeepingTheSession() throws {
        let bin = lab.file("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let installed = bin.appendingPathComponent("relayctl").path
        try FileManager.default.copyItem(atPath: Lab.relayctl, toPath: installed)
        try restartThroughRelayctl(binary: installed, what: "upgrade and restart") {
            var upgraded = try Data(contentsOf: URL(fileURLWithPath: Lab.relayctl))
            upgraded.append(Data("second build".utf8))
            try FileManager.default.removeItem(atPath: installed)
            try upgraded.write(to: URL(fileURLWithPath: installed))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: installed)
        }
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: installed)[.size] as? Int,
                       (try FileManager.default.attributesOfItem(atPath: Lab.relayctl)[.size] as? Int).map { $0 + 12 })
    }

    private func restartThroughRelayctl(binary: String, what: String, upgrade: () throws -> Void = {}) throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay(binary: binary)
        defer { stopDetachedRelay() }
        try dial(echoes: 60)
        let before = try onlySession()
        try upgrade()

        let started = Date()
        let out = lab.run(in: routerNS, [binary, "restart", "--runtime-dir", lab.file("run").path,
                                         "--config", lab.file("relay.json").path, "--root", lab.file("root").path])
        let gap = Date().timeIntervalSince(started)
        try lab.check(out, "relayctl restart")
        XCTAssertTrue(out.stdout.hasPrefix("restarted: pid \(relay.processIdentifier) -> "), out.stdout)
        XCTAssertTrue(out.stdout.contains("1 of 1 sessions kept"), out.stdout)
        XCTAssertFalse(relay.isRunning)
        XCTAssertEqual(relay.terminationStatus, 0)
        XCTAssertTrue(lab.text("relay.err").contains("stopping for a restart: 1 sessions kept"), lab.text("relay.err"))
        assertCarriedOn(before, try onlySession())
        XCTAssertEqual(try status()["adopted_sessions"] as? Int, 1)
        // The new daemon is the binary that ran `restart` (after an upgrade, the new one).
        let pid = try XCTUnwrap(relayPID)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), binary)
        try assertNoRedialAndLoss(what, gap: gap, count: 60)
    }

    /// A restart with one LAN fewer: its session ends (PADT to the AC), the other is carried on.
    func scenarioARestartWithoutOneLANEndsOnlyItsSession() throws {
        try buildTopology(clients: 2)
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay(lans: ["lan0", "lan1"])
        try dial(echoes: 60)
        try lab.startClient("client2", in: client2NS, interface: "cl1", echo: 2, interval: Self.interval)
        try waitForReplies("client2", atLeast: 2)
        let before = try XCTUnwrap(try lab.sessions(routerNS).first { $0["lan_interface"] as? String == "lan0" })

        try lab.check(lab.relayctl(in: routerNS, ["restart", "--prepare"]), "relayctl restart --prepare")
        XCTAssertEqual(try status()["keeps_sessions_on_stop"] as? Bool, true)
        let stopped = Date()
        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay exited", timeout: 10) { !relay.isRunning }
        try startRelay(lans: ["lan0"])
        let gap = Date().timeIntervalSince(stopped)

        assertCarriedOn(before, try onlySession())
        XCTAssertTrue(lab.text("relay.err").contains("adopted 1 sessions from the previous daemon"), lab.text("relay.err"))
        XCTAssertTrue(lab.text("relay.err").contains("1 ended with PADT"), lab.text("relay.err"))
        try lab.waitUntil("the AC's session of lan1 ended with PADT", timeout: 10) { lab.events("server", "exit").count == 1 }
        let (sent, answered) = try settledEchoes("client", count: 60)
        print("restart without lan1, \(dataplane) dataplane: \(sent - answered) of \(sent) echoes lost, gap \(String(format: "%.3f", gap)) s")
        if dataplane == "kernel" { XCTAssertEqual(sent, answered) }
        XCTAssertEqual(lab.events("server", "start").count, 2, "only the two first dials")
    }

    /// A journal cut short: the daemon starts, says so, ends nothing, and on the kernel dataplane
    /// leaves nothing forwarding from the previous table.
    func scenarioATruncatedJournalAdoptsNothingAndLeavesNothingForwarding() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try dial(echoes: 1000)
        try lab.check(lab.relayctl(in: routerNS, ["restart", "--prepare"]), "relayctl restart --prepare")
        lab.signal(relay, SIGTERM)
        try lab.waitUntil("the relay exited", timeout: 10) { !relay.isRunning }
        let journal = lab.file("run/sessions.journal")
        let bytes = try Data(contentsOf: journal)
        try bytes.prefix(bytes.count - 10).write(to: journal)

        try startRelay()
        XCTAssertTrue(lab.text("relay.err").contains("journal of the previous daemon not read: journal is truncated"),
                      lab.text("relay.err"))
        XCTAssertEqual(try lab.sessions(routerNS).count, 0)
        XCTAssertNil(try status()["adopted_sessions"] as? Int)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lab.file("run/sessions.journal.rejected").path))
        // Nothing forwards the unknown session: echoes stop coming back, and no PADT reached anyone.
        let answered = lab.echoReplies("client")
        try lab.waitUntil("the client sent 10 more echoes", timeout: 10) {
            lab.events("client", "tx", code: 9).count >= answered + 12
        }
        XCTAssertLessThanOrEqual(lab.echoReplies("client"), answered + 1)
        XCTAssertTrue(lab.events("client", "exit").isEmpty, "the client got PADT")
        XCTAssertTrue(lab.events("server", "exit").isEmpty, "the AC got PADT")
        let elements = lab.run(in: routerNS, ["nft", "list", "map", "netdev", "pppoe_relay", "sessions_lan0"])
        if dataplane == "kernel" {
            XCTAssertTrue(elements.stdout.contains("sessions_lan0"), elements.stdout)
            XCTAssertFalse(elements.stdout.contains("elements"), elements.stdout)
        }
    }

    /// A daemon that died and stayed dead for ten minutes, on the userspace dataplane: nothing
    /// forwarded meanwhile, so its sessions are ended with PADT rather than adopted (their peers'
    /// echoes have given up on them, and their ids would be held for nothing). The journal is
    /// aged by rewriting its `written` line (and checksum) and its modification time.
    func scenarioAJournalLeftTooLongIsEndedNotAdopted() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try dial(echoes: 1000)
        try crash(relay)
        // A kernel table left forwarding would keep the sessions alive: this is the case without.
        _ = lab.run(in: routerNS, ["nft", "delete", "table", "netdev", "pppoe_relay"])
        let journal = lab.file("run/sessions.journal")
        let aged = Int(Date().timeIntervalSince1970) - 600
        try rewriteJournal { lines in
            var lines = lines
            lines[1] = "written \(aged)"
            return lines
        }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(aged))],
                                              ofItemAtPath: journal.path)

        try startRelay()
        XCTAssertTrue(lab.text("relay.err").contains("adopted 0 sessions"), lab.text("relay.err"))
        XCTAssertTrue(lab.text("relay.err").contains("1 ended with PADT"), lab.text("relay.err"))
        XCTAssertGreaterThanOrEqual(try status()["away_seconds"] as? Int ?? 0, 600)
        try lab.waitUntil("the AC's session ended with PADT", timeout: 10) { lab.events("server", "exit").count == 1 }
        XCTAssertEqual(try lab.sessions(routerNS).count, 0)
    }

    /// A crash: SIGKILL, and the daemon gone.
    func crash(_ relay: Process) throws {
        lab.signal(relay, SIGKILL)
        try lab.waitUntil("the relay died", timeout: 5) { !relay.isRunning }
    }

    /// Rewrites the journal's lines but the end line with `edit` (the header's three, then one a
    /// session), and the end line's count and checksum made right again: a journal that passes
    /// its checksum whatever it now says.
    func rewriteJournal(_ edit: ([String]) -> [String]) throws {
        let journal = lab.file("run/sessions.journal")
        let lines = edit(try String(contentsOf: journal, encoding: .utf8).split(separator: "\n").dropLast().map(String.init))
        let body = Array(lines.map { $0 + "\n" }.joined().utf8)
        var sum: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body { sum = (sum ^ UInt64(byte)) &* 0x100_0000_01b3 }
        try Data(body + Array("end \(lines.count - 3) \(String(sum, radix: 16))\n".utf8)).write(to: journal)
    }

    /// A journal that passes its checksum but lists the live session twice, and a session whose
    /// counters sum past 2^64. Once, the duplicate got a PADT that ended the live session at the
    /// AC, and the counters were adopted and trapped the daemon at the next `sessions` (and,
    /// the journal still there, at every respawn). Now: the session is carried on, the other
    /// ended with PADT and named in the log, the journal set aside, the daemon answers.
    func scenarioAJournalWithADuplicateAndCountersPast2To64CostsNothingElse() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try dial(echoes: 1000)
        try crash(relay)
        try rewriteJournal { lines in
            guard lines.count == 4, let live = lines.last else { return lines }
            let huge = live.split(separator: " ").map { word -> String in
                if word.hasPrefix("client=") { return "client=0e:00:00:00:99:99" }
                if word.hasPrefix("client_id=") { return "client_id=4242" }
                if word.hasPrefix("ac_id=") { return "ac_id=4242" }
                if word.hasPrefix("to_ac=") { return "to_ac=18446744073709551614/18446744073709551614" }
                if word.hasPrefix("kernel_to_ac=") { return "kernel_to_ac=5/500" }
                return String(word)
            }.joined(separator: " ")
            return lines + [live, huge]
        }

        try startRelay()
        let log = lab.text("relay.err")
        XCTAssertTrue(log.contains("adopted 1 sessions"), log)
        XCTAssertTrue(log.contains("1 listed twice (ignored)"), log)
        XCTAssertTrue(log.contains("client_id 4242") || log.contains("id 4242"), log)
        XCTAssertTrue(log.contains("to_ac 18446744073709551614/18446744073709551614 is beyond any count"), log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lab.file("run/sessions.journal.rejected").path))
        let sessions = try lab.sessions(routerNS)
        XCTAssertEqual(sessions.count, 1)
        XCTAssertNotEqual(sessions.first?["client_session_id"] as? Int, 4242)
        _ = try status()
        try lab.check(lab.relayctl(in: routerNS, ["metrics"]), "relayctl metrics")
        let answered = lab.echoReplies("client")
        try lab.waitUntil("the session carries echoes again", timeout: 10) { lab.echoReplies("client") >= answered + 5 }
        XCTAssertTrue(lab.events("server", "exit").isEmpty, "the AC got a PADT for the live session")
    }

    /// A directory where the journal should be: its first write fails, which the log says at
    /// once and status and metrics show; once it is gone, the journal is written again, and
    /// the log says that too.
    func scenarioAJournalThatCannotBeWrittenIsSaidAndShown() throws {
        try buildTopology()
        let run = lab.file("run")
        try FileManager.default.createDirectory(at: run.appendingPathComponent("sessions.journal"),
                                                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try startRelay()
        try lab.waitUntil("the log says the journal was not written", timeout: 5) {
            lab.text("relay.err").contains("journal not written: Is a directory")
        }
        var status = try status()
        XCTAssertEqual(status["journal_writable"] as? Bool, false)
        XCTAssertEqual(status["journal_error"] as? String, "Is a directory")
        XCTAssertGreaterThanOrEqual(status["journal_write_failures"] as? Int ?? 0, 1)
        let metrics = lab.relayctl(in: routerNS, ["metrics"])
        XCTAssertTrue(metrics.stdout.contains("pppoe_relay_journal_writable 0"), metrics.stdout)
        let text = lab.relayctl(in: routerNS, ["status"])
        XCTAssertTrue(text.stdout.contains("journal: NOT WRITTEN (Is a directory)"), text.stdout)

        try FileManager.default.removeItem(at: run.appendingPathComponent("sessions.journal"))
        try lab.waitUntil("the journal is written again", timeout: 10) {
            (try? self.status()["journal_writable"] as? Bool) == true
        }
        status = try self.status()
        XCTAssertNil(status["journal_error"])
        XCTAssertTrue(lab.text("relay.err").contains("journal written again after"), lab.text("relay.err"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("sessions.journal").path))
        XCTAssertTrue(lab.relayctl(in: routerNS, ["metrics"]).stdout.contains("pppoe_relay_journal_writable 1"))
    }

    /// The runtime directory on a file system with no room left (a router's /tmp is a little
    /// RAM: here a 16 KiB tmpfs, filled): the relay runs, says at once that its journal is not
    /// written, leaves no empty `relayd.pid`, and says when the journal is written again.
    func scenarioAFullRuntimeFileSystemIsSaidAndLeavesNoEmptyPidFile() throws {
        try buildTopology()
        let run = lab.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try lab.check(Lab.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "lab-full", run.path]), "mount tmpfs")
        addTeardownBlock { Lab.run(["umount", "-l", run.path]) }
        let filler = lab.file("run/filler")
        _ = Lab.run(["dd", "if=/dev/zero", "of=\(filler.path)", "bs=4096", "count=64"])
        try startRelay()
        try lab.waitUntil("the log says the journal was not written", timeout: 5) {
            lab.text("relay.err").contains("journal not written: No space left on device")
        }
        XCTAssertEqual(try status()["journal_writable"] as? Bool, false)
        XCTAssertTrue(lab.text("relay.err").contains("cannot write \(run.path)/relayd.pid: No space left on device"),
                      lab.text("relay.err"))
        let pidFile = lab.file("run/relayd.pid").path
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile), "an empty relayd.pid was left")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lab.file("run/sessions.journal.new").path))

        try FileManager.default.removeItem(at: filler)
        try lab.waitUntil("the journal is written again", timeout: 10) {
            (try? self.status()["journal_writable"] as? Bool) == true
        }
        XCTAssertTrue(lab.text("relay.err").contains("journal written again after"), lab.text("relay.err"))
    }

    /// A journal a newer relay wrote: refused by name, the relay runs.
    func scenarioAJournalOfANewerFormatIsRefusedSayingSo() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let run = lab.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data("pppoe-relay journal 99\nwritten 1\nwan 77616e30\nend 0 0\n".utf8)
            .write(to: run.appendingPathComponent("sessions.journal"))
        try startRelay()
        XCTAssertTrue(lab.text("relay.err").contains("journal format 99 is newer than this relay reads"), lab.text("relay.err"))
        try dial(echoes: 5)
        XCTAssertEqual(try lab.sessions(routerNS).count, 1)
    }
}

final class UserspaceRestartTests: RestartScenarios {
    override var dataplane: String { "userspace" }
    func testSIGKILLAndStartAgainKeepsTheSession() throws { try scenarioSIGKILLAndStartAgainKeepsTheSession() }
    func testRelayctlRestartKeepsTheSession() throws { try scenarioRelayctlRestartKeepsTheSession() }
    func testAnUpgradedBinaryRestartsKeepingTheSession() throws { try scenarioAnUpgradedBinaryRestartsKeepingTheSession() }
    func testARestartWithoutOneLANEndsOnlyItsSession() throws { try scenarioARestartWithoutOneLANEndsOnlyItsSession() }
    func testATruncatedJournalAdoptsNothingAndLeavesNothingForwarding() throws {
        try scenarioATruncatedJournalAdoptsNothingAndLeavesNothingForwarding()
    }
    func testAJournalOfANewerFormatIsRefusedSayingSo() throws { try scenarioAJournalOfANewerFormatIsRefusedSayingSo() }
    func testAJournalLeftTooLongIsEndedNotAdopted() throws { try scenarioAJournalLeftTooLongIsEndedNotAdopted() }
    func testAJournalWithADuplicateAndCountersPast2To64CostsNothingElse() throws {
        try scenarioAJournalWithADuplicateAndCountersPast2To64CostsNothingElse()
    }
    func testAJournalThatCannotBeWrittenIsSaidAndShown() throws { try scenarioAJournalThatCannotBeWrittenIsSaidAndShown() }
    func testAFullRuntimeFileSystemIsSaidAndLeavesNoEmptyPidFile() throws {
        try scenarioAFullRuntimeFileSystemIsSaidAndLeavesNoEmptyPidFile()
    }
}

final class KernelRestartTests: RestartScenarios {
    override var dataplane: String { "kernel" }
    func testSIGKILLAndStartAgainKeepsTheSession() throws { try scenarioSIGKILLAndStartAgainKeepsTheSession() }
    func testRelayctlRestartKeepsTheSession() throws { try scenarioRelayctlRestartKeepsTheSession() }
    func testAnUpgradedBinaryRestartsKeepingTheSession() throws { try scenarioAnUpgradedBinaryRestartsKeepingTheSession() }
    func testARestartWithoutOneLANEndsOnlyItsSession() throws { try scenarioARestartWithoutOneLANEndsOnlyItsSession() }
    func testATruncatedJournalAdoptsNothingAndLeavesNothingForwarding() throws {
        try scenarioATruncatedJournalAdoptsNothingAndLeavesNothingForwarding()
    }
    func testAJournalOfANewerFormatIsRefusedSayingSo() throws { try scenarioAJournalOfANewerFormatIsRefusedSayingSo() }
    func testAJournalWithADuplicateAndCountersPast2To64CostsNothingElse() throws {
        try scenarioAJournalWithADuplicateAndCountersPast2To64CostsNothingElse()
    }
}
