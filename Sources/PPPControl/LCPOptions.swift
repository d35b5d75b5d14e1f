/// LCP configuration option types (RFC 1661 §6, RFC 1570, RFC 1990), public so that other
/// framings (a serial link's HDLC) can build and read the same options.
public enum LCPOption {
    public static let maximumReceiveUnit: UInt8 = 1
    public static let asyncControlCharacterMap: UInt8 = 2
    public static let authenticationProtocol: UInt8 = 3
    public static let qualityProtocol: UInt8 = 4
    public static let magicNumber: UInt8 = 5
    public static let protocolFieldCompression: UInt8 = 7
    public static let addressControlFieldCompression: UInt8 = 8
    public static let fcsAlternatives: UInt8 = 9
    public static let callback: UInt8 = 13
    public static let multilinkMRRU: UInt8 = 17

    /// The least MRU any link must carry: pppd Naks anything smaller with this (its MINMRU).
    public static let smallestMRU: UInt16 = 128
    /// The largest MRU a PPPoE link carries without PPP-Max-Payload (RFC 2516 §7).
    public static let largestPPPoEMRU: UInt16 = 1492

    /// What RFC 2516 §7 says must not be requested over PPPoE and should be rejected: FCS
    /// Alternatives, ACFC and the ACCM, which mean nothing on Ethernet. (PPPoE frames carry no
    /// HDLC framing at all.)
    public static let forbiddenOverPPPoE: Set<UInt8> = [fcsAlternatives, addressControlFieldCompression,
                                                         asyncControlCharacterMap]
}

/// The authentication a peer asks for in its LCP Authentication-Protocol option.
public enum AuthenticationProtocol: Equatable, Sendable, CustomStringConvertible {
    case pap
    case chapMD5
    case msCHAPv2

    /// Every method this client speaks, strongest first: the order it proposes them in.
    public static let all: [AuthenticationProtocol] = [.msCHAPv2, .chapMD5, .pap]

    /// The name in an allow list, as RouterOS spells it (`allow=mschap2,chap,pap`).
    public var allowName: String {
        switch self {
        case .pap: "pap"
        case .chapMD5: "chap"
        case .msCHAPv2: "mschap2"
        }
    }

    public init?(allowName: String) {
        guard let found = Self.all.first(where: { $0.allowName == allowName }) else { return nil }
        self = found
    }

    /// CHAP's algorithm numbers (RFC 1994 §3.2, RFC 2759 §2).
    static let chapAlgorithmMD5: UInt8 = 5
    static let chapAlgorithmMSv2: UInt8 = 0x81

    /// From an Authentication-Protocol option's data; nil for what this client does not speak.
    public init?(optionData data: [UInt8]) {
        guard data.count >= 2 else { return nil }
        switch (PPPProtocol(rawValue: UInt16(data[0]) << 8 | UInt16(data[1])), data.dropFirst(2).first) {
        case (.pap, nil): self = .pap
        case (.chap, Self.chapAlgorithmMD5?): self = .chapMD5
        case (.chap, Self.chapAlgorithmMSv2?): self = .msCHAPv2
        default: return nil
        }
    }

    public var optionData: [UInt8] {
        switch self {
        case .pap: [0xc0, 0x23]
        case .chapMD5: [0xc2, 0x23, Self.chapAlgorithmMD5]
        case .msCHAPv2: [0xc2, 0x23, Self.chapAlgorithmMSv2]
        }
    }

    public var description: String {
        switch self {
        case .pap: "PAP"
        case .chapMD5: "CHAP-MD5"
        case .msCHAPv2: "MS-CHAPv2"
        }
    }
}

