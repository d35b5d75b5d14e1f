/// Why a document could not be read or written: one line, naming where.
///
/// The module's one error type (typed throws everywhere): a reader's caller can tell a
/// missing key from a malformed document without string matching, and people get a reason
/// they can act on, such as `missing "lan_interfaces"` or `policy.padi_per_second: expected
/// an integer, found a string`.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not JSON at all (RFC 8259), or beyond the reader's limits; `line` and `column`
        /// (both from 1, the column in bytes) say where.
        case syntax(line: Int, column: Int)
        /// A key the type needs is absent.
        case missingKey
        /// The value has the wrong kind (a string where a number belongs, null for a required key).
        case typeMismatch
        /// A number that does not fit the field (too large, negative for an unsigned one, a fraction).
        case outOfRange
        /// The right kind, but not a value the field takes (an unknown dataplane name).
        case invalidValue
        /// A value JSON cannot express (a Double that is NaN or infinite).
        case unrepresentable
    }

    public let kind: Kind
    /// Where, as keys and indices from the document's root (`policy.ac_names[2]`); empty for
    /// the root itself and for syntax errors.
    public let path: String
    /// What is wrong, without the path.
    public let reason: String

    public init(_ kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case let .syntax(line, column): "not valid JSON: \(reason) (line \(line), column \(column))"
        case .missingKey: "missing \"\(path)\""
        default: path.isEmpty ? reason : "\(path): \(reason)"
        }
    }

    /// This error as seen from the container that holds its value under `component` (a key,
    /// or an index written `[n]`).
    public func under(_ component: String) -> JSONError {
        let joined = path.isEmpty ? component : path.hasPrefix("[") ? component + path : component + "." + path
        return JSONError(kind, path: joined, reason: reason)
    }

    /// A key from the document as a path shows it: as it is when it is a plain name (letters,
    /// digits, `_`, `-`), else quoted and escaped, so that a key chosen by whoever wrote the
    /// document can neither forge the path's structure nor reach the terminal raw.
    public static func pathComponent(_ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.count <= 64 && key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return plain ? key : quoted(key)
    }

    /// `text` as a refusal shows it: quoted, JSON-escaped and cut to 40 characters, so that
    /// a hostile configuration or reply cannot drive the terminal of whoever reads the error.
    public static func quoted(_ text: String) -> String {
        var shown = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == 40 { return "\"" + shown + "\"..." }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || (0x2028...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                || scalar == "\"" || scalar == "\\" {
                shown += "\\u" + JSONText.hex4(scalar.value)
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return "\"" + shown + "\""
    }
}
