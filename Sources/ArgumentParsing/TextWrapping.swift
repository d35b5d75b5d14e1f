/// Help's line breaking: words fill lines of `width` characters, less `indent`, which every
/// non-empty line gets in front; a word longer than a line stands alone on one; line breaks
/// in the text are kept. The same breaks as swift-argument-parser makes, so help reads as it
/// always has. A width that leaves no room gives nothing.
enum TextWrapping {
    static func wrap(_ text: String, width: Int, indent: Int = 0) -> String {
        let columns = width - indent
        guard columns > 0 else { return "" }
        let characters = Array(text)
        var lines: [ArraySlice<Character>] = []
        var start = 0
        while true {
            let end = min(start + columns, characters.count)
            let chunk = characters[start..<end]
            if let lastBreak = chunk.lastIndex(of: "\n") {
                var lineStart = start
                for index in start..<lastBreak where characters[index] == "\n" {
                    lines.append(characters[lineStart..<index])
                    lineStart = index + 1
                }
                lines.append(characters[lineStart..<lastBreak])
                start = lastBreak + 1
            } else if end == characters.count {
                lines.append(chunk)
                break
            } else if let lastSpace = chunk.lastIndex(of: " ") {
                lines.append(characters[start..<lastSpace])
                start = lastSpace + 1
            } else if let nextSpace = characters[start...].firstIndex(of: " ") {
                lines.append(characters[start..<nextSpace])
                start = nextSpace + 1
            } else {
                lines.append(characters[start...])
                break
            }
        }
        let margin = String(repeating: " ", count: indent)
        return lines.map { $0.isEmpty ? "" : margin + String($0) }.joined(separator: "\n")
    }
}
