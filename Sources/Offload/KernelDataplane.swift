import Libc
import Netlink
import PPPoEWire
import UserspaceRelay

/// The nftables dataplane: one table of ours, and for every relay device a base chain at its
/// ingress with one map and one rule.
///
/// The map is keyed on the frame's source MAC and session id and gives the new header (destination
/// MAC, source MAC, session id) and the egress ifindex; the rule checks the frame is for us, looks
/// it up, rewrites the header and `fwd`s it to the egress device. One hash lookup per frame,
/// whatever the number of sessions. A miss falls through the chain's accept policy to the
/// normal path, where the daemon's 0x8864 sockets see it: nothing is dropped by our rules.
/// Every map element carries its own counter, read for per-session counters and idle timeouts.
public struct KernelDataplane: ~Copyable {
    public static let tableName = "pppoe_relay"

    var socket: NetfilterSocket
    let interfaces: [RelayInterface]
    let absent: Set<Int>
    let policy: DiscoveryPolicy

    /// Whether the table outlives this process (NFT_TABLE_F_PERSIST): then a daemon that exits
    /// keeping its sessions, or dies, leaves it forwarding for the next one to claim.
    public let persists: Bool
    /// The counters of the table a previous daemon left, read just before this one replaced it,
    /// by ingress key (slots of `interfaces`); empty when there was none.
    public let inheritedCounts: [SessionKey: ForwardedCount]

    /// Installs table, chains, maps and rules in one transaction: this is also the probe. It
    /// fails (naming the operation) where the kernel lacks the netdev family, `fwd`, or our privilege.
    ///
    /// A table of ours that no process owns (a previous daemon's, orphaned by NFT_TABLE_F_PERSIST
    /// when it exited or died) is replaced in the same transaction, with `sessions` already in
    /// the new maps: frames of those sessions meet the old table until the commit and the new
    /// one after it, never neither.
    /// - Parameter absent: slots whose device is gone (no chain can hook a missing device).
    public init(interfaces: [RelayInterface], absent: Set<Int> = [], policy: DiscoveryPolicy = .standard,
                sessions: [Session] = []) throws(NetlinkError) {
        var socket = try NetfilterSocket()
        let orphan = Self.hasOrphan(&socket)
        let inherited = orphan ? Self.orphanCounts(&socket, interfaces: interfaces, absent: absent) : [:]
        var failure = Self.install(&socket, interfaces, absent, policy, sessions, persists: true, replacing: orphan)
        var persists = true
        if let error = failure, error.errno == EOPNOTSUPP {
            // A kernel before 6.9: the table goes with the daemon; the next one rebuilds it from the journal.
            persists = false
            failure = Self.install(&socket, interfaces, absent, policy, sessions, persists: false, replacing: orphan)
        }
        if let failure { throw failure }
        self.inheritedCounts = inherited
        self.persists = persists
        self.socket = socket
        self.interfaces = interfaces
        self.absent = absent
        self.policy = policy
    }

    /// A table of ours that no process owns: a previous daemon's, left by NFT_TABLE_F_PERSIST.
    private static func hasOrphan(_ socket: inout NetfilterSocket) -> Bool {
        do throws(NetlinkError) {
            return try socket.tables().contains { $0.name == tableName && !$0.isOwned }
        } catch {
            return false
        }
    }

    private static func orphanCounts(_ socket: inout NetfilterSocket, interfaces: [RelayInterface],
                                     absent: Set<Int>) -> [SessionKey: ForwardedCount] {
        do throws(NetlinkError) {
            return try readCounts(&socket, interfaces: interfaces, absent: absent, tolerant: true)
        } catch {
            return [:]
        }
    }

    private static func install(_ socket: inout NetfilterSocket, _ interfaces: [RelayInterface], _ absent: Set<Int>,
                                _ policy: DiscoveryPolicy, _ sessions: [Session], persists: Bool,
                                replacing: Bool) -> NetlinkError? {
        do throws(NetlinkError) {
            try commitTable(&socket, interfaces, absent, policy, sessions, persists: persists, replacing: replacing)
            return nil
        } catch {
            return error
        }
    }

