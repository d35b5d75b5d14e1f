import JSON

/// What `relayctl modem` is told: the serial modem the relay answers PPPoE for. In a saved
/// configuration it sits under `modem`; with it, `wan_interface` is the modem's device and the
/// relay is the access concentrator itself instead of relaying to one.
public struct ModemConfiguration: Sendable, Equatable, JSONObjectEncodable, JSONObjectDecodable {
    public static let defaultBaud = 115_200
    public static let defaultIdleTimeout = 180

    /// The serial device (/dev/ttyUSB2, /dev/ttyACM0 ...).
    public var device: String
    public var baud: Int
    /// A chat(8) script's path; nil runs the built-in 3G/4G dial, "none" runs no chat at all
    /// (a line that speaks PPP as soon as it is opened).
    public var chat: String?
    public var acName: String
    /// Offered in every PADO; a PADR may ask for any of them (or for none).
    public var serviceNames: [String]

    public init(device: String, baud: Int = defaultBaud, chat: String? = nil, acName: String, serviceNames: [String]) {
        self.device = device
        self.baud = baud
        self.chat = chat
        self.acName = acName
        self.serviceNames = serviceNames
    }

    public init(from object: JSONObjectReader) throws(JSONError) {
        device = try object.read("device")
        baud = try object.read("baud")
        chat = try object.readIfPresent("chat")
        acName = try object.read("ac_name")
        serviceNames = try object.read("service_names")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("device", device)
        try object.write("baud", baud)
        try object.writeIfPresent("chat", chat)
        try object.write("ac_name", acName)
        try object.write("service_names", serviceNames)
    }

    /// The checks that need no system, each a one-line reason.
    public func problem() -> String? {
        if device.isEmpty { return "--device needs a serial device" }
        if acName.isEmpty || acName.utf8.count > 255 { return "--ac-name needs a name of 1 to 255 bytes" }
        if serviceNames.isEmpty { return "at least one --service is required" }
        if serviceNames.contains(where: { $0.isEmpty || $0.utf8.count > 255 }) {
            return "--service needs a name of 1 to 255 bytes"
        }
        if Set(serviceNames).count != serviceNames.count { return "a --service is given twice" }
        if baud <= 0 { return "--baud must be a line rate such as 115200" }
        return nil
    }

    /// The `relayctl modem` arguments that start it (with the relay's own LAN, limits and log).
    func arguments(lan: String) -> [String] {
        ["modem", "--lan", lan, "--device", device, "--baud", String(baud)] + (chat.map { ["--chat", $0] } ?? [])
            + ["--ac-name", acName] + serviceNames.flatMap { ["--service", $0] }
    }
}
