/// MS-CHAPv2's computations (RFC 2759 §8): the 24-byte NT-Response a peer sends and the
/// authenticator response ("S=" and 40 hex digits) it expects back, which proves the AC knew the
/// password too. The password is taken as bytes of UTF-8 and hashed as UTF-16LE, as Windows does.
public enum MSCHAPv2 {
    /// ChallengeHash (§8.2): the first 8 bytes of SHA-1(peer challenge, AC challenge, user name).
    /// The name hashed is the user name alone: a Windows `DOMAIN\` prefix, up to the last
    /// backslash, is left out (§4 and §8.2 say "without any domain"; pppd and Windows strip it),
    /// while the Response's Name field still carries the full name.
    public static func challengeHash(peerChallenge: [UInt8], authenticatorChallenge: [UInt8],
                                     userName: [UInt8]) -> [UInt8] {
        Array(SHA1.hash(peerChallenge + authenticatorChallenge + withoutDomain(userName)).prefix(8))
    }

    /// The part of a user name after its last backslash, or the whole name when it has none.
    static func withoutDomain(_ userName: [UInt8]) -> [UInt8] {
        guard let slash = userName.lastIndex(of: UInt8(ascii: "\\")) else { return userName }
        return Array(userName[(slash + 1)...])
    }

    /// NtPasswordHash (§8.3): MD4 of the password in UTF-16 little-endian.
    public static func passwordHash(_ password: [UInt8]) -> [UInt8] {
        var unicode: [UInt8] = []
        for unit in String(decoding: password, as: UTF8.self).utf16 {
            unicode.append(UInt8(truncatingIfNeeded: unit))
            unicode.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        defer { unicode.withUnsafeMutableBufferPointer { $0.initialize(repeating: 0) } }
        return MD4.hash(unicode)
    }

    /// ChallengeResponse (§8.5): the challenge hash encrypted under three 7-byte thirds of the
    /// password hash padded to 21 bytes.
    public static func challengeResponse(challengeHash: [UInt8], passwordHash: [UInt8]) -> [UInt8] {
        let keys = passwordHash + [UInt8](repeating: 0, count: 21 - passwordHash.count)
        return (0..<3).flatMap { third in
            DES.encrypt(block: challengeHash, key: DES.expand(key7: Array(keys[7 * third..<7 * third + 7])))
        }
    }

    /// GenerateNTResponse (§8.1).
    public static func ntResponse(authenticatorChallenge: [UInt8], peerChallenge: [UInt8], userName: [UInt8],
                                  password: [UInt8]) -> [UInt8] {
        let hash = challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authenticatorChallenge,
                                 userName: userName)
        return challengeResponse(challengeHash: hash, passwordHash: passwordHash(password))
    }

    /// GenerateAuthenticatorResponse (§8.7): "S=" and 40 upper-case hex digits.
    public static func authenticatorResponse(password: [UInt8], ntResponse: [UInt8], peerChallenge: [UInt8],
                                             authenticatorChallenge: [UInt8], userName: [UInt8]) -> String {
        let magic1 = Array("Magic server to client signing constant".utf8)
        let magic2 = Array("Pad to make it do more than one iteration".utf8)
        let hashHash = MD4.hash(passwordHash(password))
        let digest = SHA1.hash(hashHash + ntResponse + magic1)
        let hash = challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authenticatorChallenge,
                                 userName: userName)
        return "S=" + hex(SHA1.hash(digest + hash + magic2))
    }

    /// The 49-byte Response value (§4): peer challenge, 8 reserved zeros, NT-Response, flags 0.
    public static func responseValue(peerChallenge: [UInt8], ntResponse: [UInt8]) -> [UInt8] {
        peerChallenge + [UInt8](repeating: 0, count: 8) + ntResponse + [0]
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }
}