    private static func commitTable(_ socket: inout NetfilterSocket, _ interfaces: [RelayInterface], _ absent: Set<Int>,
                                    _ policy: DiscoveryPolicy, _ sessions: [Session], persists: Bool,
                                    replacing: Bool) throws(NetlinkError) {
        let carried = sessions.filter { !absent.contains(Int($0.lanSlot)) && !absent.contains(0) }
        try socket.commit { batch in
            if replacing { batch.delete(NFTTable(name: Self.tableName), name: Self.tableName) }
            let table = NFTTable(name: Self.tableName, ownedBySocket: true, persists: persists,
                                 userData: Self.ownerComment(pid: getpid()))
            batch.add(table, name: Self.tableName)
            FrameChecks.addSets(table: Self.tableName, to: &batch)
            Self.addPADIPolicingSets(interfaces: interfaces, absent: absent, policy: policy, to: &batch)
            for (slot, interface) in interfaces.enumerated() where !absent.contains(slot) {
                let chain = Self.chainName(interface), map = Self.mapName(interface)
                batch.add(NFTChain(table: Self.tableName, name: chain, ingressDevice: interface.name),
                          name: "\(Self.tableName)/\(chain)")
                batch.add(NFTSet(table: Self.tableName, name: map, keyLength: UInt32(OffloadLayout.keyLength),
                                 dataLength: UInt32(OffloadLayout.dataLength), countersPerElement: true,
                                 id: UInt32(slot + 1)),
                          name: "\(Self.tableName)/\(map)")
                Self.addPADIPolicingRules(for: interface, slot: slot, policy: policy, to: &batch)
                Self.addSYNDiversionRules(for: interface, to: &batch)
                batch.add(Self.forwardingRule(for: interface, setID: UInt32(slot + 1)),
                          name: "\(Self.tableName)/\(chain)")
            }
            // Every adopted session, up to a full table: the old table forwards until this commit.
            Self.addElements(carried.map { .created($0) }, interfaces: interfaces, to: &batch)
        }
    }

    static func chainName(_ interface: RelayInterface) -> String { "ingress_" + interface.name }
    static func mapName(_ interface: RelayInterface) -> String { "sessions_" + interface.name }

    /// Unicast to this device? look the frame's bytes 6-17 up, check its PPPoE length against
    /// its size, write the answer over bytes 0-17, forward. (Layouts in `OffloadLayout` and
    /// `FrameChecks`.)
    ///
    /// A frame that arrived with a VLAN tag never matches: the tag sits in skb metadata, and
    /// nf_tables puts it back in place for link-layer loads past byte 12, so the key's bytes
    /// 12-15 read `81 00` (or `88 a8`) and the tag, not `88 64 11 00`. Such a frame goes on to
    /// the daemon, which drops and counts it. (A VLAN device's own chain sees its frames untagged.)
    private static func forwardingRule(for interface: RelayInterface, setID: UInt32) -> NFTRule {
        let rule = NFTRule(table: tableName, chain: chainName(interface))
        let r = NFTExpression.Register.r32
        rule.append(.loadLinkLayer(offset: 0, length: 6, into: r(0)))
        rule.append(.equals(r(0), interface.mac.bytes))
        rule.append(.loadLinkLayer(offset: 6, length: UInt32(OffloadLayout.keyLength), into: r(0)))
        rule.append(.lookup(set: mapName(interface), setID: setID, key: r(0), data: r(4)))
        rule.append(.loadLinkLayer(offset: 18, length: 2, into: r(10)))
        rule.append(.loadLength(into: r(11)))
        rule.append(.member(of: FrameChecks.lengthSet, setID: FrameChecks.lengthSetID, key: r(10)))
        rule.append(.storeLinkLayer(offset: 0, length: UInt32(OffloadLayout.rewriteLength), from: r(4)))
        rule.append(.forward(toDeviceIn: r(4 + OffloadLayout.egressRegisterOffset)))
        return rule
    }

