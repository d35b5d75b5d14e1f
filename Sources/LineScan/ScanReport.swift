import JSON

/// What `relayctl scan` found: every access concentrator that answered, as JSON (snake_case,
/// `schema_version` like relayctl's other documents) and as the source of its text.
///
/// Strings are as the AC sent them (decoded as UTF-8, invalid bytes written `\xNN`, cut to
/// `ScanLimits.textLength`): whoever prints them escapes them for a terminal.
public struct ScanReport: JSONObjectEncodable, Sendable, Equatable {
    public var schemaVersion = 1
    public var interface: String
    public var interfaceMAC: String
    /// The Service-Name asked for besides the empty one, if any.
    public var serviceName: String?
    public var timeoutSeconds: Double
    public var accessConcentrators: [AccessConcentrator]
    /// ACs that answered after `ScanLimits.accessConcentrators` were already listed.
    public var unlistedAccessConcentrators: Int
    /// PPPoE discovery frames seen that were not answers to this scan (other hosts' traffic,
    /// answers to the relay or the router's own client, malformed frames).
    public var otherFrames: Int

    public init(interface: String, interfaceMAC: String, serviceName: String?, timeoutSeconds: Double,
                accessConcentrators: [AccessConcentrator], unlistedAccessConcentrators: Int, otherFrames: Int) {
        self.interface = interface
        self.interfaceMAC = interfaceMAC
        self.serviceName = serviceName
        self.timeoutSeconds = timeoutSeconds
        self.accessConcentrators = accessConcentrators
        self.unlistedAccessConcentrators = unlistedAccessConcentrators
        self.otherFrames = otherFrames
    }

    /// One access concentrator: everything its PADOs to this scan said.
    public struct AccessConcentrator: JSONObjectEncodable, Sendable, Equatable {
        public var mac: String
        /// The first AC-Name it sent; nil if it sent none.
        public var acName: String?
        /// Every distinct Service-Name it offered, in the order first seen.
        public var serviceNames: [String]
        /// Whether it answered the PADI for the requested service (nil when none was requested).
        public var offersRequestedService: Bool?
        /// Whether it answered the PADI with the empty Service-Name (any service).
        public var answersAnyService: Bool
        public var cookie: Bool
        /// Whether every PADO carried our Relay-Session-Id back unchanged.
        public var echoesRelaySessionID: Bool
        /// The PPP-Max-Payload it granted (RFC 4638), nil if it ignored the request.
        public var pppMaxPayload: Int?
        /// Service-Name-Error, AC-System-Error and Generic-Error tags, as sent.
        public var errors: [ErrorTag]
        /// Milliseconds from our first PADI to its first PADO.
        public var responseMilliseconds: Double
        /// How many PADOs it sent us (one per PADI is normal).
        public var offers: Int

        public init(mac: String, acName: String?, serviceNames: [String], offersRequestedService: Bool?,
                    answersAnyService: Bool, cookie: Bool, echoesRelaySessionID: Bool, pppMaxPayload: Int?,
                    errors: [ErrorTag], responseMilliseconds: Double, offers: Int) {
            self.mac = mac
            self.acName = acName
            self.serviceNames = serviceNames
            self.offersRequestedService = offersRequestedService
            self.answersAnyService = answersAnyService
            self.cookie = cookie
            self.echoesRelaySessionID = echoesRelaySessionID
            self.pppMaxPayload = pppMaxPayload
            self.errors = errors
            self.responseMilliseconds = responseMilliseconds
            self.offers = offers
        }

        /// Every key is written, null where there is nothing to say.
        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("mac", mac)
            try object.write("ac_name", acName)
            try object.write("service_names", serviceNames)
            try object.write("offers_requested_service", offersRequestedService)
            try object.write("answers_any_service", answersAnyService)
            try object.write("cookie", cookie)
            try object.write("echoes_relay_session_id", echoesRelaySessionID)
            try object.write("ppp_max_payload", pppMaxPayload)
            try object.write("errors", errors)
            try object.write("response_ms", responseMilliseconds)
            try object.write("offers", offers)
        }
    }

    public struct ErrorTag: JSONObjectEncodable, Sendable, Equatable {
        /// "Service-Name-Error", "AC-System-Error" or "Generic-Error".
        public var tag: String
        public var text: String

        public init(tag: String, text: String) {
            self.tag = tag
            self.text = text
        }

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("tag", tag)
            try object.write("text", text)
        }
    }

    /// Every key is written, `service_name` null when none was asked for.
    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("schema_version", schemaVersion)
        try object.write("interface", interface)
        try object.write("interface_mac", interfaceMAC)
        try object.write("service_name", serviceName)
        try object.write("timeout_seconds", timeoutSeconds)
        try object.write("access_concentrators", accessConcentrators)
        try object.write("unlisted_access_concentrators", unlistedAccessConcentrators)
        try object.write("other_frames", otherFrames)
    }
}
