/// Prometheus' text exposition format, version 0.0.4: what node_exporter's textfile collector
/// reads. A metric family is `# HELP`, `# TYPE`, then its samples, each `name{labels} value`.
///
/// Label values are escaped as the format says (backslash, double quote, line feed), so an
/// interface name or anything else from outside cannot end a value early or forge a line.
/// Names are held to the format's alphabet. Written by hand: the format is small, and
/// swift-prometheus would bring a metrics registry a one-shot command does not need.
public struct PrometheusText: Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge
    }

    private var lines: [String] = []
    private var declared: Set<String> = []

    public init() {}

    /// Declares a family once (again is a no-op): its help text and type.
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        let name = Self.metricName(name)
        guard declared.insert(name).inserted else { return }
        lines.append("# HELP \(name) \(Self.escapedHelp(help))")
        lines.append("# TYPE \(name) \(kind.rawValue)")
    }

    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], value: UInt64) {
        append(name, labels.map { ($0.key, $0.value) }, String(value))
    }

    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], value: Int64) {
        append(name, labels.map { ($0.key, $0.value) }, String(value))
    }

    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], value: Bool) {
        append(name, labels.map { ($0.key, $0.value) }, value ? "1" : "0")
    }

    private mutating func append(_ name: String, _ labels: [(String, String)], _ value: String) {
        let labelText = labels.isEmpty ? ""
            : "{" + labels.map { "\(Self.metricName($0.0))=\"\(Self.escapedLabelValue($0.1))\"" }.joined(separator: ",") + "}"
        lines.append("\(Self.metricName(name))\(labelText) \(value)")
    }

    /// The exposition, ending in a line feed as the format requires.
    public var text: String { lines.map { $0 + "\n" }.joined() }

    /// `\` → `\\`, `"` → `\"`, line feed → `\n`; everything else as it is (the format is UTF-8).
    public static func escapedLabelValue(_ value: String) -> String { escaped(value, quote: true) }

    /// Help text escapes only `\` and line feed.
    public static func escapedHelp(_ help: String) -> String { escaped(help, quote: false) }

    private static func escaped(_ text: String, quote: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`: any other character becomes `_`, and a leading digit gets one
    /// in front. (Our names already fit; counter names come from the daemon's reply.)
    public static func metricName(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            let fits = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || scalar == "_" || scalar == ":")
            out.unicodeScalars.append(fits ? scalar : "_")
        }
        if let first = out.unicodeScalars.first, ("0"..."9").contains(first) || out.isEmpty { out = "_" + out }
        return out.isEmpty ? "_" : out
    }
}
