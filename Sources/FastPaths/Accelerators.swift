import PlainText
/// A fast path behind an OpenWrt init script (Xiaomi/MediaTek `soft_fast_path`, Qualcomm
/// shortcut-fe): `running` tells its state (procd's convention), `stop` and `start` change it.
final class InitScriptService: Accelerator {
    let name: String
    let script: String

    init(name: String, script: String) {
        self.name = name
        self.script = script
    }

    func probe(_ system: SystemAccess) -> Probe? {
        guard system.isExecutable(script) else { return nil }
        return Probe(on: system.run(script, ["running"]).status == 0)
    }

    func switchOff(_ system: SystemAccess) throws(FastPathError) { try system.runChecked(script, ["stop"]) }

    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError) {
        if found.on { try system.runChecked(script, ["start"]) }
    }
}

/// A fast path with sysfs/debugfs "stop" knobs, "0" while it runs and "1" once stopped
/// (fast-classifier's /sys/fast_classifier/stop, ECM's front_end_ipv4_stop and _ipv6_stop).
final class StopKnobs: Accelerator {
    let name: String
    let knobs: [String]

    init(name: String, knobs: [String]) {
        self.name = name
        self.knobs = knobs
    }

    func probe(_ system: SystemAccess) -> Probe? {
        guard let first = knobs.first, system.exists(first) else { return nil }
        var values: [String: String] = [:]
        for knob in knobs where system.exists(knob) {
            values[knob] = (system.read(knob) ?? "").trimmingWhitespace
        }
        return Probe(on: values.values.contains("0"), values: values)
    }

    func switchOff(_ system: SystemAccess) throws(FastPathError) {
        for knob in knobs where system.exists(knob) { try system.writeKnob(knob, "1") }
    }

    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError) {
        for knob in knobs { if let value = found.values[knob] { try system.writeKnob(knob, value) } }
    }
}

/// MediaTek HNAT's /sys/kernel/debug/hnat/hook_toggle. It takes exactly one byte, "0" or "1".
/// Reading it makes the driver print its state to the kernel log, not to the reader, so where
/// the file reads back empty the hook is taken to be on (the driver's default).
final class MediaTekHNAT: Accelerator {
    let name = "mediatek-hnat"
    let knob = "/sys/kernel/debug/hnat/hook_toggle"

    func probe(_ system: SystemAccess) -> Probe? {
        guard system.exists(knob) else { return nil }
        let text = (system.read(knob) ?? "").trimmingWhitespace
        if text == "0" || text.contains(substring: "value=0") || text.contains(substring: "disabled") { return Probe(on: false) }
        if text == "1" || text.contains(substring: "value=1") || text.contains(substring: "enabled") { return Probe(on: true) }
        return Probe(on: true, note: "assumed on: the driver reports its state only to the kernel log")
    }

    func switchOff(_ system: SystemAccess) throws(FastPathError) { try system.writeKnob(knob, "0") }

    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError) {
        if found.on { try system.writeKnob(knob, "1") }
    }
}

/// OpenWrt firewall4's flow offloading (software and hardware), set in UCI and applied by
/// reloading fw4. Both options are saved as found (unset stays unset).
final class Firewall4FlowOffloading: Accelerator {
    let name = "firewall4-flow-offloading"
    let uci = "/sbin/uci"
    let options = ["flow_offloading", "flow_offloading_hw"]

    private func key(_ option: String) -> String { "firewall.@defaults[0].\(option)" }

    func probe(_ system: SystemAccess) -> Probe? {
        guard system.isExecutable(uci), system.isExecutable("/sbin/fw4") || system.isExecutable("/etc/init.d/firewall")
        else { return nil }
        var values: [String: String] = [:]
        for option in options {
            let result = system.run(uci, ["-q", "get", key(option)])
            values[option] = result.status == 0 ? result.output.trimmingWhitespace : ""
        }
        return Probe(on: values.values.contains("1"), values: values)
    }

    func switchOff(_ system: SystemAccess) throws(FastPathError) {
        guard let found = probe(system) else { return }
        for option in options where found.values[option] == "1" {
            try system.runChecked(uci, ["set", "\(key(option))=0"])
        }
        try commitAndReload(system)
    }

    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError) {
        for option in options {
            guard let value = found.values[option] else { continue }
            if value.isEmpty {
                _ = system.run(uci, ["-q", "delete", key(option)])
            } else {
                try system.runChecked(uci, ["set", "\(key(option))=\(value)"])
            }
        }
        try commitAndReload(system)
    }

    private func commitAndReload(_ system: SystemAccess) throws(FastPathError) {
        try system.runChecked(uci, ["commit", "firewall"])
        if system.isExecutable("/sbin/fw4") {
            try system.runChecked("/sbin/fw4", ["reload"])
        } else {
            try system.runChecked("/etc/init.d/firewall", ["reload"])
        }
    }
}
