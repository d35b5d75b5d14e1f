import ControlProtocol
import JSON
import Libc
import PlainText

/// The saved configuration: JSON, written atomically (temporary file, then rename). Lines that
/// start with "#" are comments, so an example configuration can explain itself; they read as
/// empty lines, so that a refusal's line number is the file's.
public enum ConfigurationFile {
    /// The configuration saved at `path`, or why it cannot be used.
    public static func load(_ path: String) throws(DaemonError) -> RelayConfiguration {
        guard let bytes = fileContents(atPath: path) else { throw .failure("no configuration at \(path) (relayctl enable saves one)") }
        let json = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace.hasPrefix("#") ? "" : String($0) }.joined(separator: "\n")
        let configuration: RelayConfiguration
        do { configuration = try JSON.decode(RelayConfiguration.self, from: Array(json.utf8)) } catch {
            throw .usage("\(path) is not a relay configuration: \(error)")
        }
        try configuration.validate()
        return configuration
    }

    static func save(_ configuration: RelayConfiguration, at path: String) throws(DaemonError) {
        try write(ControlJSON.encode(configuration) + [UInt8(ascii: "\n")], to: path)
    }

    static func restore(_ previous: [UInt8]?, at path: String) {
        if let previous { try? write(previous, to: path) } else { unlink(path) }
    }

    private static func write(_ bytes: [UInt8], to path: String) throws(DaemonError) {
        do throws(FileError) {
            try createDirectories(parentDirectory(of: path))
            try writeFileAtomically(path, bytes)
        } catch {
            throw .failure("cannot save configuration \(path): \(error.text)")
        }
    }
}
