import Netlink
import PPPoEWire
import UserspaceRelay

/// PADI rate limits at the ingress of every LAN device, so that a flood never reaches the
/// daemon's socket: per source MAC (a token bucket per MAC in a dynamic set, the same rate
/// and burst as the daemon's own limiter) and for all sources of the device together. What
/// they drop is counted in a small set whose elements carry counters, read once a second.
///
/// A frame these rules pass still meets the daemon's limiter, which holds the overall rate
/// across all LANs together.
extension KernelDataplane {
    static let padiSourcesSet = "padi_sources"
    static let padiPolicedSet = "padi_policed"
    /// Set ids within one transaction; session maps use 1...255.
    static let padiSourcesSetID: UInt32 = 1000
    static let padiPolicedSetID: UInt32 = 1001
    /// The source table's size: made-up MACs beyond it are held by the overall limit alone.
    static let padiSourcesSize: UInt32 = 65_535

    enum PolicingReason: UInt8 { case perClient = 1, overall = 2 }

    /// `padi_policed` keys: device slot, reason, and padding to a 32-bit register.
    static func policedKey(slot: Int, _ reason: PolicingReason) -> [UInt8] {
        [UInt8(truncatingIfNeeded: slot), reason.rawValue, 0, 0]
    }

    static func policesPADI(_ policy: DiscoveryPolicy) -> Bool {
        policy.padiPerClientPerMinute > 0 || policy.padiPerSecond > 0
    }

    /// The source table and the counting set, with a counter for every LAN device and reason.
    static func addPADIPolicingSets(interfaces: [RelayInterface], absent: Set<Int>, policy: DiscoveryPolicy,
                                    to batch: inout NFTBatch) {
        guard policesPADI(policy) else { return }
        if policy.padiPerClientPerMinute > 0 {
            // A source is forgotten only once its bucket would be full again: forgetting earlier
            // would hand a flooding MAC a fresh burst.
            let refillSeconds = (policy.padiPerClientBurst * 60 + policy.padiPerClientPerMinute - 1) / policy.padiPerClientPerMinute
            let sources = NFTSet(table: tableName, name: padiSourcesSet, dynamicKeyLength: UInt32(MACAddress.length),
                                 size: padiSourcesSize, timeoutMilliseconds: UInt64(max(refillSeconds, 60)) * 1000,
                                 id: padiSourcesSetID)
            batch.add(sources, name: "\(tableName)/\(padiSourcesSet)")
        }
        let policed = NFTSet(table: tableName, name: padiPolicedSet, countedKeyLength: 4, id: padiPolicedSetID)
        batch.add(policed, name: "\(tableName)/\(padiPolicedSet)")
        // libnftnl drops a message larger than its page without a word: a few LANs per message.
        let lans = interfaces.indices.dropFirst().filter { !absent.contains($0) }
        for start in stride(from: 0, to: lans.count, by: 32) {
            let elements = NFTSet(table: tableName, name: padiPolicedSet)
            for slot in lans[start..<min(start + 32, lans.count)] {
                elements.add(key: policedKey(slot: slot, .perClient))
                elements.add(key: policedKey(slot: slot, .overall))
            }
            batch.addElements(elements, name: "\(tableName)/\(padiPolicedSet)")
        }
    }

    /// Two rules at the head of a LAN device's chain: PADIs over their source's rate, then over
    /// the device's overall rate, are counted and dropped.
    static func addPADIPolicingRules(for interface: RelayInterface, slot: Int, policy: DiscoveryPolicy,
                                     to batch: inout NFTBatch) {
        guard interface.role == .lan, policesPADI(policy) else { return }
        let r = NFTExpression.Register.r32
        let chain = chainName(interface)
        func matchPADI(_ rule: borrowing NFTRule) {
            rule.append(.loadLinkLayer(offset: 12, length: 2, into: r(0)))
            rule.append(.equals(r(0), [0x88, 0x63]))
            // Version/type and code: what the daemon's own limiter looks at, so a malformed frame
            // is counted as malformed by the daemon on both dataplanes.
            rule.append(.loadLinkLayer(offset: UInt32(PPPoEHeader.ethernetHeaderLength), length: 2, into: r(0)))
            rule.append(.equals(r(0), [PPPoEHeader.versionType, DiscoveryCode.padi.rawValue]))
        }
        func countAndDrop(_ rule: borrowing NFTRule, _ reason: PolicingReason) {
            rule.append(.immediate(policedKey(slot: slot, reason), into: r(0)))
            rule.append(.member(of: padiPolicedSet, setID: padiPolicedSetID, key: r(0)))
            rule.append(.drop())
        }
        if policy.padiPerClientPerMinute > 0 {
            let rule = NFTRule(table: tableName, chain: chain)
            matchPADI(rule)
            rule.append(.loadLinkLayer(offset: 6, length: UInt32(MACAddress.length), into: r(0)))
            rule.append(.update(set: padiSourcesSet, setID: padiSourcesSetID, key: r(0),
                                with: .limit(packets: UInt64(policy.padiPerClientPerMinute), perSeconds: 60,
                                             burst: UInt32(policy.padiPerClientBurst), over: true)))
            countAndDrop(rule, .perClient)
            batch.add(rule, name: "\(tableName)/\(chain)")
        }
        if policy.padiPerSecond > 0 {
            let rule = NFTRule(table: tableName, chain: chain)
            matchPADI(rule)
            rule.append(.limit(packets: UInt64(policy.padiPerSecond), perSeconds: 1,
                               burst: UInt32(policy.padiPerSecond), over: true))
            countAndDrop(rule, .overall)
            batch.add(rule, name: "\(tableName)/\(chain)")
        }
    }

    /// PADIs dropped at ingress so far, per source and overall, over every LAN device.
    public mutating func policedPADICounts() throws(NetlinkError) -> (perClient: UInt64, overall: UInt64) {
        guard Self.policesPADI(policy) else { return (0, 0) }
        var counts: (perClient: UInt64, overall: UInt64) = (0, 0)
        for element in try socket.elements(table: Self.tableName, set: Self.padiPolicedSet) where element.key.count == 4 {
            switch PolicingReason(rawValue: element.key[1]) {
            case .perClient: counts.perClient += element.packets
            case .overall: counts.overall += element.packets
            case nil: break
            }
        }
        return counts
    }
}