    /// TCP SYNs go to the daemon, which clamps their MSS (nftables' `tcp option` cannot see TCP
    /// inside PPPoE in the netdev family) and forwards them. Matched at fixed offsets from the
    /// PPP protocol field at byte 20, twice: for the two-byte field and for the one-byte field
    /// of Protocol-Field-Compression (RFC 1661), which moves everything after it one byte up.
    /// Every other frame meets the forwarding rule after at most a few byte compares. IPv4 with
    /// header options cannot be matched at a fixed offset, so all of its TCP goes to the daemon
    /// (rare on the Internet); nor can TCP behind IPv6 extension headers, so every IPv6 frame
    /// whose next header is one of them goes there too.
    private static func addSYNDiversionRules(for interface: RelayInterface, to batch: inout NFTBatch) {
        let r = NFTExpression.Register.r32
        let chain = chainName(interface)
        func add(_ build: (borrowing NFTRule) -> Void) {
            let rule = NFTRule(table: tableName, chain: chain)
            build(rule)
            rule.append(.accept())
            batch.add(rule, name: "\(tableName)/\(chain)")
        }
        // field: the protocol field's bytes; ip: where the IP header starts.
        for (field, ip) in [([UInt8(0x00), 0x21], UInt32(22)), ([0x21], 21)] {
            add { rule in
                rule.append(.loadLinkLayer(offset: 20, length: UInt32(field.count) + 1, into: r(0)))
                rule.append(.equals(r(0), field + [0x45]))              // PPP IPv4, version 4, 20-byte header
                rule.append(.loadLinkLayer(offset: ip + 9, length: 1, into: r(0)))
                rule.append(.equals(r(0), [6]))                         // TCP
                rule.append(.loadLinkLayer(offset: ip + 33, length: 1, into: r(0)))
                rule.append(.and(r(0), [0x02]))
                rule.append(.notEquals(r(0), [0]))                      // SYN
            }
            add { rule in
                rule.append(.loadLinkLayer(offset: 20, length: UInt32(field.count), into: r(0)))
                rule.append(.equals(r(0), field))
                rule.append(.loadLinkLayer(offset: ip, length: 1, into: r(0)))
                rule.append(.notEquals(r(0), [0x45]))
                rule.append(.and(r(0), [0xF0]))
                rule.append(.equals(r(0), [0x40]))
                rule.append(.loadLinkLayer(offset: ip + 9, length: 1, into: r(0)))
                rule.append(.equals(r(0), [6]))
            }
        }
        for (field, ip) in [([UInt8(0x00), 0x57], UInt32(22)), ([0x57], 21)] {
            add { rule in
                rule.append(.loadLinkLayer(offset: 20, length: UInt32(field.count), into: r(0)))
                rule.append(.equals(r(0), field))                       // PPP IPv6
                rule.append(.loadLinkLayer(offset: ip + 6, length: 1, into: r(0)))
                rule.append(.equals(r(0), [6]))                         // next header TCP
                rule.append(.loadLinkLayer(offset: ip + 53, length: 1, into: r(0)))
                rule.append(.and(r(0), [0x02]))
                rule.append(.notEquals(r(0), [0]))
            }
            add { rule in
                rule.append(.loadLinkLayer(offset: 20, length: UInt32(field.count), into: r(0)))
                rule.append(.equals(r(0), field))
                rule.append(.loadLinkLayer(offset: ip + 6, length: 1, into: r(0)))
                rule.append(.member(of: FrameChecks.ipv6ExtensionSet, setID: FrameChecks.ipv6ExtensionSetID, key: r(0)))
            }
        }
    }

    /// Installs (or removes) both directions of a session in one transaction.
    public mutating func apply(_ event: SessionEvent) throws(NetlinkError) {
        try apply([event])
    }

    /// Installs and removes the sessions of `events`, in order, in one transaction: a burst of
    /// set-ups costs one round trip to the kernel, not one per session.
    public mutating func apply(_ events: [SessionEvent]) throws(NetlinkError) {
        let interfaces = interfaces
        try socket.commit { batch in Self.addElements(events, interfaces: interfaces, to: &batch) }
    }

    private static func addElements(_ events: [SessionEvent], interfaces: [RelayInterface], to batch: inout NFTBatch) {
        for event in events {
            let (session, adding) = switch event {
            case let .created(session): (session, true)
            case let .ended(session): (session, false)
            }
            let wan = interfaces[0], lan = interfaces[Int(session.lanSlot)]
            let toAC = OffloadLayout.element(from: session.clientMAC, session: session.clientSessionID,
                                             to: session.acMAC, as: wan.mac, session: session.acSessionID, via: wan.index)
            let toClient = OffloadLayout.element(from: session.acMAC, session: session.acSessionID,
                                                 to: session.clientMAC, as: lan.mac, session: session.clientSessionID,
                                                 via: lan.index)
            for (ingress, element) in [(lan, toAC), (wan, toClient)] {
                let map = NFTSet(table: Self.tableName, name: Self.mapName(ingress))
                map.add(key: element.key, data: adding ? element.data : nil)
                let name = "\(Self.tableName)/\(Self.mapName(ingress))"
                if adding { batch.addElements(map, name: name) } else { batch.deleteElements(map, name: name) }
            }
        }
    }

