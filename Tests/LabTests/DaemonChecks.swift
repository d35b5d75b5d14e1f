import Foundation
import XCTest

/// What every refusal by relayctl must look like: exit 1, one line on stderr naming the reason,
/// and no trace of a crash (an abort would exit by signal and print a backtrace).
func assertOneLineFailure(_ output: Lab.Output, mentioning reason: String, _ what: String,
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(output.status, 1, "\(what): exit status (stderr: \(output.stderr))", file: file, line: line)
    let lines = output.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertEqual(lines.count, 2, "\(what): exactly one line on stderr, got: \(output.stderr)", file: file, line: line)
    XCTAssertTrue(output.stderr.hasPrefix("relayctl: "), "\(what): \(output.stderr)", file: file, line: line)
    XCTAssertTrue(output.stderr.contains(reason), "\(what): expected \"\(reason)\" in: \(output.stderr)", file: file, line: line)
    for crash in ["Backtrace", "Fatal error", "double free", "Crash", "Aborted"] {
        XCTAssertFalse(output.stderr.contains(crash), "\(what): crashed: \(output.stderr)", file: file, line: line)
    }
}

/// The permission bits, owner and group of a path (not following a final link).
func fileMode(_ path: String) -> (mode: Int, uid: UInt32, gid: UInt32)? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return (Int(info.st_mode & 0o7777), info.st_uid, info.st_gid)
}

/// The unprivileged account the tests act as: uid and gid 65534, no other groups.
let nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]

/// The group of gid 65534 by name (Debian's nogroup, elsewhere nobody), for --control-group.
var nobodyGroupName: String? {
    guard let entry = getgrgid(65534) else { return nil }
    return String(cString: entry.pointee.gr_name)
}

/// Skips (never passes) where uid 65534 cannot run the relayctl under test: a checkout under a
/// directory closed to others, such as /root.
func requireUnprivilegedRelayctl() throws {
    let probe = Lab.run(nobody + [Lab.relayctl, "--help"])
    guard probe.status == 0 else {
        throw XCTSkip("uid 65534 cannot run \(Lab.relayctl) (\(probe.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): "
            + "build in a directory others may enter to run the tests as an unprivileged user")
    }
}
