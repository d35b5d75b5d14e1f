import Foundation
import LineCheck
import XCTest

/// The per-interface check lock: one holder at a time, free again when the holder is gone,
/// and a lock directory anyone else could tamper with is refused.
final class CheckLockTests: XCTestCase {
    private var parent = ""

    override func setUpWithError() throws {
        parent = FileManager.default.temporaryDirectory.appendingPathComponent("checklock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: parent)
    }

    private func failure(_ interface: String, _ directory: String) -> CheckLock.Failure? {
        do {
            let lock = try CheckLock(interface: interface, directory: directory)
            _ = consume lock
            return nil
        } catch {
            return error
        }
    }

    func testASecondHolderIsRefusedUntilTheFirstIsGone() throws {
        let directory = parent + "/locks"
        let first = try CheckLock(interface: "wan0", directory: directory)
        var info = stat()
        XCTAssertEqual(lstat(directory, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "the missing directory is made 0700")
        XCTAssertEqual(failure("wan0", directory), .held)
        XCTAssertNil(failure("wan1", directory), "another interface has its own lock")
        _ = consume first
        XCTAssertNil(failure("wan0", directory), "free again once the holder is gone")
        XCTAssertEqual(lstat(directory + "/check-wan0.lock", &info), 0)
        XCTAssertEqual(info.st_size, 0, "only an empty file stays")
    }

    func testADirectoryThatIsALinkOrOpenToOthersIsRefused() throws {
        let real = parent + "/real"
        XCTAssertEqual(mkdir(real, 0o700), 0)
        let link = parent + "/link"
        XCTAssertEqual(symlink(real, link), 0)
        guard case .unsafeDirectory = failure("wan0", link) else { return XCTFail("a symbolic link was followed") }
        let open = parent + "/open"
        XCTAssertEqual(mkdir(open, 0o700), 0)
        XCTAssertEqual(chmod(open, 0o777), 0)
        guard case .unsafeDirectory = failure("wan0", open) else { return XCTFail("a world-writable directory was used") }
        XCTAssertEqual(failure("../wan0", real), .notAnInterfaceName)
        XCTAssertEqual(failure("an-interface-name-too-long", real), .notAnInterfaceName)
    }
}
