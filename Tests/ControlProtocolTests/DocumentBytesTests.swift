import Foundation
import ControlProtocol
import UserspaceRelay
import XCTest

/// The documents relayctl writes, byte for byte as they were when Foundation's JSONEncoder
/// wrote them through Codable (the expected texts were printed by that code): a status with
/// every optional key set and one with none, sessions, mss, a refusal and the saved
/// configuration, including text that needs escaping.
final class DocumentBytesTests: XCTestCase {
    static let policy = DiscoveryPolicy(maxSessionsPerClient: 2, acNames: ["isp/ac \"1\""], serviceNames: ["é\u{1B}[2J"],
                                        padiPerClientPerMinute: 5, padiPerClientBurst: 4, padiPerSecond: 100, offersPerClient: 3)
    static let configuration = RelayConfiguration(lanInterfaces: ["br-lan", "wlan0"], wanInterface: "eth0.7", dataplane: .kernel,
                                                  maxSessions: 65534, idleTimeout: 0, mss: .fixed(1400),
                                                  runtimeDirectory: "/run/pppoe-relay", policy: policy, controlGroup: "relay",
                                                  log: "syslog", verbose: true,
                                                  modem: ModemConfiguration(device: "/dev/ttyUSB2", chat: "none", acName: "loft",
                                                                            serviceNames: ["internet"]))
    static var fullStatus: StatusReport {
        var status = StatusReport(pid: .max, dataplane: "kernel", dataplaneReason: "nftables netdev with fwd\n",
                                  uptimeSeconds: .max,
                                  interfaces: [.init(name: "eth0.7", role: "wan", index: .min, mac: "02:00:00:00:00:01",
                                                     mtu: .max, state: "up", operstate: "lowerlayerdown", carrier: true)],
                                  sessionCount: 0, maxSessions: 5000, idleTimeoutSeconds: 600,
                                  counters: ["dropped_malformed": .max, "b": 0, "a10": 1, "a9": 2],
                                  configuration: configuration, mss: "1400", kernelError: "a\u{7F}\u{9B}\u{2028}b")
        status.modem = ModemStatus(device: "/dev/ttyUSB2", state: "connected", stateSeconds: -1, lastHangup: "NO CARRIER",
                                   connectLine: "CONNECT 115200", carrier: false)
        status.adoptedSessions = 3
        status.awaySeconds = 0
        status.keepsSessionsOnStop = true
        return status
    }
    static let plainStatus = StatusReport(pid: 1, dataplane: "userspace", dataplaneReason: "", uptimeSeconds: 0, interfaces: [],
                                          sessionCount: 0, maxSessions: 1, idleTimeoutSeconds: 0, counters: [:],
                                          configuration: RelayConfiguration(lanInterfaces: ["lan0"], wanInterface: "wan0"),
                                          mss: "auto", kernelError: nil)
    static let sessions = SessionsReport(sessions: [
        SessionReport(lanInterface: "br-lan", clientMAC: "02:00:00:00:00:02", clientSessionID: .max, wanInterface: "eth0",
                      acMAC: "02:00:00:00:00:03", acSessionID: 0, acName: "AC\\x00\u{0}", serviceName: "",
                      uptimeSeconds: .min, idleSeconds: 5, packetsToAC: .max, bytesToAC: 1, packetsToClient: 2,
                      bytesToClient: 3, kernelPacketsToAC: 4, kernelPacketsToClient: 5),
        SessionReport(lanInterface: "l", clientMAC: "c", clientSessionID: 1, wanInterface: "/dev/ttyUSB2", acMAC: "a",
                      acSessionID: 2, acName: "n", serviceName: "s", uptimeSeconds: 3, idleSeconds: 1, packetsToAC: 0,
                      bytesToAC: 0, packetsToClient: 0, bytesToClient: 0, kernelPacketsToAC: 0, kernelPacketsToClient: 0,
                      modemState: "chat running"),
    ])

