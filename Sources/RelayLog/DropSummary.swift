
/// Dropped and refused frames, logged as summaries of counter deltas: a flood of a million
/// frames is a line a minute per kind, never a line per frame. A counter that starts moving
/// after a quiet spell is reported at once; after that, at most once per `interval` seconds.
/// Every line says over how many seconds its count accrued.
public struct DropSummary {
    public struct Line: Equatable, Sendable {
        public var level: Logger.Level
        public var text: String
    }

    public let interval: Int64
    /// Counters seen in every run (other PPPoE users on the WAN, promiscuous devices) are
    /// summarised only with `--verbose`.
    public let includesRoutine: Bool

    private struct Progress {
        var value: UInt64
        var since: Int64
        var lastLine: Int64?
    }

    private var progress: [String: Progress] = [:]

    public init(interval: Int64 = 60, includesRoutine: Bool = false) {
        self.interval = interval
        self.includesRoutine = includesRoutine
    }

    /// The lines due now for `counters` (name and running value, as `RelayCounters.fields`
    /// gives them). With `flush` (the relay stops), every count not yet reported is.
    public mutating func lines(_ counters: [(name: String, value: UInt64)], now: Int64, flush: Bool = false) -> [Line] {
        var out: [Line] = []
        for (name, value) in counters {
            guard let kind = Self.kinds[name], includesRoutine || !kind.routine else { continue }
            guard var state = progress[name] else {
                // The first reading: counts from before the relay started are not its own.
                progress[name] = Progress(value: value, since: now, lastLine: nil)
                continue
            }
            if value < state.value { state.value = 0 }
            let delta = value - state.value
            if delta == 0 {
                state.since = now
            } else if flush || state.lastLine.map({ now - $0 >= interval }) ?? true {
                let seconds = max(1, now - state.since)
                out.append(Line(level: kind.level, text: "\(kind.verb) \(Self.grouped(delta)) \(kind.what) "
                                    + "in the last \(seconds) s (\(name))"))
                state = Progress(value: value, since: now, lastLine: now)
            }
            progress[name] = state
        }
        return out
    }

    /// 41203 as "41,203".
    static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var text = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return text
    }

    private struct Kind {
        var verb = "dropped"
        var what: String
        var level: Logger.Level = .notice
        var routine = false
    }

    /// What each counter of `RelayCounters` that counts trouble means, in words.
    private static let kinds: [String: Kind] = [
        "dropped_malformed": Kind(what: "malformed frames"),
        "dropped_not_for_us": Kind(what: "frames for other hosts", routine: true),
        "dropped_vlan_tagged": Kind(what: "VLAN-tagged frames"),
        "dropped_unknown_session": Kind(what: "session frames of no relayed session", routine: true),
        "dropped_discovery_not_ours": Kind(what: "discovery answers for no client of ours", routine: true),
        "dropped_wrong_direction": Kind(what: "discovery frames from the wrong side"),
        "dropped_unmatched_padt": Kind(what: "PADTs matching no session"),
        "dropped_without_offer": Kind(what: "PADRs without an offer"),
        "refused_table_full": Kind(verb: "refused", what: "sessions because the table is full", level: .warning),
        "dropped_no_room_for_relay_tag": Kind(what: "requests without room for the Relay-Session-Id"),
        "dropped_bad_source": Kind(what: "discovery frames from a group or zero MAC"),
        "dropped_padi_rate_client": Kind(what: "PADIs over the per-client rate limit"),
        "dropped_padi_rate_overall": Kind(what: "PADIs over the overall rate limit"),
        "kernel_policed_padi_client": Kind(what: "PADIs in the kernel over the per-client rate limit"),
        "kernel_policed_padi_overall": Kind(what: "PADIs in the kernel over the overall rate limit"),
        "dropped_unsolicited_answer": Kind(what: "unsolicited PADOs/PADSs"),
        "dropped_ambiguous_answer": Kind(what: "ambiguous untagged answers"),
        "dropped_offer_limit": Kind(what: "offers over the per-client limit"),
        "dropped_ac_policy": Kind(what: "offers from ACs or services not allowed"),
        "refused_client_limit": Kind(verb: "refused", what: "sessions over the per-client limit", level: .warning),
        "dropped_send_failed": Kind(what: "frames the kernel would not send", level: .warning),
        "dropped_receive_overflow": Kind(what: "frames the kernel dropped before the relay read them", level: .warning),
        // Not `RelayCounters`: the daemon's own, about its log.
        "session_records_lost": Kind(verb: "lost", what: "session log lines (their queue was full)", level: .warning),
        "discovery_notes_withheld": Kind(verb: "withheld", what: "discovery decisions over the log's rate"),
        "offload_install_failed": Kind(verb: "kernel refused", what: "session installs (userspace carries them)",
                                       level: .warning),
    ]
}
