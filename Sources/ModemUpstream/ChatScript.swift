/// A modem's chat script in chat(8)'s format: expect/send pairs, `ABORT string`,
/// `TIMEOUT seconds`, quoted strings, chat's escapes (\r \n \t \s \\ \c \d \p, ^X), and
/// subexpectations (`expect-send-expect`: on timeout, send and expect the next). SAY, REPORT,
/// ECHO, HANGUP and CLR_ABORT are read and ignored. Parsed once at start, so a bad script is a
/// one-line error before anything runs.
public struct ChatScript: Equatable, Sendable {
    /// What is written: bytes, after a pause (\d is one second, \p a tenth).
    public struct Send: Equatable, Sendable {
        public var bytes: [UInt8]
        public var delayMilliseconds: Int
    }

    /// One expect and the alternatives tried on its timeout, then what to send once it is seen.
    public struct Step: Equatable, Sendable {
        /// The expected string (empty: nothing), then (send, expect) pairs tried in turn on timeout.
        public var expect: [UInt8]
        public var alternatives: [(send: Send, expect: [UInt8])]
        public var send: Send?
        public var timeoutSeconds: Int

        public static func == (a: Step, b: Step) -> Bool {
            a.expect == b.expect && a.send == b.send && a.timeoutSeconds == b.timeoutSeconds
                && a.alternatives.count == b.alternatives.count
                && zip(a.alternatives, b.alternatives).allSatisfy { $0.send == $1.send && $0.expect == $1.expect }
        }
    }

    public var steps: [Step]
    public var abortStrings: [[UInt8]]

    public static let defaultTimeoutSeconds = 45

    /// What runs without `--chat`: a 3G/4G stick's usual dial (packet data on context 1).
    public static let builtIn = """
        ABORT BUSY ABORT 'NO CARRIER' ABORT 'NO DIALTONE' ABORT 'NO ANSWER' ABORT ERROR
        TIMEOUT 30
        '' AT
        OK ATD*99#
        CONNECT ''
        """

    public init(parsing text: String) throws(ChatScriptError) {
        let words = try Self.words(text)
        var steps: [Step] = []
        var aborts: [[UInt8]] = []
        var timeout = Self.defaultTimeoutSeconds
        var i = 0
        while i < words.count {
            let word = words[i]
            let keyword = word.quoted ? nil : word.text
            func argument() throws(ChatScriptError) -> String {
                guard i + 1 < words.count else { throw .init("\(keyword ?? "") needs an argument") }
                return words[i + 1].text
            }
            switch keyword {
            case "ABORT":
                aborts.append(try Self.bytes(argument(), sending: false).bytes)
                i += 2
            case "TIMEOUT":
                let value = try argument()
                guard let seconds = Int(value), seconds > 0, seconds <= 3600 else {
                    throw .init("TIMEOUT needs seconds (1 to 3600), not \(value)")
                }
                timeout = seconds
                i += 2
            case "SAY", "REPORT", "ECHO", "HANGUP", "CLR_ABORT", "CLR_REPORT":
                _ = try argument()
                i += 2
            default:
                var alternatives = Self.subexpectations(word.text)
                let expect = try Self.bytes(alternatives.removeFirst(), sending: false).bytes
                guard alternatives.count % 2 == 0 else { throw .init("subexpectation \(word.text) ends with a send") }
                var pairs: [(send: Send, expect: [UInt8])] = []
                var k = 0
                while k < alternatives.count {
                    pairs.append((try Self.bytes(alternatives[k], sending: true),
                                  try Self.bytes(alternatives[k + 1], sending: false).bytes))
                    k += 2
                }
                let send = i + 1 < words.count ? try Self.bytes(words[i + 1].text, sending: true) : nil
                steps.append(Step(expect: expect, alternatives: pairs, send: send, timeoutSeconds: timeout))
                i += 2
            }
        }
        guard !steps.isEmpty else { throw .init("the chat script has no expect/send pairs") }
        self.steps = steps
        abortStrings = aborts
    }

    /// `expect-send-expect...` split at every '-' that is not escaped (`\-` is a dash to expect).
    static func subexpectations(_ text: String) -> [String] {
        var parts = [""]
        var escaped = false
        for character in text {
            if character == "-" && !escaped {
                parts.append("")
            } else {
                parts[parts.count - 1].append(character)
            }
            escaped = character == "\\" && !escaped
        }
        return parts
    }

    /// Whitespace-separated words; '...' and "..." quote (a quoted word is never a keyword);
    /// `#` at the start of a line comments it out.
    static func words(_ text: String) throws(ChatScriptError) -> [(text: String, quoted: Bool)] {
        var words: [(text: String, quoted: Bool)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.drop(while: { $0 == " " || $0 == "\t" }).first == "#" { continue }
            var current = ""
            var inWord = false, quoted = false
            var quote: Character?
            var escapeNext = false
            for character in line {
                if let open = quote {
                    if escapeNext {
                        current.append("\\")
                        current.append(character)
                        escapeNext = false
                    } else if character == "\\" {
                        escapeNext = true
                    } else if character == open {
                        quote = nil
                    } else {
                        current.append(character)
                    }
                    continue
                }
                if escapeNext {
                    current.append("\\")
                    current.append(character)
                    escapeNext = false
                    inWord = true
                    continue
                }
                switch character {
                case " ", "\t", "\r":
                    if inWord { words.append((current, quoted)) }
                    current = ""
                    inWord = false
                    quoted = false
                case "'", "\"":
                    quote = character
                    inWord = true
                    quoted = true
                case "\\":
                    escapeNext = true
                    inWord = true
                default:
                    current.append(character)
                    inWord = true
                }
            }
            if quote != nil { throw .init("unterminated quote in: \(line)") }
            if escapeNext { current.append("\\") }
            if inWord { words.append((current, quoted)) }
        }
        return words
    }

    /// A string's bytes after chat's escapes. A send gets a carriage return unless it ends \c.
    static func bytes(_ text: String, sending: Bool) throws(ChatScriptError) -> Send {
        var out: [UInt8] = []
        var delay = 0
        var carriageReturn = sending
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "^"), let next = iterator.next() {
                out.append(next & 0x1F)
                continue
            }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard let code = iterator.next() else {
                out.append(byte)
                break
            }
            switch code {
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "s"): out.append(0x20)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "^"), UInt8(ascii: "-"): out.append(code)
            case UInt8(ascii: "c") where sending: carriageReturn = false
            case UInt8(ascii: "d") where sending: delay += 1000
            case UInt8(ascii: "p") where sending: delay += 100
            case UInt8(ascii: "N"), UInt8(ascii: "K"), UInt8(ascii: "q"): break
            default: throw .init("unknown escape \\\(Character(UnicodeScalar(code))) in \(text)")
            }
        }
        if carriageReturn { out.append(0x0D) }
        return Send(bytes: out, delayMilliseconds: delay)
    }
}

public struct ChatScriptError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = "chat script: " + description }
}