/// A client's LCP over PPPoE: it asks for its MRU (1492, or what PPP-Max-Payload allowed) and a
/// magic number, never for anything RFC 2516 §7 forbids, rejects those if the peer asks, Naks an
/// MRU the link cannot carry, and accepts the authentication protocols it may answer (`allowed`),
/// proposing the strongest of those for any other.
public struct LCPPolicy: ConfigurationPolicy, Sendable {
    public var mru: UInt16
    public var magicNumber: UInt32
    /// The authentication methods the peer may have, strongest first. Any other is Nakked with one
    /// of these and never acknowledged, so its client never runs and the password is not sent.
    public let allowed: [AuthenticationProtocol]
    /// The largest MRU the peer may ask for: what this PPPoE link carries (our own first MRU).
    public let largestPeerMRU: UInt16
    /// What the peer's request said, once acknowledged by us.
    public private(set) var peerMRU: UInt16?
    public private(set) var peerMagicNumber: UInt32?
    public private(set) var authentication: AuthenticationProtocol?
    /// An MRU the peer asked for that we Nakked (out of range), for the report; kept after it
    /// asked again for one we could accept.
    public private(set) var nakkedPeerMRU: UInt16?
    /// A method the peer's last Configure-Request asked for that `allowed` leaves out.
    public private(set) var refusedAuthentication: AuthenticationProtocol?
    /// Whether the peer refused our MRU option: it is no longer asked for.
    public private(set) var mruRejected = false
    private var magicRejected = false
    /// The authentication protocols not yet suggested in a Nak; the next proposal first.
    private var suggested: [AuthenticationProtocol]

    public init(mru: UInt16, magicNumber: UInt32, allowed: [AuthenticationProtocol] = AuthenticationProtocol.all) {
        self.mru = mru
        self.magicNumber = magicNumber
        largestPeerMRU = max(mru, LCPOption.smallestMRU)
        self.allowed = AuthenticationProtocol.all.filter { allowed.contains($0) }
        suggested = self.allowed
    }

    public mutating func request() -> [ConfigurationOption] {
        var options: [ConfigurationOption] = []
        if !mruRejected { options.append(.number(type: LCPOption.maximumReceiveUnit, UInt32(mru), width: 2)) }
        if !magicRejected { options.append(.number(type: LCPOption.magicNumber, magicNumber, width: 4)) }
        return options
    }

    public mutating func review(_ options: [ConfigurationOption]) -> ConfigurationVerdict {
        var rejected: [ConfigurationOption] = [], nakked: [ConfigurationOption] = []
        var mru: UInt16?, magic: UInt32?, authentication: AuthenticationProtocol?
        refusedAuthentication = nil
        for option in options {
            switch option.type {
            case LCPOption.maximumReceiveUnit:
                guard let value = option.number(width: 2) else { rejected.append(option); continue }
                // Below 128 no link works (pppd's floor); above what PPPoE carries, frames would be
                // lost (RFC 2516 §7): either is Nakked with the nearest MRU that works.
                if value < LCPOption.smallestMRU || value > largestPeerMRU {
                    nakkedPeerMRU = UInt16(value)
                    let nearest = value < LCPOption.smallestMRU ? LCPOption.smallestMRU : largestPeerMRU
                    nakked.append(.number(type: LCPOption.maximumReceiveUnit, UInt32(nearest), width: 2))
                }
                mru = UInt16(value)
            case LCPOption.magicNumber:
                guard let value = option.number(width: 4) else { rejected.append(option); continue }
                // Equal to ours: a looped-back link, or chance; a new number is Nakked (§6.4).
                if value == magicNumber || value == 0 {
                    nakked.append(.number(type: LCPOption.magicNumber, magicNumber ^ 0x5a5a_a5a5, width: 4))
                }
                magic = value
            case LCPOption.authenticationProtocol:
                let known = AuthenticationProtocol(optionData: option.data)
                if let known, allowed.contains(known) {
                    authentication = known
                    continue
                }
                if let known { refusedAuthentication = known }
                if let proposal = suggested.first {
                    suggested.removeFirst()
                    nakked.append(ConfigurationOption(type: LCPOption.authenticationProtocol, data: proposal.optionData))
                } else {
                    rejected.append(option)
                }
            case LCPOption.protocolFieldCompression:
                // Allowed over PPPoE, but this client sends and expects full protocol fields.
                rejected.append(option)
            default:
                // Includes ACCM, ACFC and FCS-Alternatives, forbidden over PPPoE (RFC 2516 §7).
                rejected.append(option)
            }
        }
        let verdict = ConfigurationVerdict.from(rejected: rejected, nakked: nakked)
        if verdict == .acknowledge {
            peerMRU = mru
            peerMagicNumber = magic
            self.authentication = authentication
        }
        return verdict
    }

