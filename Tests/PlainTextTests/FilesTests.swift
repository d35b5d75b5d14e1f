import Libc
import PlainText
import XCTest

/// The file helpers that replaced Foundation's: what callers rely on (atomic replacement, the
/// mode a written file gets, mkdir -p, errors in the system's words) on a real file system.
final class FilesTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        // Under $TMPDIR: scripts/test gives the tests a temporary directory of their own.
        let temporary = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((temporary + "/plaintext-tests-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        XCTAssertNotNil(made)
        directory = String(cString: made!)
    }

    override func tearDown() {
        _ = system("rm -rf '\(directory)'")
    }

    func testParentDirectory() {
        XCTAssertEqual(parentDirectory(of: "/etc/config/pppoe-relay"), "/etc/config")
        XCTAssertEqual(parentDirectory(of: "/etc/config/"), "/etc")
        XCTAssertEqual(parentDirectory(of: "/etc"), "/")
        XCTAssertEqual(parentDirectory(of: "name"), ".")
        XCTAssertEqual(parentDirectory(of: "a/b"), "a")
    }

    func testCreateDirectoriesMakesEveryMissingParentAndAcceptsAnExistingOne() throws {
        let deep = directory + "/a/b/c"
        try createDirectories(deep)
        XCTAssertTrue(fileExists(atPath: deep))
        try createDirectories(deep)
        try writeFileAtomically(directory + "/file", [1])
        XCTAssertThrowsError(try createDirectories(directory + "/file")) { error in
            XCTAssertEqual((error as? FileError)?.errno, ENOTDIR)
        }
        XCTAssertThrowsError(try createDirectories(directory + "/file/below")) { error in
            XCTAssertEqual((error as? FileError)?.errno, ENOTDIR)
            XCTAssertEqual((error as? FileError)?.text, "Not a directory")
        }
    }

    func testAtomicWriteReplacesALinkInsteadOfFollowingItAndLeavesNoTemporaryFile() throws {
        let target = directory + "/target"
        let path = directory + "/config"
        try writeFileAtomically(target, Array("keep".utf8))
        XCTAssertEqual(symlink(target, path), 0)
        try writeFileAtomically(path, Array("new".utf8))
        XCTAssertEqual(fileContents(atPath: target), Array("keep".utf8))
        XCTAssertEqual(fileContents(atPath: path), Array("new".utf8))
        var status = stat()
        XCTAssertEqual(lstat(path, &status), 0)
        XCTAssertEqual(status.st_mode & 0o170000, 0o100000, "a regular file now, not the link")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(names, ["config", "target"])
    }

    /// A file replaced in a directory that has no room left: the old file stays as it was and
    /// no empty file, nor the temporary one, is left. (A file size limit of 0 makes every write
    /// fail with EFBIG, as a full file system fails it with ENOSPC.)
    func testReplacingAFileThatCannotBeWrittenLeavesTheOldOneAndNoEmptyFile() throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        try replaceFile(in: fd, named: "relayd.pid", Array("41\n".utf8), mode: 0o644)
        XCTAssertEqual(fileContents(atPath: directory + "/relayd.pid"), Array("41\n".utf8))

        var limit = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        let previousSignal = signal(SIGXFSZ, SIG_IGN)
        var none = limit
        none.rlim_cur = 0
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &none), 0)
        XCTAssertThrowsError(try replaceFile(in: fd, named: "relayd.pid", Array("42\n".utf8), mode: 0o644)) {
            XCTAssertEqual(($0 as? FileError)?.errno, EFBIG)
        }
        XCTAssertThrowsError(try replaceFile(in: fd, named: "fresh", Array("42\n".utf8), mode: 0o644))
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        signal(SIGXFSZ, previousSignal)

        XCTAssertEqual(fileContents(atPath: directory + "/relayd.pid"), Array("41\n".utf8))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(names, ["relayd.pid"], "no empty file, no temporary file")
    }

    /// A directory where the file should be: the rename fails, the directory stays, and the
    /// temporary file goes.
    func testReplacingADirectoryFailsAndLeavesNoTemporaryFile() throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(mkdir(directory + "/sessions.journal", 0o700), 0)
        XCTAssertThrowsError(try replaceFile(in: fd, named: "sessions.journal", Array("x".utf8), mode: 0o600)) {
            XCTAssertEqual(($0 as? FileError)?.errno, EISDIR)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(names, ["sessions.journal"])
    }

    func testAWrittenFileGetsTheModeOpenWouldGiveIt() throws {
        let old = umask(0o027)
        defer { umask(old) }
        try writeFileAtomically(directory + "/state", [])
        var status = stat()
        XCTAssertEqual(stat(directory + "/state", &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o640)
    }

    func testFileContentsReadsWholeFilesAndRefusesWhatIsNone() throws {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try writeFileAtomically(directory + "/big", bytes)
        XCTAssertEqual(fileContents(atPath: directory + "/big"), bytes)
        XCTAssertNil(fileContents(atPath: directory + "/absent"))
        XCTAssertNil(fileContents(atPath: directory), "a directory is no file")
        XCTAssertEqual(fileContents(atPath: "/proc/self/comm")?.isEmpty, false, "a /proc file, whose size stat says is 0")
    }

    func testExecutableMeansARegularFileWithExecutePermission() throws {
        XCTAssertTrue(isExecutableFile(atPath: "/bin/sh"))
        XCTAssertFalse(isExecutableFile(atPath: "/tmp"), "a directory is searchable, not executable")
        try writeFileAtomically(directory + "/script", Array("#!/bin/sh\n".utf8))
        XCTAssertFalse(isExecutableFile(atPath: directory + "/script"))
        XCTAssertEqual(chmod(directory + "/script", 0o755), 0)
        XCTAssertTrue(isExecutableFile(atPath: directory + "/script"))
    }

    func testRemoveFileAcceptsNothingThereAndRemovesAnEmptyDirectory() throws {
        try removeFile(atPath: directory + "/absent")
        try createDirectories(directory + "/empty")
        try removeFile(atPath: directory + "/empty")
        XCTAssertFalse(fileExists(atPath: directory + "/empty"))
    }

    func testEnvironmentEntriesAreTheProcesssOwn() {
        setenv("PLAINTEXT_TEST_VALUE", "a=b", 1)
        XCTAssertTrue(environmentEntries().contains("PLAINTEXT_TEST_VALUE=a=b"))
        unsetenv("PLAINTEXT_TEST_VALUE")
        XCTAssertFalse(environmentEntries().contains { $0.hasPrefix("PLAINTEXT_TEST_VALUE=") })
    }
}
