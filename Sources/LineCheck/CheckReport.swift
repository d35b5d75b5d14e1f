import JSON
import PPPoEWire

/// One reported step: its code, its name, a line for people, and the facts behind it. Text
/// that came off the wire (AC name, service, the AC's messages) is kept as decoded, unescaped;
/// whoever prints it escapes it (`TerminalText`).
public struct CheckStepReport: JSONObjectEncodable, JSONObjectDecodable, Equatable, Sendable {
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

    /// Facts a step did not learn leave their keys out.
    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("code", code)
        try object.write("name", name)
        try object.write("text", text)
        try object.writeIfPresent("ac_name", acName)
        try object.writeIfPresent("ac_mac", acMAC)
        try object.writeIfPresent("service", service)
        try object.writeIfPresent("session_id", sessionID)
        try object.writeIfPresent("mru", mru)
        try object.writeIfPresent("authentication", authentication)
        try object.writeIfPresent("message", message)
        try object.writeIfPresent("error_code", errorCode)
        try object.writeIfPresent("address", address)
        try object.writeIfPresent("peer_address", peerAddress)
        try object.writeIfPresent("dns", dns)
        try object.writeIfPresent("interface_identifier", interfaceIdentifier)
        try object.writeIfPresent("peer_interface_identifier", peerInterfaceIdentifier)
    }

    public init(from object: JSONObjectReader) throws(JSONError) {
        code = try object.read("code")
        name = try object.read("name")
        text = try object.read("text")
        acName = try object.readIfPresent("ac_name")
        acMAC = try object.readIfPresent("ac_mac")
        service = try object.readIfPresent("service")
        sessionID = try object.readIfPresent("session_id")
        mru = try object.readIfPresent("mru")
        authentication = try object.readIfPresent("authentication")
        message = try object.readIfPresent("message")
        errorCode = try object.readIfPresent("error_code")
        address = try object.readIfPresent("address")
        peerAddress = try object.readIfPresent("peer_address")
        dns = try object.readIfPresent("dns")
        interfaceIdentifier = try object.readIfPresent("interface_identifier")
        peerInterfaceIdentifier = try object.readIfPresent("peer_interface_identifier")
    }

    public init(_ step: CheckStep, _ text: String) {
        code = step.rawValue
        name = step.name
        self.text = text
    }
}

/// The whole check: the interface, every step in order, and the result. `code` is 0 on
/// success, else the failing step's code.
public struct CheckReport: JSONObjectEncodable, JSONObjectDecodable, Equatable, Sendable {
    public var schemaVersion = 1
    public var interface: String
    public var result: String
    public var code: Int
    public var steps: [CheckStepReport]

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", schemaVersion)
        try object.write("interface", interface)
        try object.write("result", result)
        try object.write("code", code)
        try object.write("steps", steps)
    }

    public init(from object: JSONObjectReader) throws(JSONError) {
        schemaVersion = try object.read("schema_version")
        interface = try object.read("interface")
        result = try object.read("result")
        code = try object.read("code")
        steps = try object.read("steps")
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
