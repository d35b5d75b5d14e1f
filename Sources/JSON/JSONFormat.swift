/// How the writer lays a document out. The three choices are Foundation's
/// `JSONEncoder.OutputFormatting` options, and the output matches its byte for byte, so that
/// documents read by scripts, diffed by people or compared by `relayctl enable` did not change
/// when this module replaced it.
public struct JSONFormat: Sendable, Equatable {
    /// Members in the order of their keys' UTF-8 bytes (Foundation's `.sortedKeys`).
    public var sortedKeys: Bool
    /// One value per line, two spaces per level, `"key" : value` (Foundation's `.prettyPrinted`).
    public var prettyPrinted: Bool
    /// `/` written as `\/` unless false (Foundation's `.withoutEscapingSlashes`).
    public var escapesSlashes: Bool

    public init(sortedKeys: Bool = false, prettyPrinted: Bool = false, escapesSlashes: Bool = true) {
        self.sortedKeys = sortedKeys
        self.prettyPrinted = prettyPrinted
        self.escapesSlashes = escapesSlashes
    }

    /// relayctl's documents: the control socket's replies, `--json`, saved files.
    public static let document = JSONFormat(sortedKeys: true, prettyPrinted: true)
    /// One line per document, keys sorted (`relayctl monitor --json`).
    public static let line = JSONFormat(sortedKeys: true)
}
