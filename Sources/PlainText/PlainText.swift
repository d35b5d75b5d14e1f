// Text conveniences the code once took from Foundation, written on the standard library so
// that they compile in both builds (Embedded Swift has no Foundation).

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, carriage returns and newlines (a CRLF pair is
    /// one Character in Swift, so it is named too).
    public var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

extension StringProtocol {
    /// Whether `substring` occurs in this text, compared by UTF-8 bytes: Foundation's and the
    /// string-processing library's `contains`, which Embedded Swift lacks, for the ASCII words
    /// the code looks for in kernel files and command output.
    public func contains(substring: some StringProtocol) -> Bool {
        firstByteOffset(of: substring) != nil
    }

    /// Every occurrence of `target` replaced by `replacement`, left to right, by UTF-8 bytes.
    public func replacing(every target: some StringProtocol, with replacement: some StringProtocol) -> String {
        let haystack = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return String(self) }
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if haystack.count - index >= needle.count, haystack[index..<index + needle.count].elementsEqual(needle) {
                result.append(contentsOf: replacement.utf8)
                index += needle.count
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private func firstByteOffset(of substring: some StringProtocol) -> Int? {
        let haystack = Array(utf8)
        let needle = Array(substring.utf8)
        guard !needle.isEmpty else { return 0 }
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
