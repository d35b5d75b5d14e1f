/// Ethertypes of RFC 2516: discovery (PADI..PADT) and session (PPP payload).
public enum PPPoEEtherType {
    public static let discovery: UInt16 = 0x8863
    public static let session: UInt16 = 0x8864
}

/// The PPPoE header fields that never vary: version 1, type 1.
public enum PPPoEHeader {
    public static let versionType: UInt8 = 0x11
    /// Ethernet (14) + PPPoE (6).
    public static let frameHeaderLength = 20
    public static let ethernetHeaderLength = 14
    /// The largest payload an untagged 1500-byte Ethernet MTU leaves for PPPoE.
    public static let standardMaxPayload = 1494
}

/// Discovery stage codes (RFC 2516 §5) plus PADM/PADN (RFC 4938 drafts) that relays pass through.
public enum DiscoveryCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case padi = 0x09
    case pado = 0x07
    case padr = 0x19
    case pads = 0x65
    case padt = 0xA7
    case padm = 0xD3
    case padn = 0xD4

    public var description: String {
        switch self {
        case .padi: "PADI"
        case .pado: "PADO"
        case .padr: "PADR"
        case .pads: "PADS"
        case .padt: "PADT"
        case .padm: "PADM"
        case .padn: "PADN"
        }
    }
}

/// A discovery tag type. A struct, not an enum: unknown types are legal and must survive a relay.
public struct TagType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let endOfList = TagType(rawValue: 0x0000)
    public static let serviceName = TagType(rawValue: 0x0101)
    public static let acName = TagType(rawValue: 0x0102)
    public static let hostUniq = TagType(rawValue: 0x0103)
    public static let acCookie = TagType(rawValue: 0x0104)
    public static let vendorSpecific = TagType(rawValue: 0x0105)
    public static let relaySessionID = TagType(rawValue: 0x0110)
    public static let pppMaxPayload = TagType(rawValue: 0x0120)
    public static let serviceNameError = TagType(rawValue: 0x0201)
    public static let acSystemError = TagType(rawValue: 0x0202)
    public static let genericError = TagType(rawValue: 0x0203)

    public var description: String {
        switch self {
        case .endOfList: "End-Of-List"
        case .serviceName: "Service-Name"
        case .acName: "AC-Name"
        case .hostUniq: "Host-Uniq"
        case .acCookie: "AC-Cookie"
        case .vendorSpecific: "Vendor-Specific"
        case .relaySessionID: "Relay-Session-Id"
        case .pppMaxPayload: "PPP-Max-Payload"
        case .serviceNameError: "Service-Name-Error"
        case .acSystemError: "AC-System-Error"
        case .genericError: "Generic-Error"
        default: "Tag-0x" + String(rawValue, radix: 16)
        }
    }
}
