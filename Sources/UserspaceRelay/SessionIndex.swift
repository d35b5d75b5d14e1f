import Libc
import PPPoEWire

/// A fixed-capacity open-addressing hash map from `SessionKey` to a session's slot in the table.
///
/// Linear probing with backward-shift deletion: no tombstones, so lookups stay short however
/// much the table churns. Storage is allocated once; nothing here allocates afterwards.
///
/// The storage comes from calloc, and an all-zero entry is an empty one: a large table is
/// fresh zero pages that cost no memory until keys land in them, so a relay allowed 20,000
/// sessions but carrying one does not hold 2 MiB of empty entries.
struct SessionIndex: ~Copyable {
    private struct Entry {
        var packed: UInt64
        var slot: UInt8
        var used: Bool
        var value: Int32
    }

    private let entries: UnsafeMutablePointer<Entry>
    private let mask: Int
    private let shift: UInt64

    /// Room for `capacity` keys at a load factor of at most one half.
    init(capacity: Int) {
        var size = 16
        var bits: UInt64 = 4
        while size < capacity * 2 { size <<= 1; bits += 1 }
        guard let zeroed = calloc(size, MemoryLayout<Entry>.stride) else { fatalError("out of memory for \(size) index entries") }
        entries = zeroed.assumingMemoryBound(to: Entry.self)
        mask = size - 1
        shift = 64 - bits
    }

    deinit { free(entries) }

    @inline(__always)
    private func home(_ key: SessionKey) -> Int { Int(truncatingIfNeeded: key.hash >> shift) }

    @inline(__always)
    func find(_ key: SessionKey) -> Int32? {
        var i = home(key)
        while entries[i].used {
            if entries[i].packed == key.packed && entries[i].slot == key.slot { return entries[i].value }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Inserts or overwrites. The caller keeps the count below capacity.
    mutating func insert(_ key: SessionKey, value: Int32) {
        var i = home(key)
        while entries[i].used {
            if entries[i].packed == key.packed && entries[i].slot == key.slot { break }
            i = (i + 1) & mask
        }
        entries[i] = Entry(packed: key.packed, slot: key.slot, used: true, value: value)
    }

    mutating func remove(_ key: SessionKey) {
        var i = home(key)
        while entries[i].used {
            if entries[i].packed == key.packed && entries[i].slot == key.slot { break }
            i = (i + 1) & mask
        }
        guard entries[i].used else { return }
        // Backward shift: pull later members of the probe run into the hole when their home
        // position allows it, so no entry ever becomes unreachable.
        var hole = i
        var j = (i + 1) & mask
        while entries[j].used {
            let wanted = home(SessionKey(packed: entries[j].packed, slot: entries[j].slot))
            let distanceToHole = (j - hole) & mask
            let distanceToHome = (j - wanted) & mask
            if distanceToHome >= distanceToHole {
                entries[hole] = entries[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        entries[hole].used = false
    }
}

extension SessionKey {
    init(packed: UInt64, slot: UInt8) {
        self.init(slot: slot, mac: .init(value: packed >> 16), sessionID: UInt16(truncatingIfNeeded: packed))
    }
}