    static var documents: [(name: String, bytes: [UInt8])] {
        [("full status", ControlJSON.encode(fullStatus)), ("plain status", ControlJSON.encode(plainStatus)),
         ("sessions", ControlJSON.encode(sessions)), ("no sessions", ControlJSON.encode(SessionsReport(sessions: []))),
         ("mss", ControlJSON.encode(MSSReport(setting: "off", ipv4: 0, ipv6: 65535))),
         ("not running", ControlJSON.encode(NotRunningReport(reason: "no relay at /run/x/control.sock"))),
         ("refusal", ControlJSON.encode(ControlErrorReply(error: "not allowed: \"mss set\""))),
         ("configuration", ControlJSON.encode(configuration)),
         ("default configuration", ControlJSON.encode(RelayConfiguration(lanInterfaces: [], wanInterface: "")))]
    }

    func testEveryDocumentIsByteForByteWhatFoundationWrote() {
        let expected = Self.expected.components(separatedBy: "=== ").dropFirst()
        XCTAssertEqual(expected.count, Self.documents.count)
        for (document, text) in zip(Self.documents, expected) {
            let name = String(text.prefix { $0 != "\n" })
            XCTAssertEqual(name, document.name)
            var written = String(text.dropFirst(name.count + 1))
            if written.hasSuffix("\n") { written.removeLast() }
            XCTAssertEqual(String(decoding: document.bytes, as: UTF8.self), written, name)
        }
    }

