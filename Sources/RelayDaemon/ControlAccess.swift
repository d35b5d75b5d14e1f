import ControlProtocol
import Libc

/// Who is at the other end of a control connection, as the kernel vouches for it when it
/// connected (SO_PEERCRED, SO_PEERGROUPS): never what the client claims.
struct ControlPeer {
    let pid: Int32
    let uid: UInt32
    /// The primary group and every supplementary one.
    let groups: [UInt32]

    init?(_ fd: Int32) {
        // struct ucred: pid, uid, gid.
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        pid = credentials.0
        uid = credentials.1
        groups = [credentials.2] + Self.supplementaryGroups(fd)
    }

    /// SO_PEERGROUPS (Linux 4.13); none where the kernel does not know it.
    private static func supplementaryGroups(_ fd: Int32) -> [UInt32] {
        let peerGroups: Int32 = 59
        var groups = [UInt32](repeating: 0, count: 64)
        var length = socklen_t(groups.count * MemoryLayout<UInt32>.size)
        if getsockopt(fd, SOL_SOCKET, peerGroups, &groups, &length) != 0 {
            guard errno == ERANGE, Int(length) / MemoryLayout<UInt32>.size <= 65536 else { return [] }
            groups = [UInt32](repeating: 0, count: Int(length) / MemoryLayout<UInt32>.size)
            guard getsockopt(fd, SOL_SOCKET, peerGroups, &groups, &length) == 0 else { return [] }
        }
        return Array(groups.prefix(Int(length) / MemoryLayout<UInt32>.size))
    }
}

/// What a peer may ask: root (or the user the daemon runs as) may change the relay; members of
/// the control group may read it; anyone else, who reached the socket some other way, nothing.
public struct ControlAccess {
    let daemonUID: UInt32
    let group: gid_t?

    enum Level { case none, read, change }

    func level(of peer: ControlPeer) -> Level {
        if peer.uid == 0 || peer.uid == daemonUID { return .change }
        if let group, peer.groups.contains(group) { return .read }
        return .none
    }

    /// Nil when `peer` may have `request` answered, else the error the client prints.
    func refusal(_ request: ControlRequest?, from peer: ControlPeer) -> String? {
        switch level(of: peer) {
        case .change: return nil
        case .read:
            guard let request, request.changesState else { return nil }
            return "permission denied: only root may change the relay (uid \(peer.uid) may read status, sessions and mss)"
        case .none:
            return "permission denied: uid \(peer.uid) may not use the relay's control socket"
        }
    }
}

extension ControlRequest {
    /// Requests that change what the relay does, as opposed to reports of it.
    var changesState: Bool {
        switch self {
        case .status, .sessions, .mssShow: false
        case .mssSet, .reload, .endSessions, .keepSessionsOnStop: true
        }
    }
}

extension ControlAccess {
    /// The gid of `--control-group`, by name or number, or why there is none.
    public static func groupID(_ name: String?) throws(DaemonError) -> gid_t? {
        guard let name else { return nil }
        if let entry = getgrnam(name) { return entry.pointee.gr_gid }
        if let number = gid_t(name), getgrgid(number) != nil { return number }
        throw .failure("no group named \(name) (for --control-group)")
    }
}
