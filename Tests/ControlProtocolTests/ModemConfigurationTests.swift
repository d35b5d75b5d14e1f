import ControlProtocol
import JSON
import XCTest

/// The modem's place in the saved configuration: optional, so files without it load as before,
/// and a configuration with it starts `relayctl modem`.
final class ModemConfigurationTests: XCTestCase {
    let modem = RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "/dev/ttyUSB2", maxSessions: 1,
                                   idleTimeout: 180, mss: .off,
                                   modem: ModemConfiguration(device: "/dev/ttyUSB2", baud: 460_800, chat: "/etc/chat",
                                                             acName: "loft", serviceNames: ["internet", "backup"]))

    func testAModemConfigurationRoundTripsInSnakeCase() throws {
        let data = ControlJSON.encode(modem)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"service_names\"") && text.contains("\"ac_name\""), text)
        XCTAssertEqual(try JSON.decode(RelayConfiguration.self, from: data), modem)
    }

    func testAConfigurationWithoutAModemHasNone() throws {
        let plain = RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0")
        let data = ControlJSON.encode(plain)
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("modem"))
        XCTAssertNil(try JSON.decode(RelayConfiguration.self, from: data).modem)
        XCTAssertEqual(plain.runArguments.first, "run")
    }

    func testItStartsTheModemCommand() {
        let arguments = modem.runArguments
        XCTAssertEqual(Array(arguments.prefix(7)), ["modem", "--lan", "lan0", "--device", "/dev/ttyUSB2", "--baud", "460800"])
        XCTAssertTrue(arguments.contains("--chat") && arguments.contains("backup") && arguments.contains("--idle-timeout"))
        XCTAssertFalse(arguments.contains("--wan"))
    }

    func testBadModemConfigurationsAreUsageErrors() {
        var twoLANs = modem
        twoLANs.lanInterfaces = ["lan0", "lan1"]
        var noService = modem
        noService.modem?.serviceNames = []
        var otherDevice = modem
        otherDevice.wanInterface = "/dev/ttyUSB0"
        for bad in [twoLANs, noService, otherDevice] {
            XCTAssertThrowsError(try bad.validate())
        }
        XCTAssertNoThrow(try modem.validate())
    }
}
