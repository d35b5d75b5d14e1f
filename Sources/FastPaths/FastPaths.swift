import JSON
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
    public struct Report: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
        public var name: String
        public var present: Bool
        public var on: Bool?
        public var note: String?
        /// Switched off by the relay, to be restored by `disable`.
        public var switchedOffByRelay: Bool

        init(name: String, present: Bool, on: Bool?, note: String?, switchedOffByRelay: Bool) {
            self.name = name
            self.present = present
            self.on = on
            self.note = note
            self.switchedOffByRelay = switchedOffByRelay
        }

        public init(from object: JSONObjectReader) throws(JSONError) {
            name = try object.read("name")
            present = try object.read("present")
            on = try object.readIfPresent("on")
            note = try object.readIfPresent("note")
            switchedOffByRelay = try object.read("switched_off_by_relay")
        }

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("name", name)
            try object.write("present", present)
            try object.writeIfPresent("on", on)
            try object.writeIfPresent("note", note)
            try object.write("switched_off_by_relay", switchedOffByRelay)
        }
    }

    /// `relayctl fastpath status --json`: the fast paths in one document, versioned like every
    /// other (`schemaVersion` is ControlProtocol's `JSONSchema.version`).
    public struct StatusDocument: JSONObjectEncodable, Sendable {
        public var schemaVersion: Int
        public var fastPaths: [Report]

        public init(schemaVersion: Int, fastPaths: [Report]) {
            self.schemaVersion = schemaVersion
            self.fastPaths = fastPaths
        }

        public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("schema_version", schemaVersion)
            try object.write("fast_paths", fastPaths)
        }
    }

    /// The state file: what was found before the relay switched it off.
    struct SavedState: JSONObjectEncodable, JSONObjectDecodable {
        struct Record: JSONObjectEncodable, JSONObjectDecodable {
            var name: String
            var found: Probe

            init(name: String, found: Probe) {
                self.name = name
                self.found = found
            }

            init(from object: JSONObjectReader) throws(JSONError) {
                name = try object.read("name")
                found = try object.read("found")
            }

            func encode(to object: inout JSONObjectWriter) throws(JSONError) {
                try object.write("name", name)
                try object.write("found", found)
            }
        }
        var records: [Record]

        init(records: [Record]) { self.records = records }

        init(from object: JSONObjectReader) throws(JSONError) {
            records = try object.read("records")
        }

        func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("records", records)
        }
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
        return try? JSON.decode(SavedState.self, from: bytes)
    }

    static func save(_ state: SavedState, _ system: SystemAccess) throws(FastPathError) {
        let path = system.path(stateFile)
        guard let bytes = try? JSON.encode(state, format: .document) else { throw FastPathError("cannot encode \(stateFile)") }
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
