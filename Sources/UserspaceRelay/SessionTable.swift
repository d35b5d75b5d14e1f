import PPPoEWire

/// Every live session, reachable in O(1) from either side.
///
/// Sessions sit in one preallocated array; a free list hands out slots; two indexes map the
/// client-side key and the AC-side key to the slot. Nothing allocates after `init`, except
/// the label strings stored at session set-up (discovery time, never per packet).
public struct SessionTable: ~Copyable {
    /// The interface slot of the WAN; LANs are 1...
    public static let wanSlot: UInt8 = 0

    public let capacity: Int
    public private(set) var count = 0
    /// Grows with every insert and remove: the daemon writes its journal when this moved.
    public private(set) var generation: UInt64 = 0

    private let sessions: UnsafeMutablePointer<Session>
    private let live: UnsafeMutablePointer<Bool>
    /// By slot, filled at set-up: an array of `capacity` empty labels would be written in full
    /// at start-up (800 KiB for 20,000 sessions) while a router carries a handful.
    private var labels: [Int32: SessionLabels] = [:]
    private let freeSlots: UnsafeMutablePointer<Int32>
    private var freeCount: Int
    private var byClient: SessionIndex
    private var byAC: SessionIndex

    public init(capacity: Int) {
        precondition(capacity > 0, "a session table needs room for one session")
        self.capacity = capacity
        sessions = .allocate(capacity: capacity)
        live = .allocate(capacity: capacity)
        live.initialize(repeating: false, count: capacity)
        freeSlots = .allocate(capacity: capacity)
        // Hand out low slots first: it keeps a small table's working set small.
        for i in 0..<capacity { freeSlots[i] = Int32(capacity - 1 - i) }
        freeCount = capacity
        byClient = SessionIndex(capacity: capacity)
        byAC = SessionIndex(capacity: capacity)
    }

    deinit {
        sessions.deallocate()
        live.deallocate()
        freeSlots.deallocate()
    }

    public var isFull: Bool { freeCount == 0 }

    @inline(__always)
    public func find(client key: SessionKey) -> Int32? { byClient.find(key) }

    @inline(__always)
    public func find(ac key: SessionKey) -> Int32? { byAC.find(key) }

    /// Direct access for the forwarding loop: counters are updated through this pointer.
    @inline(__always)
    public func session(at slot: Int32) -> UnsafeMutablePointer<Session> { sessions + Int(slot) }

    public func labels(at slot: Int32) -> SessionLabels { labels[slot] ?? SessionLabels() }

    /// Adds a session; nil when the table is full or either key is already taken.
    public mutating func insert(_ session: Session, labels sessionLabels: SessionLabels) -> Int32? {
        guard freeCount > 0, find(client: session.clientKey) == nil, find(ac: session.acKey) == nil else { return nil }
        freeCount -= 1
        let slot = freeSlots[freeCount]
        (sessions + Int(slot)).initialize(to: session)
        live[Int(slot)] = true
        labels[slot] = sessionLabels
        byClient.insert(session.clientKey, value: slot)
        byAC.insert(session.acKey, value: slot)
        count += 1
        generation &+= 1
        return slot
    }

    /// Removes a session and returns what it was; nil for a slot that is not live.
    @discardableResult
    public mutating func remove(at slot: Int32) -> Session? {
        guard slot >= 0, Int(slot) < capacity, live[Int(slot)] else { return nil }
        let session = sessions[Int(slot)]
        byClient.remove(session.clientKey)
        byAC.remove(session.acKey)
        live[Int(slot)] = false
        labels[slot] = nil
        freeSlots[freeCount] = slot
        freeCount += 1
        count -= 1
        generation &+= 1
        return session
    }

    /// Whether `slot` holds a session now (a report taken in slices checks before each).
    public func isLive(_ slot: Int32) -> Bool { slot >= 0 && Int(slot) < capacity && live[Int(slot)] }

    /// The slots of live sessions, for housekeeping and reports (not for the per-packet path).
    public var liveSlots: [Int32] {
        (0..<capacity).compactMap { live[$0] ? Int32($0) : nil }
    }

    /// A client-side session id for a new session: the AC's own id where that key is free,
    /// otherwise the next free one, skipping 0 and 0xFFFF (reserved by RFC 2516).
    public func clientSessionID(lanSlot: UInt8, clientMAC: MACAddress, preferred: UInt16) -> UInt16? {
        var candidate = preferred
        for _ in 0..<0xFFFF {
            if candidate != 0 && candidate != 0xFFFF
                && find(client: SessionKey(slot: lanSlot, mac: clientMAC, sessionID: candidate)) == nil {
                return candidate
            }
            candidate &+= 1
        }
        return nil
    }
}
