#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Netlink
import XCTest

/// Map elements asked for by key: found ones come back with their counters, in any number, and
/// keys the map does not hold are left out wherever they sit among the others. The table is
/// owned by the test's socket, so the kernel removes it when the test ends, however it ends.
final class ElementLookupTests: XCTestCase {
    func testKeysAreAnsweredWithTheirCountersAndMissingOnesAreLeftOut() throws {
        guard geteuid() == 0 else {
            if let ci = getenv("CI"), String(cString: ci) == "true" { return XCTFail("needs root (nf_tables)") }
            throw XCTSkip("needs root (nf_tables)")
        }
        let table = "pppoe_relay_test_\(getpid())"
        var socket = try NetfilterSocket()
        // More keys than one request carries, so the lookup spans several.
        let held = (0..<600).map { key($0) }
        try socket.commit { batch in
            batch.add(NFTTable(name: table, ownedBySocket: true), name: table)
            batch.add(NFTSet(table: table, name: "m", keyLength: 12, dataLength: 24, countersPerElement: true, id: 1),
                      name: "\(table)/m")
        }
        try socket.commit { batch in
            // One message per element, as the relay adds them.
            for k in held {
                let map = NFTSet(table: table, name: "m")
                map.add(key: k, data: [UInt8](repeating: 1, count: 24))
                batch.addElements(map, name: "\(table)/m")
            }
        }
        // Asked: the first key missing, one missing among them, the last missing, and 300 held.
        let asked = [key(5000)] + held[0..<150] + [key(5001)] + held[400..<550] + [key(5002)]
        let answers = try socket.elements(table: table, set: "m", keys: Array(asked))
        XCTAssertEqual(answers.map(\.key), Array(held[0..<150] + held[400..<550]))
        XCTAssertTrue(answers.allSatisfy { $0.packets == 0 && $0.bytes == 0 }, "new elements have counted nothing")
        XCTAssertTrue(try socket.elements(table: table, set: "m", keys: []).isEmpty)
        XCTAssertTrue(try socket.elements(table: table, set: "m", keys: [key(7000), key(7001)]).isEmpty)
    }

    /// A 12-byte key: the shape of the relay's (MAC, 88 64 11 00, session id).
    private func key(_ n: Int) -> [UInt8] {
        [0x02, 0x51, 0, 0, UInt8(n >> 8), UInt8(n & 0xFF), 0x88, 0x64, 0x11, 0x00, UInt8(n >> 8), UInt8(n & 0xFF)]
    }
}
