import Foundation
import XCTest

/// The control socket against clients that misbehave: none of them may stop the relay.
final class ControlSocketTests: LabTestCase {
    /// Talks to the control socket the way a broken client would, from a small Python helper.
    func rawClient(_ behaviour: String) -> Lab.Output {
        let socket = lab.file("run/control.sock").path
        let script = """
            import socket, time
            s = socket.socket(socket.AF_UNIX)
            s.connect('\(socket)')
            b = '\(behaviour)'
            if b == 'hang-up-early':
                s.sendall(b'status\\n'); s.close()
            elif b == 'garbage':
                s.sendall(b'make me a sandwich\\n'); print(s.recv(4096).decode()); s.close()
            elif b == 'silent':
                time.sleep(2); s.close()
            """
        return lab.run(in: routerNS, [Lab.python, "-c", script])
    }

    func testMisbehavingControlClientsDoNotStopTheRelay() throws {
        try buildTopology()
        let relay = try startRelay()
        for _ in 0..<3 { XCTAssertEqual(rawClient("hang-up-early").status, 0) }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(relay.isRunning, "a client hanging up early must not kill the relay (SIGPIPE)")

        let garbage = rawClient("garbage")
        XCTAssertTrue(garbage.stdout.contains("unknown request"), garbage.stdout)

        XCTAssertEqual(rawClient("silent").status, 0)
        XCTAssertTrue(relay.isRunning)
        XCTAssertEqual(lab.relayctl(in: routerNS, ["status"]).status, 0, "and it still answers")
    }
}
