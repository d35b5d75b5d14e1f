/// What an authentication client asks of its caller.
public enum AuthenticationAction: Equatable, Sendable {
    case send(PPPProtocol, ControlPacket)
    /// (Re)start the retransmission timer (PAP only: with CHAP the AC retransmits).
    case armTimer
    /// The AC accepted us; its message (raw bytes from the wire) is kept for the report.
    case succeeded(message: [UInt8])
    /// The AC refused us, or (MS-CHAPv2) failed to prove it knew the password; its message.
    case failed(message: [UInt8])
}

/// PAP (RFC 1334 §2) as the peer: Authenticate-Request with the user and password, resent on
/// the timer until the AC answers or `maxRequests` have gone unanswered.
public struct PAPClient: Sendable {
    public static let authenticateRequest: UInt8 = 1
    public static let authenticateAck: UInt8 = 2
    public static let authenticateNak: UInt8 = 3

    private let request: ControlPacket
    public var maxRequests = 10
    private var sent = 0

    public init(user: [UInt8], password: [UInt8], identifier: UInt8 = 1) {
        let peerID = Array(user.prefix(255))
        var secret = Array(password.prefix(255))
        defer { zero(&secret) }
        request = ControlPacket(code: Self.authenticateRequest, identifier: identifier,
                                data: [UInt8(peerID.count)] + peerID + [UInt8(secret.count)] + secret)
    }

    public mutating func start() -> [AuthenticationAction] { sendRequest() }

    public mutating func timeout() -> [AuthenticationAction] {
        guard sent < maxRequests else { return [.failed(message: Array("no answer to PAP's Authenticate-Request".utf8))] }
        return sendRequest()
    }

    public mutating func receive(_ packet: ControlPacket) -> [AuthenticationAction] {
        guard packet.identifier == request.identifier else { return [] }
        let message = Self.message(packet.data)
        switch packet.code {
        case Self.authenticateAck: return [.succeeded(message: message)]
        case Self.authenticateNak: return [.failed(message: message)]
        default: return []
        }
    }

    /// Ack and Nak carry Msg-Length and Message; a short packet gives what there is.
    static func message(_ data: [UInt8]) -> [UInt8] {
        guard let length = data.first else { return [] }
        return Array(data.dropFirst().prefix(Int(length)))
    }

    private mutating func sendRequest() -> [AuthenticationAction] {
        sent += 1
        return [.send(.pap, request), .armTimer]
    }
}

/// CHAP (RFC 1994) as the peer, with MD5 (§4.1) or MS-CHAPv2 (RFC 2759): answers each
/// Challenge with a Response under the user's name; Success and Failure end it. With MS-CHAPv2,
/// Success must carry the authenticator response computed from the password, or it is a failure:
/// an AC that did not know the password cannot have checked it.
public struct CHAPClient: Sendable {
    public static let challenge: UInt8 = 1
    public static let response: UInt8 = 2
    public static let success: UInt8 = 3
    public static let failure: UInt8 = 4

    public let algorithm: AuthenticationProtocol
    private let user: [UInt8]
    private let password: [UInt8]
    private let peerChallenge: [UInt8]
    private var answered: (identifier: UInt8, expected: String?)?

    /// `peerChallenge`: 16 random bytes, used by MS-CHAPv2 only.
    public init(algorithm: AuthenticationProtocol, user: [UInt8], password: [UInt8], peerChallenge: [UInt8]) {
        self.algorithm = algorithm
        self.user = user
        self.password = password
        self.peerChallenge = peerChallenge
    }

    public mutating func receive(_ packet: ControlPacket) -> [AuthenticationAction] {
        switch packet.code {
        case Self.challenge: return respond(to: packet)
        case Self.success:
            guard let answered, answered.identifier == packet.identifier else { return [] }
            if let expected = answered.expected {
                // "S=<40 hex digits>" then, optionally, " M=<message>" (RFC 2759 §5).
                let text = packet.data
                guard text.count >= 42, String(decoding: text.prefix(42), as: UTF8.self).uppercased() == expected else {
                    return [.failed(message: Array("the AC's authenticator response is wrong: it does not know the password".utf8))]
                }
                let rest = text.dropFirst(42)
                let message = rest.starts(with: Array(" M=".utf8)) ? Array(rest.dropFirst(3)) : Array(rest)
                return [.succeeded(message: message)]
            }
            return [.succeeded(message: packet.data)]
        case Self.failure:
            guard let answered, answered.identifier == packet.identifier else { return [] }
            return [.failed(message: packet.data)]
        default: return []
        }
    }

    private mutating func respond(to packet: ControlPacket) -> [AuthenticationAction] {
        guard let size = packet.data.first.map(Int.init), packet.data.count >= 1 + size else { return [] }
        let challenge = Array(packet.data[1..<1 + size])
        let value: [UInt8]
        var expected: String?
        switch algorithm {
        case .msCHAPv2:
            guard size == 16 else { return [] }
            let ntResponse = MSCHAPv2.ntResponse(authenticatorChallenge: challenge, peerChallenge: peerChallenge,
                                                 userName: user, password: password)
            value = MSCHAPv2.responseValue(peerChallenge: peerChallenge, ntResponse: ntResponse)
            expected = MSCHAPv2.authenticatorResponse(password: password, ntResponse: ntResponse,
                                                      peerChallenge: peerChallenge,
                                                      authenticatorChallenge: challenge, userName: user)
        default:
            value = CHAPMD5.response(identifier: packet.identifier, secret: password, challenge: challenge)
        }
        answered = (packet.identifier, expected)
        return [.send(.chap, ControlPacket(code: Self.response, identifier: packet.identifier,
                                           data: [UInt8(value.count)] + value + user))]
    }
}

/// CHAP with MD5's Response value (RFC 1994 §4.1): MD5 of identifier, secret, challenge.
public enum CHAPMD5 {
    public static func response(identifier: UInt8, secret: [UInt8], challenge: [UInt8]) -> [UInt8] {
        var input = [identifier] + secret + challenge
        defer { zero(&input) }
        return MD5.hash(input)
    }
}

/// MS-CHAP's failure text (RFC 2759 §6), "E=691 R=0 C=<hex> V=3 M=<message>": the error number
/// and message, for the report. Other texts (a CHAP-MD5 AC's) are returned whole as message.
public struct AuthenticationFailureText: Equatable, Sendable {
    public var errorCode: Int?
    public var message: [UInt8]

    public init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("E=") else {
            errorCode = nil
            message = bytes
            return
        }
        errorCode = Int(text.dropFirst(2).prefix { $0.isNumber })
        // M= is the last field; it starts after a space (or the text).
        let start = bytes.indices.first { index in
            bytes[index] == UInt8(ascii: "M") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "=")
                && (index == 0 || bytes[index - 1] == UInt8(ascii: " "))
        }
        message = start.map { Array(bytes[($0 + 2)...]) } ?? []
    }
}

/// Overwrites a temporary copy of the password (an array this code alone holds) before it is freed.
func zero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBufferPointer { $0.initialize(repeating: 0) }
}
