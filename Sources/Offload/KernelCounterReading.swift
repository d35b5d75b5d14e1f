import Netlink
import PPPoEWire
import UserspaceRelay

extension KernelDataplane {
    /// The counters of `sessions` only, both directions, each element asked for by its key: what
    /// the idle timeout, a closing session's log line and a report need, at a cost that follows
    /// how many sessions are read, not how many the maps hold (a whole-map dump costs the kernel
    /// a time that grows with the square of the map; see `NetfilterSocket.elements(table:set:keys:)`).
    /// Sessions the kernel does not hold (refused, or on a device that is gone) are left out.
    public mutating func forwardedCounts(of sessions: [Session]) throws(NetlinkError) -> [SessionKey: ForwardedCount] {
        var counts: [SessionKey: ForwardedCount] = [:]
        counts.reserveCapacity(sessions.count * 2)
        for (slot, interface) in interfaces.enumerated() where !absent.contains(slot) {
            // The WAN's map is keyed on the AC's side of every session; a LAN's on its clients' side.
            let keys: [[UInt8]] = slot == Int(SessionTable.wanSlot)
                ? sessions.map { OffloadLayout.key(mac: $0.acMAC, session: $0.acSessionID) }
                : sessions.filter { Int($0.lanSlot) == slot }
                    .map { OffloadLayout.key(mac: $0.clientMAC, session: $0.clientSessionID) }
            guard !keys.isEmpty else { continue }
            for element in try socket.elements(table: Self.tableName, set: Self.mapName(interface), keys: keys) {
                guard let (mac, sessionID) = OffloadLayout.parseKey(element.key) else { continue }
                counts[SessionKey(slot: UInt8(slot), mac: mac, sessionID: sessionID)] =
                    OffloadLayout.frameCount(packets: element.packets, bytes: element.bytes)
            }
        }
        return counts
    }
}
