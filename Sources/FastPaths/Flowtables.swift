import JSON
import Libc
import Netlink

/// Where flowtables are read and changed: the kernel over netlink, or a fake in tests (class-bound,
/// so that Embedded Swift can hold it as `any FlowtableControl`).
public protocol FlowtableControl: AnyObject, Sendable {
    func list() throws(FastPathError) -> [NFTFlowtable]
    func remove(_ devices: [String], from flowtable: NFTFlowtable) throws(FastPathError)
    func add(_ devices: [String], to flowtable: NFTFlowtable) throws(FastPathError)
}

/// The running kernel's flowtables, through libnftnl.
public final class KernelFlowtables: FlowtableControl {
    public init() {}

    public func list() throws(FastPathError) -> [NFTFlowtable] {
        do {
            var socket = try NetfilterSocket()
            return try socket.flowtables()
        } catch { throw FastPathError("\(error)") }
    }

    public func remove(_ devices: [String], from flowtable: NFTFlowtable) throws(FastPathError) {
        try commit { $0.removeDevices(devices, from: flowtable) }
    }

    public func add(_ devices: [String], to flowtable: NFTFlowtable) throws(FastPathError) {
        try commit { $0.addDevices(devices, to: flowtable) }
    }

    private func commit(_ build: (inout NFTBatch) -> Void) throws(FastPathError) {
        do {
            var socket = try NetfilterSocket()
            try socket.commit(build)
        } catch { throw FastPathError("\(error)") }
    }
}

/// nftables flowtables that cover a relay device: their ingress hook short-cuts offloaded flows
/// (PPPoE-encapsulated ones included) past the relay. Only the relay's devices are taken out of
/// them, and exactly those are put back.
final class NFTablesFlowtables: Accelerator {
    let name = "nftables-flowtables"

    private struct Change: JSONObjectEncodable, JSONObjectDecodable {
        var flowtable: NFTFlowtable
        var removed: [String]

        init(flowtable: NFTFlowtable, removed: [String]) {
            self.flowtable = flowtable
            self.removed = removed
        }

        init(from object: JSONObjectReader) throws(JSONError) {
            flowtable = try object.read("flowtable")
            removed = try object.read("removed")
        }

        func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("flowtable", flowtable)
            try object.write("removed", removed)
        }
    }

    private func covering(_ system: SystemAccess) -> [Change]? {
        guard !system.relayDevices.isEmpty, let tables = try? system.flowtables.list(), !tables.isEmpty else { return nil }
        return tables.compactMap { table in
            let removed = table.devices.filter(system.relayDevices.contains)
            return removed.isEmpty ? nil : Change(flowtable: table, removed: removed)
        }
    }

    func probe(_ system: SystemAccess) -> Probe? {
        guard let changes = covering(system) else { return nil }
        // One line, keys sorted (older relays wrote them in any order: reading does not mind).
        let encoded = (try? JSON.encode(changes, format: .line)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return Probe(on: !changes.isEmpty, values: ["flowtables": encoded])
    }

    func switchOff(_ system: SystemAccess) throws(FastPathError) {
        for change in covering(system) ?? [] {
            try system.flowtables.remove(change.removed, from: change.flowtable)
        }
    }

    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError) {
        guard let text = found.values["flowtables"],
              let changes = try? JSON.decode([Change].self, from: Array(text.utf8)) else { return }
        for change in changes {
            try system.flowtables.add(change.removed, to: change.flowtable)
        }
    }
}
