import PPPoEWire

/// The relay's sessions as a file, so that a daemon started after this one (a restart, a crash and
/// its respawn, an upgrade) carries on with them instead of every client dialling again.
///
/// Text, one line per fact, so that an operator can read it: a header with the format version,
/// one `session` line of `key=value` words per session, and an `end` line with the number of
/// sessions and a checksum of everything before it. A file that stops early has no `end` line;
/// a file changed by accident (a flipped bit, a stray edit) fails its checksum. Both are refused
/// whole: a journal that is partly right would make the relay claim sessions it cannot vouch for.
///
/// Versions: a newer relay reads every older version (keys added later are optional and take
/// their defaults); a journal of a version newer than `version` is refused with a line that says so.
public struct SessionJournal: Sendable, Equatable {
    /// The format this relay writes, and the newest it reads.
    public static let version = 1
    static let magic = "pppoe-relay journal"

    /// One session as the journal keeps it. Times are wall-clock Unix seconds: monotonic time
    /// means nothing to the next process after a reboot, and is only mapped back at adoption.
    public struct Entry: Sendable, Equatable {
        public var lanInterface: String
        public var session: Session
        public var labels: SessionLabels
        public var startedAt: Int64
        public var lastActivityAt: Int64

        public init(lanInterface: String, session: Session, labels: SessionLabels, startedAt: Int64, lastActivityAt: Int64) {
            self.lanInterface = lanInterface
            self.session = session
            self.labels = labels
            self.startedAt = startedAt
            self.lastActivityAt = lastActivityAt
        }

        /// Why this session cannot be adopted though its line was read (a value out of its
        /// bounds), or nil when every value is one a relay could have written.
        public var problem: String? {
            let s = session
            guard SessionJournal.isInterfaceName(lanInterface) else {
                return "lan interface name of \(lanInterface.utf8.count) bytes"
            }
            guard SessionJournal.isPeer(s.clientMAC) else { return "client \(s.clientMAC) is not a station's address" }
            guard SessionJournal.isPeer(s.acMAC) else { return "ac \(s.acMAC) is not a station's address" }
            guard SessionJournal.isSessionID(s.clientSessionID) else { return "client_id \(s.clientSessionID) is reserved" }
            guard SessionJournal.isSessionID(s.acSessionID) else { return "ac_id \(s.acSessionID) is reserved" }
            let counts: [(String, ForwardedCount)] = [
                ("to_ac", ForwardedCount(packets: s.packetsToAC, bytes: s.bytesToAC)),
                ("to_client", ForwardedCount(packets: s.packetsToClient, bytes: s.bytesToClient)),
                ("kernel_to_ac", s.offloadedToAC), ("kernel_to_client", s.offloadedToClient),
                ("reading_to_ac", s.kernelReadingToAC), ("reading_to_client", s.kernelReadingToClient),
            ]
            for (key, count) in counts
            where count.packets > SessionJournal.largestCount || count.bytes > SessionJournal.largestCount {
                return "\(key) \(count.packets)/\(count.bytes) is beyond any count (\(SessionJournal.largestCount))"
            }
            for (key, time) in [("started", startedAt), ("active", lastActivityAt)] where !SessionJournal.isTime(time) {
                return "\(key) \(time) is not a time"
            }
            for (key, label) in [("ac_name", labels.acName), ("service", labels.serviceName)]
            where label.utf8.count > SessionJournal.longestLabel {
                return "\(key) of \(label.utf8.count) bytes is longer than any tag"
            }
            return nil
        }
    }

    // MARK: What a value may be

    /// The checksum only says the file is as some writer left it, not that its values are ones
    /// a relay could have: a journal edited by hand, or written by a relay with a bug, may say
    /// anything that parses. Every value is held to these bounds before a session is adopted,
    /// so that nothing a journal says can make the daemon trap (and, since the journal would
    /// still be there for the respawned daemon, trap again at every start).

    /// The largest count of packets or bytes a session may have: a hundred years at 10 Gbit/s
    /// stay under it, and a userspace count and a kernel count below it sum without overflow.
    public static let largestCount: UInt64 = 1 << 62
    /// The latest wall-clock time a journal may name: the end of the year 9999.
    public static let latestTime: Int64 = 253_402_300_799
    /// Linux interface names are at most 15 bytes (IFNAMSIZ less its NUL).
    public static let longestInterfaceName = 15
    /// A name from discovery is a tag's value (at most 65,535 bytes) as TerminalText shows it
    /// (at most 4 characters a byte).
    public static let longestLabel = 4 * Int(UInt16.max)

