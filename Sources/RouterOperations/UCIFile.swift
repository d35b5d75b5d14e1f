import FastPaths
import PlainText

/// What `enable` and `disable` need to know of OpenWrt's /etc/config/pppoe-relay: whether the
/// relay is configured there. With `option enabled '1'` in section `main` the init script runs
/// that configuration, not the one `enable` saves, so `enable` must not claim to change it.
enum UCIFile {
    static let path = "/etc/config/pppoe-relay"

    /// True when section `main` (of type `relay`) says `option enabled` with a true value, as
    /// config_get_bool reads it: 1, on, true, yes or enabled, quoted or not.
    static func relayIsEnabled(_ system: SystemAccess) -> Bool {
        guard let text = system.read(path) else { return false }
        var inMain = false, enabled = false
        for line in text.split(separator: "\n") {
            let words = line.trimmingWhitespace.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(unquoted)
            guard let keyword = words.first else { continue }
            if keyword == "config" {
                inMain = words.count >= 3 && words[1] == "relay" && words[2] == "main"
            } else if inMain, keyword == "option", words.count >= 3, words[1] == "enabled" {
                enabled = ["1", "on", "true", "yes", "enabled"].contains(words[2])
            }
        }
        return enabled
    }

    private static func unquoted(_ word: Substring) -> String {
        var text = String(word)
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        return text
    }
}