    /// Printed by the Codable types and Foundation's JSONEncoder (`[.sortedKeys, .prettyPrinted]`).
    static let expected = #"""
=== full status
{
  "adopted_sessions" : 3,
  "away_seconds" : 0,
  "configuration" : {
    "control_group" : "relay",
    "dataplane" : "kernel",
    "idle_timeout" : 0,
    "lan_interfaces" : [
      "br-lan",
      "wlan0"
    ],
    "log" : "syslog",
    "max_sessions" : 65534,
    "modem" : {
      "ac_name" : "loft",
      "baud" : 115200,
      "chat" : "none",
      "device" : "\/dev\/ttyUSB2",
      "service_names" : [
        "internet"
      ]
    },
    "mss" : "1400",
    "policy" : {
      "ac_names" : [
        "isp\/ac \"1\""
      ],
      "max_sessions_per_client" : 2,
      "offers_per_client" : 3,
      "padi_per_client_burst" : 4,
      "padi_per_client_per_minute" : 5,
      "padi_per_second" : 100,
      "service_names" : [
        "é\u001b[2J"
      ]
    },
    "runtime_directory" : "\/run\/pppoe-relay",
    "schema_version" : 1,
    "verbose" : true,
    "wan_interface" : "eth0.7"
  },
  "counters" : {
    "a10" : 1,
    "a9" : 2,
    "b" : 0,
    "dropped_malformed" : 18446744073709551615
  },
  "dataplane" : "kernel",
  "dataplane_reason" : "nftables netdev with fwd\n",
  "idle_timeout_seconds" : 600,
  "interfaces" : [
    {
      "carrier" : true,
      "index" : -2147483648,
      "mac" : "02:00:00:00:00:01",
      "mtu" : 4294967295,
      "name" : "eth0.7",
      "operstate" : "lowerlayerdown",
      "role" : "wan",
      "state" : "up"
    }
  ],
  "keeps_sessions_on_stop" : true,
  "kernel_error" : "a\#u{7F}\#u{9B}\#u{2028}b",
  "max_sessions" : 5000,
  "modem" : {
    "carrier" : false,
    "connect_line" : "CONNECT 115200",
    "device" : "\/dev\/ttyUSB2",
    "last_hangup" : "NO CARRIER",
    "state" : "connected",
    "state_seconds" : -1
  },
  "mss" : "1400",
  "pid" : 2147483647,
  "running" : true,
  "schema_version" : 1,
  "session_count" : 0,
  "uptime_seconds" : 9223372036854775807
}
=== plain status
{
  "configuration" : {
    "dataplane" : "auto",
    "idle_timeout" : 600,
    "lan_interfaces" : [
      "lan0"
    ],
    "max_sessions" : 5000,
    "mss" : "auto",
    "policy" : {
      "ac_names" : [

      ],
      "max_sessions_per_client" : 0,
      "offers_per_client" : 4,
      "padi_per_client_burst" : 3,
      "padi_per_client_per_minute" : 2,
      "padi_per_second" : 2000,
      "service_names" : [

      ]
    },
    "runtime_directory" : "\/run\/pppoe-relay",
    "schema_version" : 1,
    "wan_interface" : "wan0"
  },
  "counters" : {

  },
  "dataplane" : "userspace",
  "dataplane_reason" : "",
  "idle_timeout_seconds" : 0,
  "interfaces" : [

  ],
  "max_sessions" : 1,
  "mss" : "auto",
  "pid" : 1,
  "running" : true,
  "schema_version" : 1,
  "session_count" : 0,
  "uptime_seconds" : 0
}
=== sessions
{
  "schema_version" : 1,
  "sessions" : [
    {
      "ac_mac" : "02:00:00:00:00:03",
      "ac_name" : "AC\\x00\u0000",
      "ac_session_id" : 0,
      "bytes_to_ac" : 1,
      "bytes_to_client" : 3,
      "client_mac" : "02:00:00:00:00:02",
      "client_session_id" : 65535,
      "idle_seconds" : 5,
      "kernel_packets_to_ac" : 4,
      "kernel_packets_to_client" : 5,
      "lan_interface" : "br-lan",
      "packets_to_ac" : 18446744073709551615,
      "packets_to_client" : 2,
      "service_name" : "",
      "uptime_seconds" : -9223372036854775808,
      "wan_interface" : "eth0"
    },
    {
      "ac_mac" : "a",
      "ac_name" : "n",
      "ac_session_id" : 2,
      "bytes_to_ac" : 0,
      "bytes_to_client" : 0,
      "client_mac" : "c",
      "client_session_id" : 1,
      "idle_seconds" : 1,
      "kernel_packets_to_ac" : 0,
      "kernel_packets_to_client" : 0,
      "lan_interface" : "l",
      "modem_state" : "chat running",
      "packets_to_ac" : 0,
      "packets_to_client" : 0,
      "service_name" : "s",
      "uptime_seconds" : 3,
      "wan_interface" : "\/dev\/ttyUSB2"
    }
  ]
}
=== no sessions
{
  "schema_version" : 1,
  "sessions" : [

  ]
}
=== mss
{
  "ipv4" : 0,
  "ipv6" : 65535,
  "schema_version" : 1,
  "setting" : "off"
}
=== not running
{
  "reason" : "no relay at \/run\/x\/control.sock",
  "running" : false,
  "schema_version" : 1
}
=== refusal
{
  "error" : "not allowed: \"mss set\""
}
=== configuration
{
  "control_group" : "relay",
  "dataplane" : "kernel",
  "idle_timeout" : 0,
  "lan_interfaces" : [
    "br-lan",
    "wlan0"
  ],
  "log" : "syslog",
  "max_sessions" : 65534,
  "modem" : {
    "ac_name" : "loft",
    "baud" : 115200,
    "chat" : "none",
    "device" : "\/dev\/ttyUSB2",
    "service_names" : [
      "internet"
    ]
  },
  "mss" : "1400",
  "policy" : {
    "ac_names" : [
      "isp\/ac \"1\""
    ],
    "max_sessions_per_client" : 2,
    "offers_per_client" : 3,
    "padi_per_client_burst" : 4,
    "padi_per_client_per_minute" : 5,
    "padi_per_second" : 100,
    "service_names" : [
      "é\u001b[2J"
    ]
  },
  "runtime_directory" : "\/run\/pppoe-relay",
  "schema_version" : 1,
  "verbose" : true,
  "wan_interface" : "eth0.7"
}
=== default configuration
{
  "dataplane" : "auto",
  "idle_timeout" : 600,
  "lan_interfaces" : [

  ],
  "max_sessions" : 5000,
  "mss" : "auto",
  "policy" : {
    "ac_names" : [

    ],
    "max_sessions_per_client" : 0,
    "offers_per_client" : 4,
    "padi_per_client_burst" : 3,
    "padi_per_client_per_minute" : 2,
    "padi_per_second" : 2000,
    "service_names" : [

    ]
  },
  "runtime_directory" : "\/run\/pppoe-relay",
  "schema_version" : 1,
  "wan_interface" : ""
}
"""#
}
