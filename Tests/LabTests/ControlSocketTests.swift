import Foundation
import XCTest

/// The control socket against clients that misbehave: none of them may stop the relay.
final class ControlSocketTests: LabTestCase {
    /// Talks to the control socket the way a broken client would, from a small Python helper.
    func rawClientScript(_ behaviour: String) -> [String] {
        let socket = lab.file("run/control.sock").path
        let script = """
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX)
            s.connect('\(socket)')
            b = '\(behaviour)'
            if b == 'hang-up-early':
                s.sendall(b'status\\n'); s.close()
            elif b == 'garbage':
                s.sendall(b'make me a sandwich\\n'); print(s.recv(4096).decode()); s.close()
            elif b == 'silent':
                print('connected', flush=True); time.sleep(30); s.close()
            """
        return [Lab.python, "-c", script]
    }

    func testMisbehavingControlClientsDoNotStopTheRelay() throws {
        try buildTopology()
        try lab.startAccessConcentrator(in: acNS, interface: "ac0")
        let relay = try startRelay()
        try lab.startClient("client", in: client1NS, interface: "cl0", echo: 1000)
        try waitForReplies("client", atLeast: 2)

        // Clients that hang up before their answer: the relay would die of SIGPIPE writing it.
        for _ in 0..<3 { XCTAssertEqual(lab.run(in: routerNS, rawClientScript("hang-up-early")).status, 0) }
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "the relay answers after clients hung up")
        XCTAssertTrue(relay.isRunning, "a client hanging up early must not kill the relay (SIGPIPE)")

        // A request it does not know: refused with a reason, and the connection is over.
        let garbage = lab.run(in: routerNS, rawClientScript("garbage"))
        XCTAssertTrue(garbage.stdout.contains("unknown request"), garbage.stdout)

        // A client that connects and says nothing holds nobody up: while it is still connected,
        // another client gets its answer and the session keeps forwarding.
        let silent = try lab.spawn("silent-client", in: routerNS, rawClientScript("silent"))
        try lab.waitUntil("the silent client is connected", timeout: 10) { lab.text("silent-client.out").contains("connected") }
        let replies = lab.echoReplies("client")
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "status answered beside a silent client")
        try waitForReplies("client", atLeast: replies + 2)
        XCTAssertTrue(silent.isRunning, "all of that happened while the silent client was connected")
        XCTAssertTrue(relay.isRunning)
        lab.signal(silent, SIGKILL)
    }
}