    /// Every element's counter, by the ingress key the relay's session table uses.
    public mutating func forwardedCounts() throws(NetlinkError) -> [SessionKey: ForwardedCount] {
        try Self.readCounts(&socket, interfaces: interfaces, absent: absent, tolerant: false)
    }

    /// `tolerant`: a map that is not there (a previous daemon's table, for other devices) counts nothing.
    private static func readCounts(_ socket: inout NetfilterSocket, interfaces: [RelayInterface], absent: Set<Int>,
                                   tolerant: Bool) throws(NetlinkError) -> [SessionKey: ForwardedCount] {
        var counts: [SessionKey: ForwardedCount] = [:]
        for (slot, interface) in interfaces.enumerated() where !absent.contains(slot) {
            let elements: [(key: [UInt8], packets: UInt64, bytes: UInt64)]
            do throws(NetlinkError) { elements = try socket.elements(table: tableName, set: mapName(interface)) } catch {
                if tolerant { continue }
                throw error
            }
            for element in elements {
                guard let (mac, sessionID) = OffloadLayout.parseKey(element.key) else { continue }
                counts[SessionKey(slot: UInt8(slot), mac: mac, sessionID: sessionID)] =
                    OffloadLayout.frameCount(packets: element.packets, bytes: element.bytes)
            }
        }
        return counts
    }

    /// Deletes our table; the kernel would on socket close too (the table is owned), this says it out loud.
    public mutating func removeAll() throws(NetlinkError) {
        try socket.commit { $0.delete(NFTTable(name: Self.tableName), name: Self.tableName) }
    }

    /// The pid of the relay whose table this network namespace holds, or nil when there is none.
    /// Only one relay can install it: a second one asks this first, to say who is in its way
    /// (the kernel would only say EPERM, the table being another socket's).
    public static func owningRelay() throws(NetlinkError) -> Int32? {
        var socket = try NetfilterSocket()
        guard let table = try socket.tables().first(where: { $0.name == tableName }), table.isOwned else { return nil }
        return pid(fromComment: table.userData) ?? 0
    }

    /// The table's comment, as `nft list tables` shows it: "pppoe-relay pid N". Kept in the
    /// userdata TLV nft uses for comments (type 0, length, NUL-terminated text).
    static func ownerComment(pid: Int32) -> [UInt8] {
        let text = Array("pppoe-relay pid \(pid)".utf8) + [0]
        return [0, UInt8(text.count)] + text
    }

    static func pid(fromComment data: [UInt8]) -> Int32? {
        guard data.count >= 2, data[0] == 0, Int(data[1]) + 2 <= data.count else { return nil }
        let text = String(decoding: data[2..<(2 + Int(data[1]))].prefix { $0 != 0 }, as: UTF8.self)
        guard text.hasPrefix("pppoe-relay pid ") else { return nil }
        return Int32(text.dropFirst("pppoe-relay pid ".count))
    }

    /// Removes a table of ours that no process owns (a previous daemon's, left forwarding by
    /// NFT_TABLE_F_PERSIST), for a daemon that carries the sessions in userspace: nothing may go
    /// on forwarding that the running relay does not know of. True when there was one.
    public static func removeOrphan() throws(NetlinkError) -> Bool {
        var socket = try NetfilterSocket()
        guard try socket.tables().contains(where: { $0.name == tableName && !$0.isOwned }) else { return false }
        try socket.commit { $0.delete(NFTTable(name: tableName), name: tableName) }
        return true
    }

    /// Whether a previous daemon's table is still here, owned by nobody: the kernel went on
    /// forwarding its sessions while no daemon ran, so they may be alive however long that was.
    public static func orphanExists() -> Bool {
        guard var socket = try? NetfilterSocket() else { return false }
        return hasOrphan(&socket)
    }

    /// For `relayctl disable`: removes a table of ours, whoever left it: one a previous daemon
    /// left forwarding on purpose (NFT_TABLE_F_PERSIST, for a restart that never came), or one
    /// a kernel that ignores ownership kept. True when there was one.
    public static func removeLeftovers() throws(NetlinkError) -> Bool {
        var socket = try NetfilterSocket()
        do throws(NetlinkError) {
            try socket.commit { $0.delete(NFTTable(name: tableName), name: tableName) }
            return true
        } catch where error.errno == ENOENT {
            return false
        }
    }
}
