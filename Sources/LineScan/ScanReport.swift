/// What `relayctl scan` found: every access concentrator that answered, as JSON (snake_case,
/// `schema_version` like relayctl's other documents) and as the source of its text.
///
/// Strings are as the AC sent them (decoded as UTF-8, invalid bytes written `\xNN`, cut to
/// `ScanLimits.textLength`): whoever prints them escapes them for a terminal.
public struct ScanReport: Codable, Sendable, Equatable {
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

    enum CodingKeys: String, CodingKey {
        case interface
        case schemaVersion = "schema_version"
        case interfaceMAC = "interface_mac"
        case serviceName = "service_name"
        case timeoutSeconds = "timeout_seconds"
        case accessConcentrators = "access_concentrators"
        case unlistedAccessConcentrators = "unlisted_access_concentrators"
        case otherFrames = "other_frames"
    }

    /// One access concentrator: everything its PADOs to this scan said.
    public struct AccessConcentrator: Codable, Sendable, Equatable {
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

        enum CodingKeys: String, CodingKey {
            case mac, cookie, errors, offers
            case acName = "ac_name"
            case serviceNames = "service_names"
            case offersRequestedService = "offers_requested_service"
            case answersAnyService = "answers_any_service"
            case echoesRelaySessionID = "echoes_relay_session_id"
            case pppMaxPayload = "ppp_max_payload"
            case responseMilliseconds = "response_ms"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mac, forKey: .mac)
            try c.encode(acName, forKey: .acName)
            try c.encode(serviceNames, forKey: .serviceNames)
            try c.encode(offersRequestedService, forKey: .offersRequestedService)
            try c.encode(answersAnyService, forKey: .answersAnyService)
            try c.encode(cookie, forKey: .cookie)
            try c.encode(echoesRelaySessionID, forKey: .echoesRelaySessionID)
            try c.encode(pppMaxPayload, forKey: .pppMaxPayload)
            try c.encode(errors, forKey: .errors)
            try c.encode(responseMilliseconds, forKey: .responseMilliseconds)
            try c.encode(offers, forKey: .offers)
        }
    }

    public struct ErrorTag: Codable, Sendable, Equatable {
        /// "Service-Name-Error", "AC-System-Error" or "Generic-Error".
        public var tag: String
        public var text: String

        public init(tag: String, text: String) {
            self.tag = tag
            self.text = text
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(interface, forKey: .interface)
        try c.encode(interfaceMAC, forKey: .interfaceMAC)
        try c.encode(serviceName, forKey: .serviceName)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(accessConcentrators, forKey: .accessConcentrators)
        try c.encode(unlistedAccessConcentrators, forKey: .unlistedAccessConcentrators)
        try c.encode(otherFrames, forKey: .otherFrames)
    }
}