    public mutating func acknowledged(_ options: [ConfigurationOption]) {}

    public mutating func nakked(_ options: [ConfigurationOption]) {
        for option in options {
            switch option.type {
            case LCPOption.maximumReceiveUnit:
                // Over PPPoE the MRU may only go down (RFC 2516 §7: at most 1492 without RFC 4638).
                if let value = option.number(width: 2), value < mru, value >= 64 { mru = UInt16(value) }
            case LCPOption.magicNumber:
                if let value = option.number(width: 4), value != 0 { magicNumber = value }
            default: break
            }
        }
    }

    public mutating func rejected(_ options: [ConfigurationOption]) {
        for option in options {
            if option.type == LCPOption.maximumReceiveUnit { mruRejected = true }
            if option.type == LCPOption.magicNumber { magicRejected = true }
        }
    }

    public func describe(_ option: ConfigurationOption) -> String {
        switch option.type {
        case LCPOption.maximumReceiveUnit:
            guard let value = option.number(width: 2) else { return "a malformed MRU" }
            if value < LCPOption.smallestMRU { return "MRU \(value) (below \(LCPOption.smallestMRU), the least a link carries)" }
            if value > largestPeerMRU { return "MRU \(value) (above \(largestPeerMRU), the most this PPPoE link carries)" }
            return "MRU \(value)"
        case LCPOption.authenticationProtocol:
            if let known = AuthenticationProtocol(optionData: option.data) {
                return allowed.contains(known) ? "authentication \(known)"
                    : "authentication \(known) (not in --allow)"
            }
            return "authentication " + Self.unsupportedAuthentication(option.data) + " (not spoken by this client)"
        case LCPOption.magicNumber:
            guard let value = option.number(width: 4) else { return "a malformed magic number" }
            return "magic number 0x" + String(value, radix: 16) + (value == magicNumber ? " (ours: a looped-back link?)" : "")
        case LCPOption.asyncControlCharacterMap: return "ACCM (forbidden over PPPoE)"
        case LCPOption.addressControlFieldCompression: return "address and control field compression (forbidden over PPPoE)"
        case LCPOption.fcsAlternatives: return "FCS alternatives (forbidden over PPPoE)"
        case LCPOption.protocolFieldCompression: return "protocol field compression"
        case LCPOption.qualityProtocol: return "link quality monitoring"
        case LCPOption.callback: return "callback"
        case LCPOption.multilinkMRRU: return "multilink"
        default: return "option \(option.type)"
        }
    }

    /// An Authentication-Protocol this client does not speak, named: EAP, MS-CHAP (v1), others by number.
    static func unsupportedAuthentication(_ data: [UInt8]) -> String {
        guard data.count >= 2 else { return "(malformed)" }
        let number = UInt16(data[0]) << 8 | UInt16(data[1])
        switch (number, data.count > 2 ? data[2] : nil) {
        case (0xC227, _): return "EAP"
        case (0xC223, 0x80?): return "MS-CHAP (v1)"
        case (0xC223, let algorithm?): return "CHAP with algorithm \(algorithm)"
        case (0xC223, nil): return "CHAP without an algorithm"
        case (0xC023, _): return "PAP with extra data"
        default: return "protocol 0x" + String(number, radix: 16)
        }
    }
}
