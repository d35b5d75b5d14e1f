import PPPoEWire

/// One reported step: its code, its name, a line for people, and the facts behind it. Text
/// that came off the wire (AC name, service, the AC's messages) is kept as decoded, unescaped;
/// whoever prints it escapes it (`TerminalText`).
public struct CheckStepReport: Codable, Equatable, Sendable {
    public var code: Int
    public var name: String
    public var text: String
    public var acName: String?
    public var acMAC: String?
    public var service: String?
    public var sessionID: Int?
    public var mru: Int?
    public var authentication: String?
    /// What the AC said: its PAP/CHAP message, the text of an error tag, a Terminate-Request's data.
    public var message: String?
    /// MS-CHAP's error number (691: wrong user name or password).
    public var errorCode: Int?
    public var address: String?
    public var peerAddress: String?
    public var dns: [String]?
    public var interfaceIdentifier: String?
    public var peerInterfaceIdentifier: String?

    enum CodingKeys: String, CodingKey {
        case code, name, text, service, mru, authentication, message, address, dns
        case acName = "ac_name", acMAC = "ac_mac", sessionID = "session_id", errorCode = "error_code"
        case peerAddress = "peer_address", interfaceIdentifier = "interface_identifier"
        case peerInterfaceIdentifier = "peer_interface_identifier"
    }

    public init(_ step: CheckStep, _ text: String) {
        code = step.rawValue
        name = step.name
        self.text = text
    }
}

/// The whole check: the interface, every step in order, and the result. `code` is 0 on
/// success, else the failing step's code.
public struct CheckReport: Codable, Equatable, Sendable {
    public var schemaVersion = 1
    public var interface: String
    public var result: String
    public var code: Int
    public var steps: [CheckStepReport]

    enum CodingKeys: String, CodingKey {
        case interface, result, code, steps
        case schemaVersion = "schema_version"
    }

    public init(interface: String, steps: [CheckStepReport]) {
        self.interface = interface
        self.steps = steps
        let failure = steps.first { $0.code >= 20 }
        result = failure == nil ? "success" : "failed"
        code = failure?.code ?? 0
    }

    public var succeeded: Bool { code == 0 }

    /// The report for people: a result line, then one line per step, wire text escaped.
    public var lines: [String] {
        ["check \(TerminalText.escaped(interface)): \(result)" + (succeeded ? "" : " (code \(code))")]
            + steps.map { step in
                let padded = step.name.padding(toLength: 22)
                return "  \(step.code < 10 ? " " : "")\(step.code) \(padded) \(TerminalText.escaped(step.text))"
            }
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
