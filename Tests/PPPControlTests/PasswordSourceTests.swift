import Foundation
import LineCheck
import XCTest

/// The password file is read only when it is a plain file of its owner's, of at most 4096
/// bytes: a FIFO, a symbolic link or a longer file is refused, never waited on or cut short.
final class PasswordSourceTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("password-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func file(_ name: String, _ contents: [UInt8], mode: Int = 0o600) throws -> String {
        let path = directory + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(contents), attributes: [.posixPermissions: mode]))
        return path
    }

    private func refusal(_ path: String) -> String? {
        do {
            _ = try PasswordSource.read(file: path)
            return nil
        } catch {
            return error.description
        }
    }

    func testAFileOfItsOwnersIsReadWithoutItsNewline() throws {
        XCTAssertEqual(try PasswordSource.read(file: try file("ok", Array("secret\r\n".utf8))), Array("secret".utf8))
        let longest = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        XCTAssertEqual(try PasswordSource.read(file: try file("longest", longest)), longest)
    }

    func testALongerFileIsRefusedNotCut() throws {
        let message = try XCTUnwrap(refusal(try file("long", [UInt8](repeating: UInt8(ascii: "x"), count: 4097))))
        XCTAssertTrue(message.contains("longer than 4096 bytes"), message)
        XCTAssertFalse(message.contains("\n"))
    }

    func testAFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let path = directory + "/fifo"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let message = try XCTUnwrap(refusal(path))
        XCTAssertTrue(message.contains("not a regular file"), message)
    }

    func testASymbolicLinkAndAFileOpenToOthersAreRefused() throws {
        let target = try file("target", Array("secret".utf8))
        let link = directory + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertTrue(try XCTUnwrap(refusal(link)).contains("symbolic link"))
        XCTAssertTrue(try XCTUnwrap(refusal(try file("open", Array("secret".utf8), mode: 0o644))).contains("chmod 600"))
    }
}