    /// Unix seconds a journal may name: from 1970 to `latestTime`.
    public static func isTime(_ seconds: Int64) -> Bool { seconds >= 0 && seconds <= latestTime }

    /// A name Linux could give an interface: 1 to 15 bytes.
    public static func isInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= longestInterfaceName
    }

    /// A session id a session can have: 0 and 0xFFFF are reserved (RFC 2516).
    public static func isSessionID(_ id: UInt16) -> Bool { id != 0 && id != 0xFFFF }

    /// An address a session's peer can have: one station, not a group, not zero.
    public static func isPeer(_ mac: MACAddress) -> Bool { !mac.isGroup && mac != .zero }

    /// When the journal was written (Unix seconds): at a clean hand-over, when the old daemon left.
    public var writtenAt: Int64
    public var wanInterface: String
    public var entries: [Entry]

    public init(writtenAt: Int64, wanInterface: String, entries: [Entry]) {
        self.writtenAt = writtenAt
        self.wanInterface = wanInterface
        self.entries = entries
    }

    /// Why a journal was not read; `description` is the line the daemon logs.
    public enum ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        case notAJournal
        case newerVersion(Int)
        case truncated
        case checksumMismatch
        case malformed(line: Int, String)

        public var description: String {
            switch self {
            case .notAJournal: "not a pppoe-relay journal"
            case let .newerVersion(found):
                "journal format \(found) is newer than this relay reads (up to \(SessionJournal.version)); "
                    + "a newer relay wrote it"
            case .truncated: "journal is truncated (no end line)"
            case .checksumMismatch: "journal is corrupt (checksum mismatch)"
            case let .malformed(line, what): "journal line \(line): \(what)"
            }
        }
    }

    // MARK: Writing

    public func encoded() -> [UInt8] {
        var text = "\(Self.magic) \(Self.version)\n"
        text += "written \(writtenAt)\n"
        text += "wan \(Self.hex(wanInterface))\n"
        for entry in entries { text += Self.line(entry) + "\n" }
        var bytes = Array(text.utf8)
        let sum = Self.checksum(bytes)
        bytes += Array("end \(entries.count) \(String(sum, radix: 16))\n".utf8)
        return bytes
    }

    static func line(_ entry: Entry) -> String {
        let s = entry.session
        var words = [
            "session", "lan=\(hex(entry.lanInterface))", "client=\(s.clientMAC)", "client_id=\(s.clientSessionID)",
            "ac=\(s.acMAC)", "ac_id=\(s.acSessionID)", "started=\(entry.startedAt)", "active=\(entry.lastActivityAt)",
            "to_ac=\(s.packetsToAC)/\(s.bytesToAC)", "to_client=\(s.packetsToClient)/\(s.bytesToClient)",
            "kernel_to_ac=\(s.offloadedToAC.packets)/\(s.offloadedToAC.bytes)",
            "kernel_to_client=\(s.offloadedToClient.packets)/\(s.offloadedToClient.bytes)",
            "reading_to_ac=\(s.kernelReadingToAC.packets)/\(s.kernelReadingToAC.bytes)",
            "reading_to_client=\(s.kernelReadingToClient.packets)/\(s.kernelReadingToClient.bytes)",
            "mss=\(s.mssIPv4)/\(s.mssIPv6)",
            "ac_name=\(hex(entry.labels.acName))", "service=\(hex(entry.labels.serviceName))",
        ]
        if let maxPayload = entry.labels.maxPayload { words.append("max_payload=\(maxPayload)") }
        return words.joined(separator: " ")
    }

    // MARK: Reading

    public static func decode(_ bytes: [UInt8]) throws(ReadError) -> SessionJournal {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, let header = String(validating: first, as: UTF8.self),
              header.hasPrefix(magic + " ") else { throw .notAJournal }
        guard let version = Int(header.dropFirst(magic.count + 1)), version >= 1 else {
            throw .malformed(line: 1, "bad version")
        }
        guard version <= Self.version else { throw .newerVersion(version) }
        // The end line is the last non-empty one, and everything before it is checksummed.
        guard bytes.last == UInt8(ascii: "\n"), lines.count >= 2,
              let endText = String(validating: lines[lines.count - 2], as: UTF8.self), endText.hasPrefix("end ")
        else { throw .truncated }
        let endWords = endText.split(separator: " ")
        let bodyLength = bytes.count - lines[lines.count - 2].count - 1
        guard endWords.count == 3, let count = Int(endWords[1]), let sum = UInt64(endWords[2], radix: 16) else {
            throw .malformed(line: lines.count - 1, "bad end line")
        }
        guard checksum(bytes[..<bodyLength]) == sum else { throw .checksumMismatch }
        var writtenAt: Int64?
        var wan: String?
        var entries: [Entry] = []
        for (index, raw) in lines.dropLast(2).enumerated().dropFirst() {
            let number = index + 1
            guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed(line: number, "not UTF-8") }
            let words = text.split(separator: " ").map(String.init)
            switch words.first {
            case "written" where words.count == 2: writtenAt = Int64(words[1])
            case "wan" where words.count == 2: wan = unhex(words[1])
            case "session": entries.append(try entry(words.dropFirst(), line: number))
            default: throw .malformed(line: number, "unknown line")
            }
        }
        guard let writtenAt else { throw .malformed(line: 2, "no written line") }
        guard isTime(writtenAt) else { throw .malformed(line: 2, "written \(writtenAt) is not a time") }
        guard let wan else { throw .malformed(line: 3, "no wan line") }
        guard isInterfaceName(wan) else { throw .malformed(line: 3, "wan interface name of \(wan.utf8.count) bytes") }
        guard entries.count == count else { throw .malformed(line: lines.count - 1, "end line counts \(count) sessions, found \(entries.count)") }
        return SessionJournal(writtenAt: writtenAt, wanInterface: wan, entries: entries)
    }

    private static func entry(_ words: ArraySlice<String>, line: Int) throws(ReadError) -> Entry {
        var fields: [String: String] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { throw .malformed(line: line, "word without '='") }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        func required<T>(_ key: String, _ parse: (String) -> T?) throws(ReadError) -> T {
            guard let text = fields[key], let value = parse(text) else { throw .malformed(line: line, "bad or missing \(key)") }
            return value
        }
        func optional<T>(_ key: String, _ parse: (String) -> T?, default value: T) throws(ReadError) -> T {
            guard let text = fields[key] else { return value }
            guard let parsed = parse(text) else { throw .malformed(line: line, "bad \(key)") }
            return parsed
        }
        let zero = ForwardedCount(packets: 0, bytes: 0)
        var session = Session(lanSlot: 0, clientMAC: try required("client", MACAddress.init),
                              clientSessionID: try required("client_id", sessionID),
                              acMAC: try required("ac", MACAddress.init), acSessionID: try required("ac_id", sessionID),
                              createdAt: 0, lastActivity: 0)
        let toAC = try optional("to_ac", pair, default: zero)
        let toClient = try optional("to_client", pair, default: zero)
        (session.packetsToAC, session.bytesToAC) = (toAC.packets, toAC.bytes)
        (session.packetsToClient, session.bytesToClient) = (toClient.packets, toClient.bytes)
        session.offloadedToAC = try optional("kernel_to_ac", pair, default: zero)
        session.offloadedToClient = try optional("kernel_to_client", pair, default: zero)
        session.kernelReadingToAC = try optional("reading_to_ac", pair, default: zero)
        session.kernelReadingToClient = try optional("reading_to_client", pair, default: zero)
        let mss = try optional("mss", pair, default: zero)
        guard mss.packets <= UInt16.max, mss.bytes <= UInt16.max else { throw .malformed(line: line, "bad mss") }
        (session.mssIPv4, session.mssIPv6) = (UInt16(mss.packets), UInt16(mss.bytes))
        let labels = SessionLabels(acName: try optional("ac_name", unhex, default: ""),
                                   serviceName: try optional("service", unhex, default: ""),
                                   maxPayload: try optional("max_payload", { UInt16($0) }, default: nil))
        let started: Int64 = try required("started") { Int64($0) }
        return Entry(lanInterface: try required("lan", unhex), session: session, labels: labels, startedAt: started,
                     lastActivityAt: try optional("active", { Int64($0) }, default: started))
    }

    private static func sessionID(_ text: String) -> UInt16? {
        guard let id = UInt16(text), id != 0, id != 0xFFFF else { return nil }
        return id
    }

    private static func pair(_ text: String) -> ForwardedCount? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]) else { return nil }
        return ForwardedCount(packets: a, bytes: b)
    }

    /// Names from the wire or a configuration may hold anything, spaces and newlines included:
    /// the journal keeps them as hex ("-" for empty), so a line is always words.
    static func hex(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return "-" }
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    static func unhex(_ text: String) -> String? {
        if text == "-" { return "" }
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// FNV-1a, 64 bits: catches a changed or shortened file, which is all it is for (the
    /// directory's owner checks keep other users out; this is not a signature).
    static func checksum(_ bytes: some Collection<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

