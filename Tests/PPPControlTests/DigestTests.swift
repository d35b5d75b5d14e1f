import Foundation
import PPPControl
import XCTest

/// The digests and the cipher against their standards' own vectors, and MD5 and SHA-1 against
/// an independent implementation: Python's hashlib, on inputs of every length around the
/// padding boundaries.
final class DigestTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    private func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    func testMD5MatchesRFC1321Appendix() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
             "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (input, digest) in vectors { XCTAssertEqual(hex(MD5.hash(Array(input.utf8))), digest, input) }
    }

    func testMD4MatchesRFC1320Appendix() {
        let vectors = [
            ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
            ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
            ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
            ("message digest", "d9130a8164549fe818874806e1c7014b"),
            ("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
             "e33b4ddc9c38f2199c3e7b164fcc0536"),
        ]
        for (input, digest) in vectors { XCTAssertEqual(hex(MD4.hash(Array(input.utf8))), digest, input) }
    }

    func testSHA1MatchesFIPS180Examples() {
        XCTAssertEqual(hex(SHA1.hash(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(hex(SHA1.hash([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    /// The classic worked example (key 133457799BBCDFF1) and FIPS 81's (key 0123456789ABCDEF).
    func testDESEncryptsKnownBlocks() {
        XCTAssertEqual(hex(DES.encrypt(block: bytes("0123456789ABCDEF"), key: bytes("133457799BBCDFF1"))),
                       "85e813540f0ab405")
        XCTAssertEqual(hex(DES.encrypt(block: Array("Now is t".utf8), key: bytes("0123456789ABCDEF"))),
                       "3fa40e8a984d4815")
    }

    /// MD5 and SHA-1 of 0...200 bytes of a fixed pattern agree with Python's hashlib.
    func testMD5AndSHA1AgreeWithPythonsHashlib() throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { throw XCTSkip("no python3 to compare with") }
        let script = """
            import hashlib
            for n in range(201):
                data = bytes((i * 7 + 3) % 256 for i in range(n))
                print(hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, 201)
        for (n, line) in lines.enumerated() {
            let data = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            let fields = line.split(separator: " ").map(String.init)
            XCTAssertEqual(hex(MD5.hash(data)), fields[0], "MD5 of \(n) bytes")
            XCTAssertEqual(hex(SHA1.hash(data)), fields[1], "SHA-1 of \(n) bytes")
        }
    }

    /// RFC 2759 §9.2, every intermediate value.
    func testMSCHAPv2MatchesRFC2759Section9() {
        let userName = Array("User".utf8)
        let password = Array("clientPass".utf8)
        let authenticatorChallenge = bytes("5B5D7C7D7B3F2F3E3C2C602132262628")
        let peerChallenge = bytes("21402324255E262A28295F2B3A337C7E")
        let challengeHash = MSCHAPv2.challengeHash(peerChallenge: peerChallenge,
                                                   authenticatorChallenge: authenticatorChallenge, userName: userName)
        XCTAssertEqual(hex(challengeHash), "d02e4386bce91226")
        let passwordHash = MSCHAPv2.passwordHash(password)
        XCTAssertEqual(hex(passwordHash), "44ebba8d5312b8d611474411f56989ae")
        let ntResponse = MSCHAPv2.ntResponse(authenticatorChallenge: authenticatorChallenge, peerChallenge: peerChallenge,
                                             userName: userName, password: password)
        XCTAssertEqual(hex(ntResponse), "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df")
        XCTAssertEqual(hex(MD4.hash(passwordHash)), "41c00c584bd2d91c4017a2a12fa59f3f")
        XCTAssertEqual(MSCHAPv2.authenticatorResponse(password: password, ntResponse: ntResponse,
                                                      peerChallenge: peerChallenge,
                                                      authenticatorChallenge: authenticatorChallenge, userName: userName),
                       "S=407A5589115FD0D6209F510FE9C04566932CDA56")
    }

    /// RFC 2759 §8.2: a `DOMAIN\` prefix (up to the last backslash) is left out of ChallengeHash,
    /// so the §9.2 values hold for "EXAMPLE\User" too, while the Response's Name field keeps it.
    func testMSCHAPv2HashesTheUserNameWithoutItsDomain() throws {
        let authenticatorChallenge = bytes("5B5D7C7D7B3F2F3E3C2C602132262628")
        let peerChallenge = bytes("21402324255E262A28295F2B3A337C7E")
        for name in ["EXAMPLE\\User", "A\\B\\User", "\\User"] {
            let hash = MSCHAPv2.challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authenticatorChallenge,
                                              userName: Array(name.utf8))
            XCTAssertEqual(hex(hash), "d02e4386bce91226", name)
        }
        let fullName = Array("EXAMPLE\\User".utf8)
        var client = CHAPClient(algorithm: .msCHAPv2, user: fullName, password: Array("clientPass".utf8),
                                peerChallenge: peerChallenge)
        let actions = client.receive(ControlPacket(code: CHAPClient.challenge, identifier: 7,
                                                   data: [16] + authenticatorChallenge))
        guard case let .send(_, response)? = actions.first else { return XCTFail("no Response sent") }
        XCTAssertEqual(hex(Array(response.data[25..<49])), "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df")
        XCTAssertEqual(Array(response.data[50...]), fullName, "the Name field carries the domain")
        let success = Array("S=407A5589115FD0D6209F510FE9C04566932CDA56".utf8)
        XCTAssertEqual(client.receive(ControlPacket(code: CHAPClient.success, identifier: 7, data: success)),
                       [.succeeded(message: [])])
    }
}
