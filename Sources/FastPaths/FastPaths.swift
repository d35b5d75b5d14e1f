#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Libc
import PlainText

/// Switching the known fast paths off while the relay runs, and back to exactly what was found.
///
/// What was found and is about to be changed is written atomically to the state file before the
/// first change, so `restore` works after a crash or a reboot too. An accelerator that was off
/// is never recorded, so it stays off. A switch-off that fails undoes what the same call changed.
public enum FastPaths {
    public static let stateFile = "/etc/pppoe-relay/fastpath-state.json"

    static let known: [any Accelerator] = [
        InitScriptService(name: "soft_fast_path", script: "/etc/init.d/soft_fast_path"),
        InitScriptService(name: "shortcut-fe", script: "/etc/init.d/shortcut-fe"),
        StopKnobs(name: "fast-classifier", knobs: ["/sys/fast_classifier/stop"]),
        StopKnobs(name: "qca-nss-ecm", knobs: ["/sys/kernel/debug/ecm/front_end_ipv4_stop",
                                                "/sys/kernel/debug/ecm/front_end_ipv6_stop"]),
        MediaTekHNAT(),
        Firewall4FlowOffloading(),
        NFTablesFlowtables(),
    ]

    /// One line of `relayctl fastpath status`.
    public struct Report: Codable, Sendable, Equatable {
        public var name: String
        public var present: Bool
        public var on: Bool?
        public var note: String?
        /// Switched off by the relay, to be restored by `disable`.
        public var switchedOffByRelay: Bool

        enum CodingKeys: String, CodingKey {
            case name, present, on, note
            case switchedOffByRelay = "switched_off_by_relay"
        }
    }

    struct SavedState: Codable {
        struct Record: Codable {
            var name: String
            var found: Probe
        }
        var records: [Record]
    }

    public static func status(_ system: SystemAccess) -> [Report] {
        let saved = Set((load(system)?.records ?? []).map { $0.name })
        return known.map { accelerator in
            let probe = accelerator.probe(system)
            return Report(name: accelerator.name, present: probe != nil, on: probe?.on, note: probe?.note,
                          switchedOffByRelay: saved.contains(accelerator.name))
        }
    }

    /// Switches off every accelerator found on; returns their names. One already recorded (the
    /// relay switched it off before) but on again, as after a reboot, is switched off again and
    /// keeps its first record, so `restore` still puts back what was there before the relay.
    @discardableResult
    public static func switchOff(_ system: SystemAccess) throws(FastPathError) -> [String] {
        var saved = load(system) ?? SavedState(records: [])
        let recorded = Set(saved.records.map { $0.name })
        let plan: [(accelerator: any Accelerator, found: Probe)] = known.compactMap { accelerator in
            guard let found = accelerator.probe(system), found.on else { return nil }
            return (accelerator, found)
        }
        guard !plan.isEmpty else { return [] }
        let before = saved
        saved.records += plan.filter { !recorded.contains($0.accelerator.name) }
            .map { SavedState.Record(name: $0.accelerator.name, found: $0.found) }
        try save(saved, system)

        var done: [(accelerator: any Accelerator, found: Probe)] = []
        for step in plan {
            do throws(FastPathError) {
                try step.accelerator.switchOff(system)
                done.append(step)
            } catch {
                for undone in done.reversed() { try? undone.accelerator.restore(system, to: undone.found) }
                if before.records.isEmpty { remove(system) } else { try? save(before, system) }
                throw FastPathError("cannot switch off \(step.accelerator.name): \(error); nothing was changed")
            }
        }
        return plan.map { $0.accelerator.name }
    }

    /// Restores what `switchOff` recorded, in reverse order; returns the names restored.
    @discardableResult
    public static func restore(_ system: SystemAccess) throws(FastPathError) -> [String] {
        guard let saved = load(system) else { return [] }
        var restored: [String] = []
        var failed: [SavedState.Record] = []
        var reasons: [String] = []
        for record in saved.records.reversed() {
            guard let accelerator = known.first(where: { $0.name == record.name }) else { continue }
            do throws(FastPathError) {
                try accelerator.restore(system, to: record.found)
                restored.append(record.name)
            } catch {
                failed.insert(record, at: 0)
                reasons.append("\(record.name): \(error)")
            }
        }
        if failed.isEmpty {
            remove(system)
            return restored
        }
        try save(SavedState(records: failed), system)
        throw FastPathError("cannot restore " + reasons.joined(separator: "; "))
    }

    // MARK: the state file

    static func load(_ system: SystemAccess) -> SavedState? {
        guard let bytes = fileContents(atPath: system.path(stateFile)) else { return nil }
        return try? JSONDecoder().decode(SavedState.self, from: Data(bytes))
    }

    static func save(_ state: SavedState, _ system: SystemAccess) throws(FastPathError) {
        let path = system.path(stateFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let bytes = try? Array(encoder.encode(state)) else { throw FastPathError("cannot encode \(stateFile)") }
        do throws(FileError) {
            try createDirectories(parentDirectory(of: path))
            try writeFileAtomically(path, bytes)
        } catch {
            throw FastPathError("cannot save \(stateFile): \(error.text)")
        }
    }

    static func remove(_ system: SystemAccess) {
        try? removeFile(atPath: system.path(stateFile))
    }
}
